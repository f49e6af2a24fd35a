#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_snap/: a small simulated ESA SNAP stack (`sbas simulate
# --processor snap`: BEAM-DIMAP .dim + ENVI .img/.hdr per band) and MintPy 1.6.4's
# `load_data` output on it (inputs/ifgramStack.h5, inputs/geometryGeo.h5), which
# tests/readers_snap.rs compares with sbas's SNAP reader.
#
# Needs MintPy 1.6.4 (default /work/venv; override with MINTPY_VENV=...).
# CI never runs this: it only reads the committed fixture.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
fixture="$repo/tests/fixtures/mintpy_snap"
[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }

rm -rf "$fixture"
mkdir -p "$fixture"
(cd "$repo" && cargo run --quiet -- simulate "$fixture/stack" --processor snap \
    --rows 20 --cols 30 --dates 6 --neighbors 2 --seed 7)
rm -rf "$fixture/stack/truth"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -a "$fixture/stack" "$work/stack"
mkdir -p "$work/stack/mintpy"
cat > "$fixture/SimSnap.txt" <<'TEMPLATE'
## MintPy 1.6.4 template of the sbas mintpy_snap fixture
mintpy.load.processor      = snap
mintpy.load.unwFile        = ../interferograms/*/*/Unw_*.img
mintpy.load.corFile        = ../interferograms/*/*/coh_*.img
mintpy.load.demFile        = ../dem_tc.data/*.img
mintpy.compute.maxMemory   = 0.2
TEMPLATE
cp "$fixture/SimSnap.txt" "$work/stack/mintpy/"
(cd "$work/stack/mintpy" && "$venv/bin/smallbaselineApp.py" SimSnap.txt --dostep load_data > load.log 2>&1) \
    || { cat "$work/stack/mintpy/load.log" >&2; exit 1; }
mkdir -p "$fixture/inputs"
cp "$work/stack/mintpy/inputs/ifgramStack.h5" "$work/stack/mintpy/inputs/geometryGeo.h5" "$fixture/inputs/"
cat > "$fixture/README.md" <<'README'
# mintpy_snap: a simulated SNAP stack and MintPy 1.6.4's load_data on it

Made by `scripts/make-mintpy-snap-fixture.sh` (do not edit by hand; re-run the script).

- `stack/`: `sbas simulate stack --processor snap --rows 20 --cols 30 --dates 6 --neighbors 2
  --seed 7` (truth removed): nine pair folders under `interferograms/` with `_unw_tc` and
  `_coh_tc` BEAM-DIMAP products, and `dem_tc.dim`/`dem_tc.data`. Where each fact of the file
  structure was seen: `src/simulate/snap_writer.rs`.
- `inputs/ifgramStack.h5`, `inputs/geometryGeo.h5`: MintPy 1.6.4's `load_data` with
  `SimSnap.txt` (run in `stack/mintpy/` of a copy; MintPy's `prep_snap` wrote `.rsc` files
  beside the `.img` bands of its copy, not here).
README
echo "wrote $fixture"
