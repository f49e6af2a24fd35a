#!/usr/bin/env bash
# dolphin's own reader against the ISCE2 simulation of the same scene (see check-dolphin-readers.py).
# Usage: scripts/check-dolphin-readers.sh [VENV]   VENV with dolphin 0.42 (default /tmp/l1-venv2; make
# one: /usr/bin/python3 -m venv --system-site-packages V; V/bin/pip install "dolphin==0.42.*" "numpy<2").
# SBAS_BIN=path/to/sbas uses that binary instead of `cargo run --release`.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-/tmp/l1-venv2}"
sbas() {
    if [ -n "${SBAS_BIN:-}" ]; then "$SBAS_BIN" "$@"; else (cd "$repo" && cargo run --release --quiet -- "$@"); fi
}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sim=(--rows 40 --cols 50 --dates 12 --neighbors 3 --seed 11)
sbas simulate "$work/dol" --processor dolphin "${sim[@]}" > /dev/null
sbas simulate "$work/isce" "${sim[@]}" > /dev/null
"$venv/bin/python" "$repo/scripts/check-dolphin-readers.py" "$work/dol" "$work/isce"
