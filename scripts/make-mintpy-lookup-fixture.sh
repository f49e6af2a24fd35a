#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_lookup/: what MintPy 1.6.4 makes of the ROI_PAC and GAMMA
# lookup tables (geomap*.trans, *.UTM_TO_RDC) of the stacks in tests/fixtures/mintpy_{roipac,gamma}
# (made by scripts/make-mintpy-rawfmt-fixture.sh):
#   - PROC/geo_height_{nearest,linear}.h5: geocode.py of that fixture's inputs/geometryRadar.h5
#     through its inputs/geometryGeo.h5 (nearest: pyresample; linear: --software scipy);
#   - PROC/refs.txt: reference_point.py --lat/--lon --lookup, "lat lon REF_Y REF_X" per line;
#   - PROC/subsets.txt: load_data with mintpy.subset.lalo, "S N W E x0 y0 x1 y1" per line
#     (MintPy's "box to read for datasets in y/x").
# Needs a Python with MintPy 1.6.4 (default /work/venv; override with MINTPY_VENV=...).
# CI never runs this: it only reads the committed fixtures.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
[ -x "$venv/bin/geocode.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
out="$repo/tests/fixtures/mintpy_lookup"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
points=("34.052 -118.347" "34.0535 -118.3458" "34.0508 -118.3482")
boxes=("34.051 34.054 -118.349 -118.346" "34.050 34.0545 -118.3505 -118.345")

for proc in roipac gamma; do
    src="$repo/tests/fixtures/mintpy_$proc"
    dst="$out/$proc"
    rm -rf "$dst"
    mkdir -p "$dst"
    for m in nearest linear; do
        extra=()
        [ "$m" = linear ] && extra=(--software scipy)
        "$venv/bin/geocode.py" "$src/inputs/geometryRadar.h5" -l "$src/inputs/geometryGeo.h5" \
            -i "$m" "${extra[@]}" --outdir "$work/$proc-$m" > "$work/log-$proc-$m.txt" 2>&1
        "$venv/bin/python" - "$work/$proc-$m/geo_geometryRadar.h5" "$dst/geo_height_$m.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], 'r') as f, h5py.File(sys.argv[2], 'w') as g:
    g.create_dataset('height', data=f['height'][()])
    for k, v in f.attrs.items():
        g.attrs[k] = v
PY
    done
    : > "$dst/refs.txt"
    for p in "${points[@]}"; do
        set -- $p
        cp "$src/inputs/ifgramStack.h5" "$work/ifg.h5"
        "$venv/bin/reference_point.py" "$work/ifg.h5" --lat "$1" --lon "$2" \
            --lookup "$src/inputs/geometryGeo.h5" > "$work/log-ref.txt" 2>&1
        "$venv/bin/python" -c "import h5py; a = h5py.File('$work/ifg.h5', 'r').attrs; print('$1 $2', a['REF_Y'], a['REF_X'])" >> "$dst/refs.txt"
    done
    : > "$dst/subsets.txt"
    for b in "${boxes[@]}"; do
        set -- $b
        run="$work/$proc-load"
        rm -rf "$run"
        mkdir -p "$run/mintpy"
        cp -a "$src/stack/." "$run/"
        { cat "$src/Sim.txt"; echo "mintpy.subset.lalo = $1:$2,$3:$4"; } > "$run/mintpy/Sim.txt"
        # load_data may stop later on the lookup table's own box; the radar box is printed first.
        (cd "$run/mintpy" && "$venv/bin/smallbaselineApp.py" Sim.txt --dostep load_data > log.txt 2>&1) || true
        box=$(grep "box to read for datasets in y/x" "$run/mintpy/log.txt" | head -1 | sed 's/.*(\(.*\)).*/\1/' | tr -d ',')
        [ -n "$box" ] || { echo "no box in $run/mintpy/log.txt" >&2; exit 1; }
        echo "$1 $2 $3 $4 $box" >> "$dst/subsets.txt"
    done
    # Multilooked at load (2 x 3 looks): MintPy's geometryGeo.h5 (table sampled, values divided
    # by the looks), its multilooked geometryRadar.h5, and geocode.py (scipy linear) of that
    # geometry through that table.
    run="$work/$proc-ml"
    rm -rf "$run"
    mkdir -p "$run/mintpy" "$dst/ml2x3"
    cp -a "$src/stack/." "$run/"
    { cat "$src/Sim.txt"; echo "mintpy.multilook.ystep = 2"; echo "mintpy.multilook.xstep = 3"; } \
        > "$run/mintpy/Sim.txt"
    (cd "$run/mintpy" && "$venv/bin/smallbaselineApp.py" Sim.txt --dostep load_data > log.txt 2>&1)
    cp "$run/mintpy/inputs/geometryGeo.h5" "$run/mintpy/inputs/geometryRadar.h5" "$dst/ml2x3/"
    "$venv/bin/geocode.py" "$dst/ml2x3/geometryRadar.h5" -l "$dst/ml2x3/geometryGeo.h5" -i linear \
        --software scipy --outdir "$work/$proc-ml-geo" > "$work/log-$proc-ml-geo.txt" 2>&1
    "$venv/bin/python" - "$work/$proc-ml-geo/geo_geometryRadar.h5" "$dst/ml2x3/geo_height_linear.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], 'r') as f, h5py.File(sys.argv[2], 'w') as g:
    g.create_dataset('height', data=f['height'][()])
    for k, v in f.attrs.items():
        g.attrs[k] = v
PY
done
cat > "$out/README.md" <<README
# MintPy 1.6.4 through ROI_PAC / GAMMA map-to-radar lookup tables

Made by \`scripts/make-mintpy-lookup-fixture.sh\` from \`tests/fixtures/mintpy_roipac\` and
\`tests/fixtures/mintpy_gamma\` (their \`inputs/\` are MintPy's own load_data output):
\`geo_height_{nearest,linear}.h5\` (geocode.py of geometryRadar.h5's height, pyresample nearest
and scipy linear), \`refs.txt\` (reference_point.py --lat/--lon: lat lon REF_Y REF_X) and
\`subsets.txt\` (load_data's box for mintpy.subset.lalo: S N W E x0 y0 x1 y1);
\`ml2x3/\`: load_data with mintpy.multilook.ystep/xstep = 2/3 (\`geometryGeo.h5\`,
\`geometryRadar.h5\`) and geocode.py (scipy linear) of that geometry through that table.
README
echo "wrote $out"
