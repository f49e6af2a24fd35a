#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_aria/: a small simulated ARIA-tools time-series folder (`sbas
# simulate --processor aria`: stack VRTs with their band metadata, ENVI rasters and VRTs per
# pair, DEM, incidence and azimuth angles, water mask) and MintPy 1.6.4's `load_data` output on
# it (prep_aria: inputs/ifgramStack.h5, inputs/geometryGeo.h5), which tests/readers_aria.rs
# compares with sbas's ARIA reader; and, with the folder's simulated correction stacks
# (`--aria-corrections`: stack/troposphereTotal/HRRRStack.vrt, stack/setStack.vrt
# and stack/ionoStack.vrt), `prep_aria.py --tropo --set --iono` (inputs/HRRR_ARIA.h5,
# inputs/solidEarthTide_ARIA.h5, inputs/ionStack.h5), which tests/aria_corrections.rs compares
# with sbas's loading of them.
#
# Needs MintPy 1.6.4 with GDAL (default /work/venv; override with MINTPY_VENV=...).
# CI never runs this: it only reads the committed fixture.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
fixture="$repo/tests/fixtures/mintpy_aria"
[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }

rm -rf "$fixture"
mkdir -p "$fixture"
(cd "$repo" && cargo run --quiet -- simulate "$fixture/stack" --processor aria \
    --rows 20 --cols 30 --dates 6 --neighbors 2 --seed 7 --unwrap-gaps --aria-corrections)
rm -rf "$fixture/stack/truth"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -a "$fixture/stack" "$work/stack"
mkdir -p "$work/stack/mintpy"
cat > "$fixture/SimAria.txt" <<'TEMPLATE'
## MintPy 1.6.4 template of the sbas mintpy_aria fixture (prep_aria.py's documented keys)
mintpy.load.processor      = aria
mintpy.load.unwFile        = ../stack/unwrapStack.vrt
mintpy.load.corFile        = ../stack/cohStack.vrt
mintpy.load.connCompFile   = ../stack/connCompStack.vrt
mintpy.load.demFile        = ../DEM/glo_90.dem
mintpy.load.incAngleFile   = ../incidenceAngle/*.vrt
mintpy.load.azAngleFile    = ../azimuthAngle/*.vrt
mintpy.load.waterMaskFile  = ../mask/esa_world_cover_2021.msk
mintpy.compute.maxMemory   = 0.2
TEMPLATE
cp "$fixture/SimAria.txt" "$work/stack/mintpy/"
(cd "$work/stack/mintpy" && "$venv/bin/smallbaselineApp.py" SimAria.txt --dostep load_data > load.log 2>&1) \
    || { cat "$work/stack/mintpy/load.log" >&2; exit 1; }
mkdir -p "$fixture/inputs"
cp "$work/stack/mintpy/inputs/ifgramStack.h5" "$work/stack/mintpy/inputs/geometryGeo.h5" "$fixture/inputs/"
# The correction stacks: smallbaselineApp's load_data passes none of them to prep_aria (only
# mintpy.load.ionUnwFile as --iono), so prep_aria.py is run directly, as its documentation shows.
mkdir -p "$work/stack/mintpy_corr"
(cd "$work/stack/mintpy_corr" && "$venv/bin/prep_aria.py" -s ../stack -d ../DEM/glo_90.dem \
    -i '../incidenceAngle/*.vrt' --tropo ../stack/troposphereTotal/HRRRStack.vrt \
    --set ../stack/setStack.vrt --iono ../stack/ionoStack.vrt > prep.log 2>&1) \
    || { cat "$work/stack/mintpy_corr/prep.log" >&2; exit 1; }
cp "$work/stack/mintpy_corr/inputs/HRRR_ARIA.h5" "$work/stack/mintpy_corr/inputs/ionStack.h5" \
    "$work/stack/mintpy_corr/inputs/solidEarthTide_ARIA.h5" "$fixture/inputs/"
cat > "$fixture/README.md" <<'README'
# mintpy_aria: a simulated ARIA-tools time-series folder and MintPy 1.6.4's load_data on it

Made by `scripts/make-mintpy-aria-fixture.sh` (do not edit by hand; re-run the script).

- `stack/`: `sbas simulate stack --processor aria --rows 20 --cols 30 --dates 6 --neighbors 2
  --seed 7 --unwrap-gaps --aria-corrections` (truth removed): `stack/{unwrapStack,cohStack,connCompStack}.vrt`
  (nine bands, one per pair, with ARIA-tools' band metadata), per pair
  `unwrappedPhase/`, `coherence/`, `connectedComponents/` ENVI rasters (`.hdr`, `.vrt`),
  `incidenceAngle/` and `azimuthAngle/` (one raster each), `DEM/glo_90.dem`,
  `mask/esa_world_cover_2021.msk`, `bPerpendicular/bperp.json`; the per-date correction
  stacks `stack/troposphereTotal/HRRRStack.vrt` (rasters `troposphereTotal/HRRR/dates/`) and
  `stack/setStack.vrt` (`solidEarthTide/dates/`), domains `HRRR` and `solidEarthTide`,
  `Dates` one YYYYMMDD, no `perpendicularBaseline` (ariaTSsetup.py `generate_stack`,
  `extractProduct.handle_epoch_layers`, `constants.ARIA_STACK_OUTFILES`); the ionosphere pair
  stack `stack/ionoStack.vrt` (rasters `ionosphere/<date2_date1>`, domain `ionosphere`, with
  `perpendicularBaseline`, as the phase). Where each fact of the file
  structure was seen (aria-tools/ARIA-tools commit 7b151f926438a5f3eb6375f982d420096808eaf0:
  `tools/bin/ariaTSsetup.py`, `tools/ARIAtools/extractProduct.py`, `util/seq_stitch.py`,
  `util/dem.py`, `util/mask.py`): `src/simulate/aria_writer.rs`.
- `inputs/ifgramStack.h5`, `inputs/geometryGeo.h5`: MintPy 1.6.4's `load_data` (prep_aria)
  with `SimAria.txt`, run in `stack/mintpy/` of a copy (GDAL 3.6 of Debian's python3-gdal).
- `inputs/HRRR_ARIA.h5`, `inputs/solidEarthTide_ARIA.h5`, `inputs/ionStack.h5`: MintPy 1.6.4's
  `prep_aria.py -s ../stack -d ../DEM/glo_90.dem -i '../incidenceAngle/*.vrt' --tropo
  ../stack/troposphereTotal/HRRRStack.vrt --set ../stack/setStack.vrt --iono
  ../stack/ionoStack.vrt` in `stack/mintpy_corr/`.
README
echo "wrote $fixture"
