#!/usr/bin/env bash
# Runs the whole test suite: set-up (see scripts/setup.sh), every cargo test target, then the
# kill-and-resume check (scripts/kill-resume.sh, 24 SIGKILL trials on a small stack) with the
# binary the tests built.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --all-targets
SBAS_BIN="${CARGO_TARGET_DIR:-target}/debug/sbas" bash scripts/kill-resume.sh 24
