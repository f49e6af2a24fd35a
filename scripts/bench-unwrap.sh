#!/usr/bin/env bash
# Speed of the unwrapping-error corrections and the quick overview, side by side: MintPy 1.6.4's
# unwrap_error_bridging.py and unwrap_error_phase_closure.py (what its correct_unwrap_error step
# runs) and its quick_overview step against `sbas correct unwrap --method bridging|phase_closure`
# and `sbas overview` on one simulated stack. Default: the
# 1000 x 1000, 51-date, 147-interferogram stack of issue 16; ROWS, COLS, DATES to change it.
# Needs a release sbas (default target/release/sbas; override with SBAS=...) and MintPy 1.6.4
# (default /work/venv; MINTPY_VENV=...). Usage: scripts/bench-unwrap.sh [WORK_DIR]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
sbas="${SBAS:-$repo/target/release/sbas}"
rows="${ROWS:-1000}" cols="${COLS:-1000}" dates="${DATES:-51}"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
[ -x "$sbas" ] || { echo "no sbas at $sbas (cargo build --release, or set SBAS)" >&2; exit 1; }
# Only simulate and run MintPy (no sbas timing) with MINTPY_ONLY=1.
[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv" >&2; exit 1; }

secs() { local t0; t0=$(date +%s.%N); "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; echo "$(date +%s.%N) - $t0" | bc; }

s="$work/stack"
[ -d "$s/merged" ] || "$sbas" simulate "$s" --rows "$rows" --cols "$cols" --dates "$dates" \
    --neighbors 3 --seed 16 --unwrap-gaps > /dev/null
ref="$("$venv/bin/python" -c "import json; t = json.load(open('$s/truth/truth.json')); print('%d,%d' % tuple(t['reference_pixel']))")"
m="$s/mintpy"
mkdir -p "$m"
sed -e "s/^mintpy.reference.yx .*/mintpy.reference.yx        = $ref/" \
    -e "s/^mintpy.compute.maxMemory .*/mintpy.compute.maxMemory   = 4/" \
    "$repo/tests/fixtures/mintpy_unwrap/SimSenAT64.txt" > "$m/SimSenAT64.txt"
if [ ! -f "$m/maskConnComp.h5" ]; then
    for step in load_data modify_network reference_point; do
        (cd "$m" && "$venv/bin/smallbaselineApp.py" SimSenAT64.txt --dostep "$step" > "log_$step.txt" 2>&1)
    done
fi
cd "$m"
# MintPy's times are kept in the work folder: a second run with the same WORK_DIR (e.g. after a
# new sbas build) reuses them.
[ -f time_bridging.txt ] || secs "$venv/bin/unwrap_error_bridging.py" inputs/ifgramStack.h5 \
    --water-mask waterMask.h5 -o unwrapPhase_bridging_bench > time_bridging.txt
[ -f time_closure.txt ] || secs "$venv/bin/unwrap_error_phase_closure.py" inputs/ifgramStack.h5 \
    --cc-mask maskConnComp.h5 --water-mask waterMask.h5 -o unwrapPhase_phaseClosure_bench > time_closure.txt
# smallbaselineApp.py skips quick_overview when its outputs exist: remove them so it is timed.
[ -f time_overview.txt ] || { rm -f avgPhaseVelocity.h5 numTriNonzeroIntAmbiguity.h5
    secs "$venv/bin/smallbaselineApp.py" SimSenAT64.txt --dostep quick_overview > time_overview.txt; }
mb=$(cat time_bridging.txt) mp=$(cat time_closure.txt) mo=$(cat time_overview.txt)
[ -n "${MINTPY_ONLY:-}" ] && { echo "MintPy: bridging $mb s, phase closure $mp s, quick overview $mo s"; exit 0; }
sb=$(secs "$sbas" correct unwrap "$s" --out "$work/fix" --ref-yx "$ref" --method bridging -q)
sp=$(secs "$sbas" correct unwrap "$s" --out "$work/fix" --ref-yx "$ref" --method phase_closure -q)
so=$(secs "$sbas" overview "$s" --out "$work/overview" --ref-yx "$ref" -q)
pairs=$(ls -d "$s"/merged/interferograms/*/ | wc -l)
echo "stack: $rows x $cols, $dates dates, $pairs interferograms ($(nproc) cores)"
printf '| correction | MintPy 1.6.4 (s) | sbas (s) | speed-up |\n|---|---|---|---|\n'
printf '| bridging | %.1f | %.2f | %.0fx |\n' "$mb" "$sb" "$(echo "$mb / $sb" | bc -l)"
printf '| phase closure | %.1f | %.2f | %.0fx |\n' "$mp" "$sp" "$(echo "$mp / $sp" | bc -l)"
printf '| quick overview | %.1f | %.2f | %.0fx |\n' "$mo" "$so" "$(echo "$mo / $so" | bc -l)"
