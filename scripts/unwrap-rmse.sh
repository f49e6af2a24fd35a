#!/usr/bin/env bash
# Time-series RMSE against the simulator's truth, inside the unwrapping-error patches and
# elsewhere, for L2, bridging, phase closure and both (sbas correct unwrap + invert --unwrap-fix)
# and L1, on simulated
# stacks: the table of README "Unwrapping-error correction". Needs python3 with numpy and h5py
# (default /work/venv/bin/python; override with PYTHON=...).
# Usage: scripts/unwrap-rmse.sh [SBAS_BINARY]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sbas="${1:-$repo/target/debug/sbas}"
py="${PYTHON:-/work/venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

stacks=(
    "--rows 120 --cols 150 --dates 24 --neighbors 3 --seed 16001"
    "--rows 200 --cols 250 --dates 30 --neighbors 3 --seed 1"
    "--rows 200 --cols 250 --dates 40 --neighbors 4 --seed 7"
    "--rows 120 --cols 150 --dates 24 --neighbors 3 --seed 16002 --unwrap-gaps --unwrap-edge"
    "--rows 200 --cols 250 --dates 30 --neighbors 3 --seed 1 --unwrap-gaps"
    "--rows 200 --cols 250 --dates 30 --neighbors 2 --seed 3 --unwrap-gaps --unwrap-edge"
    "--rows 200 --cols 250 --dates 40 --neighbors 4 --seed 7 --unwrap-gaps --unwrap-edge"
)
printf '| stack | patch pixels | patches: L2 | bridging | phase closure | both | L1 | elsewhere: L2 | bridging | phase closure | both | L1 |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for args in "${stacks[@]}"; do
    s="$work/stack"
    rm -rf "$s" "$work"/run_* "$work/fix"
    # shellcheck disable=SC2086
    "$sbas" simulate "$s" $args > /dev/null
    ref="$("$py" -c "import json; t = json.load(open('$s/truth/truth.json')); print('%d,%d' % tuple(t['reference_pixel']))")"
    for m in bridging phase_closure bridging+phase_closure; do
        "$sbas" correct unwrap "$s" --out "$work/fix" --ref-yx "$ref" --method "$m" -q
    done
    fix="$work/fix/unwrapPhase_bridging.json"
    "$sbas" invert "$s" --out "$work/run_l2" --ref-yx "$ref" --format hdf5 -q
    "$sbas" invert "$s" --out "$work/run_br" --ref-yx "$ref" --format hdf5 --unwrap-fix "$fix" -q
    "$sbas" invert "$s" --out "$work/run_pc" --ref-yx "$ref" --format hdf5 -q \
        --unwrap-fix "$work/fix/unwrapPhase_phaseClosure.json"
    "$sbas" invert "$s" --out "$work/run_bpc" --ref-yx "$ref" --format hdf5 -q \
        --unwrap-fix "$work/fix/unwrapPhase_bridging_phaseClosure.json"
    "$sbas" invert "$s" --out "$work/run_l1" --ref-yx "$ref" --format hdf5 --norm l1 -q
    "$py" - "$s" "$work" "$fix" "$ref" "$args" <<'PY'
import json, sys
import h5py
import numpy as np
s, work, fix, ref, args = sys.argv[1:]
ry, rx = map(int, ref.split(','))
t = json.load(open(f'{s}/truth/truth.json'))
n, L, W = len(t['dates']), t['rows'], t['cols']
truth = np.fromfile(f'{s}/truth/timeseries.f32', dtype='<f4').reshape(n, L, W)
truth = truth - truth[:, ry:ry+1, rx:rx+1]
# The patches: pixels the simulator put an unwrapping error on (conncomp 2 in some pair, and
# the unlabelled border --unwrap-gaps leaves around it: a 3 x 3 dilation of the label).
patch = np.zeros((L, W), bool)
import glob
for f in glob.glob(f'{s}/merged/interferograms/*/filt_fine.unw.conncomp'):
    patch |= np.fromfile(f, dtype=np.uint8).reshape(L, W) == 2
if '--unwrap-gaps' in args:
    grown = patch.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            grown |= np.roll(np.roll(patch, dy, 0), dx, 1)
    patch = grown
def rmse(name, sel):
    ts = h5py.File(f'{work}/run_{name}/timeseries.h5', 'r')['timeseries'][:]
    d = (ts - truth)[:, sel]
    d = d[np.isfinite(d)]
    return 1e3 * np.sqrt(np.mean(d ** 2))
ms = ('l2', 'br', 'pc', 'bpc', 'l1')
cells = [f'{rmse(m, patch):.2f}' for m in ms] + [f'{rmse(m, ~patch):.2f}' for m in ms]
print(f'| `{args}` | {patch.sum()} px | ' + ' | '.join(cells) + ' |')
PY
done
echo "(mm, RMS over dates and pixels of the time series minus the truth, both relative to the reference pixel)"
