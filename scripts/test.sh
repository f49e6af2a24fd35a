#!/usr/bin/env bash
# Runs the whole test suite: set-up (see scripts/setup.sh), then every test target.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --all-targets
