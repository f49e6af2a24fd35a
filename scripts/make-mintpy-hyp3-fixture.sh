#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_hyp3/: a small simulated ASF HyP3 INSAR_GAMMA stack
# (`sbas simulate --processor hyp3`) and MintPy 1.6.4's `load_data` output on it
# (inputs/ifgramStack.h5, inputs/geometryGeo.h5), which tests/readers_hyp3.rs compares with
# sbas's HyP3 reader.
#
# Needs MintPy 1.6.4 with GDAL's Python bindings (default /work/venv, a venv made with
# --system-site-packages over Debian's python3-gdal; override with MINTPY_VENV=...).
# CI never runs this: it only reads the committed fixture.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
fixture="$repo/tests/fixtures/mintpy_hyp3"
[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
"$venv/bin/python" -c 'from osgeo import gdal' || { echo "no GDAL bindings in $venv" >&2; exit 1; }

rm -rf "$fixture"
mkdir -p "$fixture"
(cd "$repo" && cargo run --quiet -- simulate "$fixture/stack" --processor hyp3 \
    --rows 20 --cols 30 --dates 6 --neighbors 2 --seed 7)
rm -rf "$fixture/stack/truth"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -a "$fixture/stack" "$work/stack"
mkdir -p "$work/stack/mintpy"
cat > "$fixture/SimHyp3.txt" <<'TEMPLATE'
## MintPy 1.6.4 template of the sbas mintpy_hyp3 fixture
mintpy.load.processor      = hyp3
mintpy.load.unwFile        = ../hyp3/*/*_unw_phase.tif
mintpy.load.corFile        = ../hyp3/*/*_corr.tif
mintpy.load.demFile        = ../hyp3/*/*_dem.tif
mintpy.load.incAngleFile   = ../hyp3/*/*_lv_theta.tif
mintpy.load.azAngleFile    = ../hyp3/*/*_lv_phi.tif
mintpy.load.waterMaskFile  = ../hyp3/*/*_water_mask.tif
mintpy.compute.maxMemory   = 0.2
TEMPLATE
cp "$fixture/SimHyp3.txt" "$work/stack/mintpy/"
(cd "$work/stack/mintpy" && "$venv/bin/smallbaselineApp.py" SimHyp3.txt --dostep load_data > load.log 2>&1) \
    || { cat "$work/stack/mintpy/load.log" >&2; exit 1; }
mkdir -p "$fixture/inputs"
cp "$work/stack/mintpy/inputs/ifgramStack.h5" "$work/stack/mintpy/inputs/geometryGeo.h5" "$fixture/inputs/"
cat > "$fixture/README.md" <<'README'
# mintpy_hyp3: a simulated HyP3 stack and MintPy 1.6.4's load_data on it

Made by `scripts/make-mintpy-hyp3-fixture.sh` (do not edit by hand; re-run the script).

- `stack/hyp3/`: `sbas simulate stack --processor hyp3 --rows 20 --cols 30 --dates 6
  --neighbors 2 --seed 7` (truth removed): nine `INSAR_GAMMA` product folders.
- `inputs/ifgramStack.h5`, `inputs/geometryGeo.h5`: MintPy 1.6.4's `load_data` with
  `SimHyp3.txt` (run in `stack/mintpy/`; MintPy's `prep_hyp3` wrote `.rsc` files beside the
  GeoTIFFs of its copy, not here).
README
echo "wrote $fixture"
