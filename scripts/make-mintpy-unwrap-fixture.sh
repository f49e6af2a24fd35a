#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_unwrap/: MintPy 1.6.4's bridging (correct_unwrap_error with
# mintpy.unwrapError.method = bridging, and unwrap_error_bridging.py --ramp linear) on a stack
# simulated by sbas with unwrapping errors, stored as integer cycles per (interferogram, pixel).
# The stack itself is not committed: `sbas simulate` remakes it bit for bit from the seed
# (tests/unwrap_mintpy.rs does).
#
# Also rebuilds tests/fixtures/mintpy_unwrap_closure/: MintPy's phase closure
# (unwrap_error_phase_closure.py, and bridging then phase closure) run CLOSURE_RUNS times
# (default 5: MintPy samples its pixels at random) on a second simulated stack whose error
# patches are bordered by unlabelled pixels (`--unwrap-gaps`) and whose first error is on the
# first interferogram (`--unwrap-edge`).
#
# Needs a built sbas (default target/debug/sbas; override with SBAS=...) and a Python with
# MintPy 1.6.4 (default /work/venv; override with MINTPY_VENV=...). CI never runs this.
# PART=bridging or PART=closure rebuilds only that fixture.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
sbas="${SBAS:-$repo/target/debug/sbas}"
fixture="$repo/tests/fixtures/mintpy_unwrap"
sim_args=(--rows 120 --cols 150 --dates 24 --neighbors 3 --seed 16001)

[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
[ -x "$sbas" ] || { echo "no sbas at $sbas (cargo build --bin sbas, or set SBAS)" >&2; exit 1; }
mintpy_version="$("$venv/bin/python" -c 'import mintpy; print(mintpy.__version__)')"
[ "$mintpy_version" = "1.6.4" ] || echo "warning: MintPy $mintpy_version, the fixture is meant for 1.6.4" >&2

work="$(mktemp -d)"
if [ -n "${KEEP_WORK:-}" ]; then echo "work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi
part="${PART:-all}"
if [ "$part" != closure ]; then
"$sbas" simulate "$work" "${sim_args[@]}" > /dev/null
ref="$("$venv/bin/python" -c "import json; t = json.load(open('$work/truth/truth.json')); print('%d,%d' % tuple(t['reference_pixel']))")"
mkdir -p "$work/mintpy"
cat > "$work/mintpy/SimSenAT64.txt" <<TEMPLATE
## MintPy 1.6.4 template for the sbas mintpy_unwrap fixture
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
mintpy.compute.maxMemory   = 0.2
mintpy.reference.yx        = $ref
mintpy.unwrapError.method  = bridging
mintpy.troposphericDelay.method = no
mintpy.plot                = no
TEMPLATE
(
    cd "$work/mintpy"
    for step in load_data modify_network reference_point correct_unwrap_error; do
        start=$(date +%s.%N)
        "$venv/bin/smallbaselineApp.py" SimSenAT64.txt --dostep "$step" > "log_$step.txt" 2>&1 \
            || { echo "MintPy step $step failed:" >&2; tail -30 "log_$step.txt" >&2; exit 1; }
        end=$(date +%s.%N)
        echo "$step: $(printf '%.1f' "$(echo "$end - $start" | bc)") s"
    done
    start=$(date +%s.%N)
    "$venv/bin/unwrap_error_bridging.py" inputs/ifgramStack.h5 --water-mask waterMask.h5 \
        --ramp linear -o unwrapPhase_bridging_linear > log_bridging_linear.txt 2>&1 \
        || { echo "unwrap_error_bridging.py --ramp linear failed:" >&2; tail -30 log_bridging_linear.txt >&2; exit 1; }
    end=$(date +%s.%N)
    echo "unwrap_error_bridging.py --ramp linear: $(printf '%.1f' "$(echo "$end - $start" | bc)") s"
) | tee "$work/timing.txt"

rm -rf "$fixture"
mkdir -p "$fixture"
# Integer cycles MintPy added: its output is the input referenced (zero kept as no data) plus
# 2 pi k, with the ramp added back when one was removed.
"$venv/bin/python" - "$work/mintpy/inputs/ifgramStack.h5" "$fixture/cycles.h5" <<'PY'
import sys
import h5py
import numpy as np

src, dst = sys.argv[1:]
with h5py.File(src, 'r') as f, h5py.File(dst, 'w') as o:
    ry, rx = int(f.attrs['REF_Y']), int(f.attrs['REF_X'])
    unw = f['unwrapPhase'][:]
    ref = unw - unw[:, ry:ry+1, rx:rx+1]
    ref[unw == 0] = 0
    for name in ['unwrapPhase_bridging', 'unwrapPhase_bridging_linear']:
        k = (f[name][:] - ref) / (2 * np.pi)
        kr = np.round(k)
        if name == 'unwrapPhase_bridging':
            off = np.nanmax(np.abs(k - kr))
            assert off < 1e-3, f'{name}: not whole cycles ({off})'
        kr[~np.isfinite(kr)] = 0
        o.create_dataset(name, data=kr.astype(np.int8), compression='gzip', compression_opts=9)
        print(name, 'corrected samples:', int((kr != 0).sum()), 'interferograms:', int((kr != 0).any(axis=(1, 2)).sum()))
    o['date'] = f['date'][:]
    o.attrs['REF_Y'] = ry
    o.attrs['REF_X'] = rx
PY
cp "$work/mintpy/SimSenAT64.txt" "$fixture/"

cat > "$fixture/README.md" <<README
# mintpy_unwrap: MintPy $mintpy_version's bridging on a simulated stack with unwrapping errors

Made by \`scripts/make-mintpy-unwrap-fixture.sh\` (do not edit by hand; re-run the script).
The stack is \`sbas simulate STACK ${sim_args[*]}\` (all default effects: water body, missing-data
patches and 2 pi unwrapping-error patches labelled as their own connected component; not
committed, the seed remakes it). MintPy ran \`smallbaselineApp.py SimSenAT64.txt --dostep S\`
for S = load_data, modify_network, reference_point (y,x = $ref), correct_unwrap_error
(\`mintpy.unwrapError.method = bridging\`, other keys default), then
\`unwrap_error_bridging.py inputs/ifgramStack.h5 --water-mask waterMask.h5 --ramp linear
-o unwrapPhase_bridging_linear\`.

- \`cycles.h5\`: \`unwrapPhase_bridging\`, \`unwrapPhase_bridging_linear\` (int8, interferogram x
  row x column): the integer cycles k MintPy added (its output minus the referenced input,
  over 2 pi); \`date\` (MintPy's pair dates), attributes \`REF_Y\`, \`REF_X\`.
- \`SimSenAT64.txt\`: the template.

Step times on the machine that made it (2 shared cores):
$(sed 's/^/- /' "$work/timing.txt")
README
du -sh "$fixture"
fi

[ "$part" = bridging ] && exit 0
cfixture="$repo/tests/fixtures/mintpy_unwrap_closure"
csim=(--rows 120 --cols 150 --dates 24 --neighbors 3 --seed 16002 --unwrap-gaps --unwrap-edge)
runs="${CLOSURE_RUNS:-5}"
cw="$work/closure"
"$sbas" simulate "$cw" "${csim[@]}" > /dev/null
cref="$("$venv/bin/python" -c "import json; t = json.load(open('$cw/truth/truth.json')); print('%d,%d' % tuple(t['reference_pixel']))")"
mkdir -p "$cw/mintpy"
sed -e "s/^mintpy.reference.yx .*/mintpy.reference.yx        = $cref/" \
    -e "s/^mintpy.unwrapError.method .*/mintpy.unwrapError.method  = phase_closure/" \
    -e "s/mintpy_unwrap fixture/mintpy_unwrap_closure fixture/" \
    "$repo/tests/fixtures/mintpy_unwrap/SimSenAT64.txt" > "$cw/mintpy/SimSenAT64.txt"
(
    cd "$cw/mintpy"
    for step in load_data modify_network reference_point; do
        "$venv/bin/smallbaselineApp.py" SimSenAT64.txt --dostep "$step" > "log_$step.txt" 2>&1 \
            || { echo "MintPy step $step failed:" >&2; tail -30 "log_$step.txt" >&2; exit 1; }
    done
    closure() { # input dataset, output dataset
        "$venv/bin/unwrap_error_phase_closure.py" inputs/ifgramStack.h5 --cc-mask maskConnComp.h5 \
            --water-mask waterMask.h5 -i "$1" -o "$2" > "log_$2.txt" 2>&1 \
            || { echo "unwrap_error_phase_closure.py -o $2 failed:" >&2; tail -30 "log_$2.txt" >&2; exit 1; }
    }
    for k in $(seq 1 "$runs"); do
        start=$(date +%s.%N)
        closure unwrapPhase "unwrapPhase_phaseClosure_$k"
        end=$(date +%s.%N)
        echo "unwrap_error_phase_closure.py (run $k): $(printf '%.1f' "$(echo "$end - $start" | bc)") s"
    done
    "$venv/bin/unwrap_error_bridging.py" inputs/ifgramStack.h5 --water-mask waterMask.h5 \
        -o unwrapPhase_bridging > log_bridging.txt 2>&1 \
        || { echo "unwrap_error_bridging.py failed:" >&2; tail -30 log_bridging.txt >&2; exit 1; }
    for k in $(seq 1 "$runs"); do
        closure unwrapPhase_bridging "unwrapPhase_bridging_phaseClosure_$k"
    done
) | tee "$cw/timing.txt"
rm -rf "$cfixture"
mkdir -p "$cfixture"
# Integer cycles MintPy added, per run: phase closure writes its input minus its value at the
# reference pixel (every pixel) plus 2 pi k; bridging writes the input referenced with zero
# kept as no data. A half cycle (an even sample count split evenly) is kept as k + 0.5 -> 2k
# in the int8 datasets named *_x2.
"$venv/bin/python" - "$cw/mintpy/inputs/ifgramStack.h5" "$cfixture/cycles.h5" "$runs" <<'PY'
import sys
import h5py
import numpy as np

src, dst, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
with h5py.File(src, 'r') as f, h5py.File(dst, 'w') as o:
    ry, rx = int(f.attrs['REF_Y']), int(f.attrs['REF_X'])
    unw = f['unwrapPhase'][:]
    every = unw - unw[:, ry:ry+1, rx:rx+1]
    kept = every.copy()
    kept[unw == 0] = 0
    for name, base in [('unwrapPhase_phaseClosure', every), ('unwrapPhase_bridging_phaseClosure', kept)]:
        out = np.zeros((runs,) + unw.shape, np.int8)
        for r in range(runs):
            k = (f[f'{name}_{r + 1}'][:] - base) / np.pi
            k2 = np.round(k)
            k2[~np.isfinite(k2)] = 0
            off = np.nanmax(np.abs(k - k2))
            assert off < 1e-3, f'{name} run {r + 1}: not half cycles ({off})'
            out[r] = k2.astype(np.int8)
            print(name, 'run', r + 1, 'corrected samples:', int((k2 != 0).sum()),
                  'half cycles:', int((k2 % 2 != 0).sum()))
        o.create_dataset(name + '_x2', data=out, compression='gzip', compression_opts=9)
    o['date'] = f['date'][:]
    o.attrs['REF_Y'] = ry
    o.attrs['REF_X'] = rx
PY
cp "$cw/mintpy/SimSenAT64.txt" "$cfixture/"
cat > "$cfixture/README.md" <<README
# mintpy_unwrap_closure: MintPy $mintpy_version's phase closure on a simulated stack

Made by \`PART=closure scripts/make-mintpy-unwrap-fixture.sh\` (do not edit by hand).
The stack is \`sbas simulate STACK ${csim[*]}\` (not committed, the seed remakes it):
unwrapping-error patches bordered by one pixel of conncomp 0 (so each patch is a common region
of MintPy's \`maskConnComp.h5\`), the first error on the first interferogram. MintPy ran
\`smallbaselineApp.py SimSenAT64.txt --dostep S\` for S = load_data, modify_network,
reference_point (y,x = $cref), then $runs times \`unwrap_error_phase_closure.py
inputs/ifgramStack.h5 --cc-mask maskConnComp.h5 --water-mask waterMask.h5\` (other options
default: 100 random samples per region, connCompMinArea 2500), and \`unwrap_error_bridging.py
--water-mask waterMask.h5\` followed $runs times by the phase closure of
\`unwrapPhase_bridging\`.

- \`cycles.h5\`: \`unwrapPhase_phaseClosure_x2\`, \`unwrapPhase_bridging_phaseClosure_x2\` (int8,
  run x interferogram x row x column): twice the cycles MintPy added in each run (a median of
  an even number of samples can be half a cycle); \`date\`, attributes \`REF_Y\`, \`REF_X\`.
- \`SimSenAT64.txt\`: the template.

Times on the machine that made it (2 shared cores):
$(sed 's/^/- /' "$cw/timing.txt")
README
du -sh "$cfixture"
