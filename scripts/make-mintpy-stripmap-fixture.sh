#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_stripmap/: a small simulated stack in ISCE2 stripmapStack's
# layout (`sbas simulate --processor isce-stripmap`: Igrams/D1_D2/filt_D1_D2.unw, geom_reference/,
# baselines/D1_D2.txt, merged/SLC/D1/referenceShelve/data.{dat,rsc}) and what MintPy 1.6.4's
# load_data (prep_isce) makes of it: inputs/ifgramStack.h5 and geometryRadar.h5.
#
# Needs a Python with MintPy 1.6.4 (default /work/venv; override with MINTPY_VENV=...); MintPy
# reads the .xml sidecars through GDAL's ISCE driver, so that Python needs osgeo.gdal.
# SBAS_BIN=path/to/sbas uses that binary instead of `cargo run --release`.
# CI never runs this: it only reads the committed fixture.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
fixture="$repo/tests/fixtures/mintpy_stripmap"
rows=12 cols=14 dates=5 neighbors=2 seed=20261207

[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
mintpy_version="$("$venv/bin/python" -c 'import mintpy; print(mintpy.__version__)')"
[ "$mintpy_version" = "1.6.4" ] || echo "warning: MintPy $mintpy_version, the fixture is meant for 1.6.4" >&2
"$venv/bin/python" -c 'from osgeo import gdal' 2>/dev/null \
    || { echo "no osgeo.gdal in $venv (apt-get install python3-gdal, or pip install gdal)" >&2; exit 1; }

sbas() {
    if [ -n "${SBAS_BIN:-}" ]; then "$SBAS_BIN" "$@"; else (cd "$repo" && cargo run --release --quiet -- "$@"); fi
}

work="$(mktemp -d)"
if [ -n "${KEEP_WORK:-}" ]; then echo "MintPy work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi

# MintPy's AUTO_PATH_ISCE_STRIPMAP (mintpy/defaults/auto_path.py), ${ref_shelve} as a glob.
template() {
    cat <<'T'
mintpy.load.processor      = isce
mintpy.load.metaFile       = ../merged/SLC/*/referenceShelve/data.dat
mintpy.load.baselineDir    = ../baselines
mintpy.load.unwFile        = ../Igrams/*/filt*.unw
mintpy.load.corFile        = ../Igrams/*/filt*.cor
mintpy.load.connCompFile   = ../Igrams/*/filt*.unw.conncomp
mintpy.load.demFile        = ../geom_reference/hgt.rdr
mintpy.load.lookupYFile    = ../geom_reference/lat.rdr
mintpy.load.lookupXFile    = ../geom_reference/lon.rdr
mintpy.load.incAngleFile   = ../geom_reference/los.rdr
mintpy.load.azAngleFile    = ../geom_reference/los.rdr
mintpy.load.shadowMaskFile = ../geom_reference/shadowMask.rdr
mintpy.load.waterMaskFile  = ../geom_reference/waterMask.rdr
T
}

rm -rf "$fixture"
mkdir -p "$fixture"
sbas simulate "$fixture/stack" --processor isce-stripmap --rows "$rows" --cols "$cols" \
    --dates "$dates" --neighbors "$neighbors" --seed "$seed" > /dev/null
rm -rf "$fixture/stack/truth"
# MintPy on a copy (prep_isce writes .rsc files into the tree). `cp -a` keeps data.rsc newer
# than the shelve, so MintPy reads data.rsc instead of unpickling the shelve with ISCE2.
run="$work/stripmap"
mkdir -p "$run"
cp -a "$fixture/stack/." "$run/"
mkdir -p "$run/mintpy"
template > "$run/mintpy/Sim.txt"
(cd "$run/mintpy" && "$venv/bin/smallbaselineApp.py" Sim.txt --dostep load_data > log_load_data.txt 2>&1) \
    || { echo "MintPy load_data failed, see $run/mintpy/log_load_data.txt" >&2; tail -30 "$run/mintpy/log_load_data.txt" >&2; exit 1; }
mkdir -p "$fixture/inputs"
cp "$run/mintpy/inputs/"{ifgramStack,geometryRadar}.h5 "$fixture/inputs/"
template > "$fixture/Sim.txt"
cat > "$fixture/README.md" <<README
# MintPy 1.6.4 load_data on a simulated ISCE2 stripmapStack

- \`stack/\`: \`sbas simulate --processor isce-stripmap --rows $rows --cols $cols --dates $dates --neighbors $neighbors --seed $seed\`
  (truth removed), as written, before MintPy's prep_isce adds its \`.rsc\` files.
  \`merged/SLC/*/referenceShelve/data.{dat,dir,bak}\` are placeholders for ISCE2's shelve (a
  pickled Frame only ISCE2 can read); \`data.rsc\` beside it, newer, is the file prep_isce
  writes from it and re-reads instead of the shelve (\`ut.run_or_skip\` in
  \`isce_utils.extract_isce_metadata\`). Git does not keep modification times: a checkout may
  make the shelve newer than \`data.rsc\`; sbas never opens the shelve, MintPy re-run on the
  checkout would (\`touch data.rsc\` first).
- \`inputs/\`: what \`smallbaselineApp.py Sim.txt --dostep load_data\` (MintPy $mintpy_version) made
  of a copy of \`stack/\`, with the template \`Sim.txt\` (run from \`stack/mintpy/\`).

Remade by \`scripts/make-mintpy-stripmap-fixture.sh\`.
README
du -sh "$fixture"
