#!/usr/bin/env bash
# Issue 16's table: time-series RMSE (mm) against the simulator's truth, inside the
# unwrapping-error patches and elsewhere, for sbas (L2, bridging, phase closure, both, L1) and
# its peers on the same simulated stacks: MintPy 1.6.4 (smallbaselineApp, unwrapError.method
# no / bridging / phase_closure), dolphin 0.42's L1 inversion and insar-rs 0.3's phase-closure
# correction (scripts/unwrap-peers.py). A column whose tool is missing or fails prints "–".
#
# Usage: scripts/unwrap-peers.sh [SBAS_BINARY]
#   MINTPY_VENV (default /work/venv): a venv with MintPy 1.6.4
#   PEERS_PY (default /tmp/l1-venv2/bin/python): a Python with dolphin==0.42.* and insar-rs
#     (python3 -m venv --system-site-packages DIR; DIR/bin/pip install 'dolphin==0.42.*'
#     insar-rs 'numpy<2': dolphin imports GDAL, which Debian builds against numpy 1)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sbas="${1:-$repo/target/debug/sbas}"
venv="${MINTPY_VENV:-/work/venv}"
peers_py="${PEERS_PY:-/tmp/l1-venv2/bin/python}"
py="$venv/bin/python"
here="$repo/scripts"
work="$(mktemp -d)"
if [ -n "${KEEP_WORK:-}" ]; then echo "work folder: $work" >&2; else trap 'rm -rf "$work"' EXIT; fi

stacks=(
    "--rows 120 --cols 150 --dates 24 --neighbors 3 --seed 16001"
    "--rows 200 --cols 250 --dates 30 --neighbors 3 --seed 1"
    "--rows 200 --cols 250 --dates 40 --neighbors 4 --seed 7"
    "--rows 150 --cols 200 --dates 30 --neighbors 2 --seed 5"
    "--rows 120 --cols 150 --dates 24 --neighbors 3 --seed 16002 --unwrap-gaps --unwrap-edge"
)
[ -n "${STACKS:-}" ] && IFS=';' read -r -a stacks <<< "$STACKS"

mintpy() { # STACK REF OUT: MintPy's raw inversion after each unwrapError method
    local s=$1 ref=$2 out=$3 m
    [ -x "$venv/bin/smallbaselineApp.py" ] || return 0
    mkdir -p "$s/mintpy"
    (
        cd "$s/mintpy"
        for m in no bridging phase_closure; do
            cat > sim.txt <<TEMPLATE
mintpy.load.processor      = isce
mintpy.load.metaFile       = ../reference/IW*.xml
mintpy.load.baselineDir    = ../baselines
mintpy.load.unwFile        = ../merged/interferograms/*/filt_fine.unw
mintpy.load.corFile        = ../merged/interferograms/*/filt_fine.cor
mintpy.load.connCompFile   = ../merged/interferograms/*/filt_fine.unw.conncomp
mintpy.load.demFile        = ../merged/geom_reference/hgt.rdr
mintpy.load.lookupYFile    = ../merged/geom_reference/lat.rdr
mintpy.load.lookupXFile    = ../merged/geom_reference/lon.rdr
mintpy.load.incAngleFile   = ../merged/geom_reference/los.rdr
mintpy.load.azAngleFile    = ../merged/geom_reference/los.rdr
mintpy.load.shadowMaskFile = ../merged/geom_reference/shadowMask.rdr
mintpy.load.waterMaskFile  = ../merged/geom_reference/waterMask.rdr
mintpy.compute.maxMemory   = 1
mintpy.reference.yx        = $ref
mintpy.unwrapError.method  = $m
mintpy.troposphericDelay.method = no
mintpy.plot                = no
TEMPLATE
            steps=(correct_unwrap_error invert_network)
            [ "$m" = no ] && steps=(load_data modify_network reference_point invert_network)
            for step in "${steps[@]}"; do
                "$venv/bin/smallbaselineApp.py" sim.txt --dostep "$step" >> "log_$m.txt" 2>&1 \
                    || { echo "MintPy $m $step failed (log $s/mintpy/log_$m.txt)" >&2; continue 2; }
            done
            mv timeseries.h5 "$out/mintpy_$m.h5"
        done
    )
}

"$py" "$here/unwrap-peers.py" header
for args in "${stacks[@]}"; do
    s="$work/stack"
    rm -rf "$s" "$work"/sbas_* "$work"/mintpy_* "$work/peers" "$work/fix"*
    # shellcheck disable=SC2086
    "$sbas" simulate "$s" $args > /dev/null
    ref="$("$py" -c "import json; t = json.load(open('$s/truth/truth.json')); print('%d,%d' % tuple(t['reference_pixel']))")"
    inv() { "$sbas" invert "$s" --ref-yx "$ref" --format hdf5 -q "$@"; }
    inv --out "$work/sbas_l2"
    inv --out "$work/sbas_l1" --norm l1
    for m in bridging phase_closure bridging+phase_closure; do
        d="$work/fix_$m"
        if "$sbas" correct unwrap "$s" --method "$m" --out "$d" --ref-yx "$ref" -q 2> /dev/null; then
            name=$(case $m in bridging) echo br;; phase_closure) echo pc;; *) echo both;; esac)
            inv --out "$work/sbas_$name" --unwrap-fix "$(ls "$d"/*.json | head -1)"
        fi
    done
    mintpy "$s" "$ref" "$work"
    [ -x "$peers_py" ] && "$peers_py" "$here/unwrap-peers.py" peers "$s" "$ref" "$work/peers" 2> "$work/peers.log" \
        || cat "$work/peers.log" >&2
    "$py" "$here/unwrap-peers.py" row "$s" "$ref" "$work" "$args"
done
echo
echo "(mm: RMS over dates and pixels of the time series minus the truth, both relative to the"
echo "reference pixel; pixels with water or any missing interferogram left out of every column)"
