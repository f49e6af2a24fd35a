#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_gmtsar/: a small simulated GMTSAR project (`sbas simulate
# --processor gmtsar`: GMT netCDF-classic grids, supermaster.PRM, config.tops.txt,
# baseline_table.dat) and MintPy 1.6.4's `load_data` output on it (inputs/ifgramStack.h5,
# inputs/geometryGeo.h5), which tests/readers_gmtsar.rs compares with sbas's GMTSAR reader.
#
# Needs MintPy 1.6.4 with GDAL (default /work/venv; override with MINTPY_VENV=...).
# CI never runs this: it only reads the committed fixture.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
fixture="$repo/tests/fixtures/mintpy_gmtsar"
[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }

rm -rf "$fixture"
mkdir -p "$fixture"
(cd "$repo" && cargo run --quiet -- simulate "$fixture/stack" --processor gmtsar \
    --rows 20 --cols 30 --dates 6 --neighbors 2 --seed 7)
rm -rf "$fixture/stack/truth"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -a "$fixture/stack" "$work/stack"
mkdir -p "$work/stack/mintpy"
cat > "$fixture/SimGmtsar.txt" <<'TEMPLATE'
## MintPy 1.6.4 template of the sbas mintpy_gmtsar fixture
## GMTSAR records no heading: MintPy takes it from here (sbas: --meta HEADING=...)
HEADING                    = -12.239471
mintpy.load.processor      = gmtsar
mintpy.load.metaFile       = ../supermaster.PRM
mintpy.load.baselineDir    = ../baseline_table.dat
mintpy.load.unwFile        = ../interferograms/*/unwrap_ll*.grd
mintpy.load.corFile        = ../interferograms/*/corr_ll*.grd
mintpy.load.demFile        = ../geometry/dem.grd
mintpy.load.incAngleFile   = ../geometry/incidence_angle.grd
mintpy.compute.maxMemory   = 0.2
TEMPLATE
cp "$fixture/SimGmtsar.txt" "$work/stack/mintpy/"
(cd "$work/stack/mintpy" && "$venv/bin/smallbaselineApp.py" SimGmtsar.txt --dostep load_data > load.log 2>&1) \
    || { cat "$work/stack/mintpy/load.log" >&2; exit 1; }
mkdir -p "$fixture/inputs"
cp "$work/stack/mintpy/inputs/ifgramStack.h5" "$work/stack/mintpy/inputs/geometryGeo.h5" "$fixture/inputs/"
cat > "$fixture/README.md" <<'README'
# mintpy_gmtsar: a simulated GMTSAR project and MintPy 1.6.4's load_data on it

Made by `scripts/make-mintpy-gmtsar-fixture.sh` (do not edit by hand; re-run the script).

- `stack/`: `sbas simulate stack --processor gmtsar --rows 20 --cols 30 --dates 6 --neighbors 2
  --seed 7` (truth removed): nine pair folders `interferograms/YYYYDDD_YYYYDDD/` with
  `unwrap_ll.grd` and `corr_ll.grd` (GMT netCDF classic), `geometry/dem.grd`,
  `geometry/incidence_angle.grd`, `supermaster.PRM`, `config.tops.txt`, `baseline_table.dat`.
  Where each fact of the file structure was seen: `src/simulate/gmtsar_writer.rs`.
- `inputs/ifgramStack.h5`, `inputs/geometryGeo.h5`: MintPy 1.6.4's `load_data` with
  `SimGmtsar.txt` (run in `stack/mintpy/` of a copy; MintPy's `prep_gmtsar` wrote `.rsc` files
  beside the grids of its copy, not here).
README
echo "wrote $fixture"
