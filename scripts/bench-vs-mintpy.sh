#!/usr/bin/env bash
# sbas invert against MintPy 1.6.4's invert_network on the same simulated stack (issue 3):
# 1000 x 1000 pixels, 40 dates, 150 interferograms, weightFunc var and no, warm cache.
#
#   scripts/bench-vs-mintpy.sh [WORK_DIR]        (default WORK_DIR: /tmp/sbas-bench)
#
# Environment:
#   MINTPY_VENV=DIR   a Python venv with MintPy 1.6.4 (default WORK_DIR/venv, created with pip if
#                     missing)
#   SBAS=PATH         the sbas binary (default: `cargo build --release` of this checkout)
#   ROWS, COLS, DATES, NEIGHBORS   stack shape (default 1000, 1000, 40, 4)
#   REPEAT=N          sbas runs per weight; the fastest counts (default 3)
#   FORCE_MINTPY=1    re-run MintPy even when WORK_DIR holds its timings from an earlier run
#
# Prints a markdown table: wall time, pixels/s, peak RSS, speed-up vs MintPy, ratio to `cat`.
# Then checks that sbas and MintPy agree: max |d timeseries| and |d temporalCoherence| over the
# pixels both invert.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mkdir -p "${1:-/tmp/sbas-bench}" && cd "${1:-/tmp/sbas-bench}" && pwd)"
rows=${ROWS:-1000} cols=${COLS:-1000} dates=${DATES:-40} neighbors=${NEIGHBORS:-4}
repeat=${REPEAT:-3}
ref_y=$((rows / 2)) ref_x=$((cols / 2))
venv="${MINTPY_VENV:-$work/venv}"
stack="$work/stack"
log() { echo "[bench] $*" >&2; }

# --- tools -----------------------------------------------------------------------------------
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }
if [ ! -x "$venv/bin/smallbaselineApp.py" ]; then
    log "creating a MintPy 1.6.4 venv in $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet mintpy==1.6.4 h5py zarr
fi
"$venv/bin/python" -c 'import mintpy, h5py, zarr' \
    || { echo "$venv lacks mintpy, h5py or zarr" >&2; exit 1; }
if [ -z "${SBAS:-}" ]; then
    (cd "$repo" && cargo build --release --quiet)
    SBAS="${CARGO_TARGET_DIR:-$repo/target}/release/sbas"
fi

# Runs "$@" under GNU time; prints "wall_seconds peak_rss_kib cpu_seconds" (CPU = user + system).
timed() {
    local tfile start end
    tfile="$(mktemp)"
    start=$(date +%s.%N)
    /usr/bin/time -v -o "$tfile" "$@" >&2
    end=$(date +%s.%N)
    local rss cpu
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tfile")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$tfile")
    rm -f "$tfile"
    echo "$(echo "$end - $start" | bc) $rss $cpu"
}

# --- the stack ------------------------------------------------------------------------------
shape="$rows x $cols, $dates dates, $neighbors neighbours"
if [ "$(cat "$stack/.shape" 2>/dev/null)" != "$shape" ]; then
    log "simulating $shape into $stack"
    rm -rf "$stack"
    "$SBAS" simulate "$stack" --rows "$rows" --cols "$cols" --dates "$dates" --neighbors "$neighbors"
    echo "$shape" > "$stack/.shape"
    rm -rf "$work"/mintpy_*
fi
num_ifg=$(find "$stack/merged/interferograms" -name filt_fine.unw | wc -l)
inputs=("$stack"/merged/interferograms/*/filt_fine.unw "$stack"/merged/interferograms/*/filt_fine.cor
        "$stack"/merged/geom_reference/waterMask.rdr "$stack"/merged/geom_reference/shadowMask.rdr)
input_bytes=$(du -cb "${inputs[@]}" | tail -1 | cut -f1)

# --- MintPy ---------------------------------------------------------------------------------
write_template() { # $1 = weight function, $2 = output file
    cat > "$2" <<TEMPLATE
mintpy.load.processor      = isce
mintpy.load.metaFile       = ../stack/reference/IW*.xml
mintpy.load.baselineDir    = ../stack/baselines
mintpy.load.unwFile        = ../stack/merged/interferograms/*/filt_fine.unw
mintpy.load.corFile        = ../stack/merged/interferograms/*/filt_fine.cor
mintpy.load.connCompFile   = ../stack/merged/interferograms/*/filt_fine.unw.conncomp
mintpy.load.demFile        = ../stack/merged/geom_reference/hgt.rdr
mintpy.load.lookupYFile    = ../stack/merged/geom_reference/lat.rdr
mintpy.load.lookupXFile    = ../stack/merged/geom_reference/lon.rdr
mintpy.load.incAngleFile   = ../stack/merged/geom_reference/los.rdr
mintpy.load.azAngleFile    = ../stack/merged/geom_reference/los.rdr
mintpy.load.shadowMaskFile = ../stack/merged/geom_reference/shadowMask.rdr
mintpy.load.waterMaskFile  = ../stack/merged/geom_reference/waterMask.rdr
mintpy.reference.yx        = $ref_y,$ref_x
mintpy.troposphericDelay.method    = no
mintpy.networkInversion.weightFunc = $1
mintpy.plot                = no
TEMPLATE
}

mintpy_app() { # $1 = work folder, $2 = step
    (cd "$1" && "$venv/bin/smallbaselineApp.py" bench.txt --dostep "$2" > "log_$2.txt" 2>&1) \
        || { echo "MintPy step $2 failed in $1:" >&2; tail -30 "$1/log_$2.txt" >&2; exit 1; }
}

# prep_isce writes .rsc files next to the rasters: MintPy reads a symlinked copy of the tree so
# that sbas never sees them.
mintpy_stack="$work/mintpy_stack"
if [ ! -d "$mintpy_stack" ]; then
    cp -as "$stack" "$mintpy_stack"
fi
for weight in var no; do
    dir="$work/mintpy_$weight"
    if [ -f "$dir/time_invert_network" ] && [ -z "${FORCE_MINTPY:-}" ]; then
        log "MintPy $weight: reusing $(cat "$dir/time_invert_network") (FORCE_MINTPY=1 re-runs)"
        continue
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    write_template "$weight" "$dir/bench.txt"
    sed -i "s#\.\./stack/#../mintpy_stack/#" "$dir/bench.txt"
    if [ -f "$work/mintpy_var/inputs/ifgramStack.h5" ] && [ "$weight" != var ]; then
        cp -a "$work/mintpy_var/inputs" "$dir/"
    else
        log "MintPy $weight: load_data, modify_network, reference_point (not timed)"
        for step in load_data modify_network reference_point; do mintpy_app "$dir" "$step"; done
    fi
    cat "$dir/inputs/ifgramStack.h5" > /dev/null
    log "MintPy $weight: invert_network (timed)"
    timed sh -c 'cd "$1" && "$2" bench.txt --dostep invert_network > log_invert_network.txt 2>&1' \
        _ "$dir" "$venv/bin/smallbaselineApp.py" > "$dir/time_invert_network.tmp"
    mv "$dir/time_invert_network.tmp" "$dir/time_invert_network"
done

# --- cat and sbas (warm cache) ----------------------------------------------------------------
cat "${inputs[@]}" > /dev/null
best() { sort -n | head -1; }
cat_time=$(for _ in $(seq "$repeat"); do timed sh -c 'cat "$@" > /dev/null' _ "${inputs[@]}"; done | best)
declare -A sbas_time
for weight in var no; do
    out="$work/sbas_$weight"
    sbas_time[$weight]=$(for _ in $(seq "$repeat"); do
        rm -rf "$out"
        timed "$SBAS" invert "$stack" --out "$out" --weight "$weight" --ref-yx "$ref_y,$ref_x" --quiet
    done | best)
    log "sbas $weight: ${sbas_time[$weight]}"
done

# --- the table --------------------------------------------------------------------------------
px=$((rows * cols))
read -r cat_s cat_rss cat_cpu <<< "$cat_time"
row() { # name seconds rss_kib cpu_seconds [mintpy_seconds]
    awk -v n="$1" -v s="$2" -v r="$3" -v u="${4:-}" -v m="${5:-}" -v px="$px" -v c="$cat_s" 'BEGIN {
        ratio = (m == "") ? "" : sprintf("%.0fx", m / s)
        cpu = (u == "") ? "" : sprintf("%.2f", u)
        printf "| %s | %.2f | %s | %.0f | %.0f | %s | %.2f |\n", n, s, cpu, px / s, r / 1024, ratio, s / c }'
}
cpu="$(lscpu | awk -F': *' '/Model name/ {print $2; exit}')"
echo
echo "Stack: $rows x $cols pixels, $dates dates, $num_ifg interferograms ($((input_bytes / 1048576)) MiB of"
echo "unw + cor + masks); $(nproc) cores ($cpu); warm cache; sbas best of $repeat runs."
echo
echo "| run | wall s | CPU s | pixels/s | peak RSS MiB | speed-up vs MintPy | wall / cat |"
echo "|---|---|---|---|---|---|---|"
row "cat of the inputs" "$cat_s" "$cat_rss" "$cat_cpu"
for weight in var no; do
    read -r ms mr mc < "$work/mintpy_$weight/time_invert_network"
    read -r ss sr sc <<< "${sbas_time[$weight]}"
    row "MintPy 1.6.4 invert_network, $weight" "$ms" "$mr" "${mc:-}"
    row "sbas invert --weight $weight" "$ss" "$sr" "$sc" "$ms"
done
echo

# --- agreement ------------------------------------------------------------------------------
for weight in var no; do
    "$venv/bin/python" - "$work/mintpy_$weight" "$work/sbas_$weight/sbas.zarr" "$weight" <<'PY'
import sys
import h5py
import numpy as np
import zarr

mintpy_dir, store, weight = sys.argv[1:]
with h5py.File(f"{mintpy_dir}/timeseries.h5", "r") as f:
    ts_m = f["timeseries"][:]
with h5py.File(f"{mintpy_dir}/temporalCoherence.h5", "r") as f:
    tc_m = f["temporalCoherence"][:]
with h5py.File(f"{mintpy_dir}/numInvIfgram.h5", "r") as f:
    ni_m = f["mask"][:]
z = zarr.open_group(store, mode="r")
ts_s = z["timeseries"][:]
tc_s = z["temporalCoherence"][:]
ni_s = z["numInvIfgram"][:]
both = (ni_m > 0) & (ni_s > 0) & (tc_m > 0) & (tc_s > 0)
dts = np.abs(ts_m - ts_s)[:, both].max() * 1000
dtc = np.abs(tc_m - tc_s)[both].max()
only = int(((ni_m > 0) != (ni_s > 0)).sum())
print(f"agreement ({weight}): {both.sum()} pixels inverted by both, max |d ts| = {dts:.3g} mm, "
      f"max |d tcoh| = {dtc:.3g}, pixels inverted by only one: {only}")
PY
done

# --- the whole chain: load_data .. velocity (issue 5) -------------------------------------------
# MintPy's smallbaselineApp.py step by step (each step timed), then `sbas run` with the same
# template (sbas reads the ISCE tree itself: its load_data is the reading inside invert_network).
chain="$work/mintpy_chain"
chain_steps="load_data modify_network reference_point quick_overview correct_unwrap_error
invert_network correct_LOD correct_SET correct_ionosphere correct_troposphere deramp
correct_topography residual_RMS reference_date velocity"
if [ -f "$chain/times.txt" ] && grep -q '^velocity ' "$chain/times.txt" && [ -z "${FORCE_MINTPY:-}" ]; then
    log "MintPy chain: reusing $chain/times.txt (FORCE_MINTPY=1 re-runs)"
else
    rm -rf "$chain"
    mkdir -p "$chain"
    write_template var "$chain/bench.txt"
    sed -i "s#\.\./stack/#../mintpy_stack/#" "$chain/bench.txt"
    for step in $chain_steps; do
        log "MintPy chain: $step"
        (cd "$chain" && /usr/bin/time -f "$step %e wall %U user %S sys %M KiB" -a -o times.txt \
            "$venv/bin/smallbaselineApp.py" bench.txt --dostep "$step" > "log_$step.txt" 2>&1) \
            || { echo "MintPy step $step failed in $chain:" >&2; tail -30 "$chain/log_$step.txt" >&2; exit 1; }
    done
fi
mintpy_chain_s=$(awk '{s += $2} END {printf "%.1f", s}' "$chain/times.txt")
mintpy_chain_cpu=$(awk '{s += $4 + $6} END {printf "%.1f", s}' "$chain/times.txt")
mintpy_chain_rss=$(awk '{if ($8 > m) m = $8} END {print m}' "$chain/times.txt")
sbas_chain="$work/sbas_chain"
write_template var "$work/sbas_chain.txt"
sbas_chain_time=$(for _ in $(seq "$repeat"); do
    rm -rf "$sbas_chain"
    mkdir -p "$sbas_chain"
    cp "$work/sbas_chain.txt" "$sbas_chain/bench.txt"
    timed sh -c 'cd "$1" && "$2" run bench.txt --end velocity --quiet' _ "$sbas_chain" "$SBAS"
done | best)
read -r sc_s sc_rss sc_cpu <<< "$sbas_chain_time"
echo
echo "Whole chain load_data .. velocity (template: weightFunc var, DEM error on, troposphere off):"
echo
echo "| run | wall s | CPU s | peak RSS MiB | speed-up |"
echo "|---|---|---|---|---|"
awk -v s="$mintpy_chain_s" -v c="$mintpy_chain_cpu" -v r="$mintpy_chain_rss" \
    'BEGIN { printf "| MintPy 1.6.4 smallbaselineApp.py, 15 steps | %.1f | %.1f | %.0f | |\n", s, c, r / 1024 }'
awk -v s="$sc_s" -v r="$sc_rss" -v u="$sc_cpu" -v m="$mintpy_chain_s" -v mc="$mintpy_chain_cpu" \
    'BEGIN { printf "| sbas run | %.2f | %.2f | %.0f | %.0fx (%.0fx in CPU time) |\n", s, u, r / 1024, m / s, mc / u }'
