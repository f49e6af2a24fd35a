#!/usr/bin/env bash
# `sbas run TEMPLATE --end velocity` against MintPy 1.6.4's `smallbaselineApp.py --end velocity`
# on simulated stacks of each processor: radar coordinates (ISCE2 stripmapStack, ROI_PAC, GAMMA)
# and map coordinates (ASF HyP3, ESA SNAP, ARIA-tools), each with MintPy's default paths of that processor. Prints, per processor, the largest
# |sbas - MintPy| of the final time series (mm) and of the velocity (mm/year) over the pixels both
# solved; fails if they exceed the tolerances (0.5 mm, 0.1 mm/year).
#
# Usage: scripts/compare-run.sh [PROCESSOR ...]   (default: isce-stripmap roipac gamma hyp3 snap aria)
# Needs MintPy 1.6.4 with h5py (default /work/venv; MINTPY_VENV=...). SBAS_BIN=path/to/sbas uses
# that binary instead of `cargo run --release`. KEEP_WORK=1 keeps the work folders.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
rows=30 cols=34 dates=10 neighbors=3 seed=20261207
procs=("$@")
[ ${#procs[@]} -gt 0 ] || procs=(isce-stripmap roipac gamma hyp3 snap aria)

[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
sbas() {
    if [ -n "${SBAS_BIN:-}" ]; then "$SBAS_BIN" "$@"; else (cd "$repo" && cargo run --release --quiet -- "$@"); fi
}
work="$(mktemp -d)"
if [ -n "${KEEP_WORK:-}" ]; then echo "work folders: $work"; else trap 'rm -rf "$work"' EXIT; fi

# shellcheck source=scripts/mintpy-load-templates.sh
source "$repo/scripts/mintpy-load-templates.sh"

template() { # $1 = processor
    mintpy_load_template "$1"
    cat <<T
mintpy.compute.maxMemory   = 0.2
mintpy.reference.yx        = $((rows / 2)),$((cols / 2))
mintpy.troposphericDelay.method = no
mintpy.deramp              = no
mintpy.geocode             = no
mintpy.save.kmz            = no
mintpy.plot                = no
T
}

status=0
for proc in "${procs[@]}"; do
    stack="$work/$proc/stack"
    sbas simulate "$stack" --processor "$proc" --rows "$rows" --cols "$cols" --dates "$dates" \
        --neighbors "$neighbors" --seed "$seed" > /dev/null
    rm -rf "$stack/truth"
    # Each on its own copy: MintPy's prep scripts write .rsc files into the tree.
    for who in mintpy sbas; do
        mkdir -p "$work/$proc/$who"
        cp -a "$stack/." "$work/$proc/$who/"
        mkdir -p "$work/$proc/$who/work"
        template "$proc" > "$work/$proc/$who/work/Sim.txt"
    done
    (cd "$work/$proc/mintpy/work" && "$venv/bin/smallbaselineApp.py" Sim.txt --end velocity > log.txt 2>&1) \
        || { echo "$proc: MintPy failed, see $work/$proc/mintpy/work/log.txt" >&2; status=1; continue; }
    sbas run "$work/$proc/sbas/work/Sim.txt" --dir "$work/$proc/sbas/work" --end velocity \
        --format hdf5 --quiet > "$work/$proc/sbas/work/log.txt" 2>&1 \
        || { echo "$proc: sbas run failed:" >&2; tail -20 "$work/$proc/sbas/work/log.txt" >&2; status=1; continue; }
    "$venv/bin/python" - "$proc" "$work/$proc/mintpy/work" "$work/$proc/sbas/work" <<'PY' || status=1
import sys, glob, os
import h5py, numpy as np
proc, theirs, ours = sys.argv[1:4]
def read(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()].astype(np.float64)
# The time series velocity is fitted to: the last correction of the chain (tropo and deramp
# are off: the DEM error correction), else the inverted one.
names = ["timeseries_demErr.h5", "timeseries.h5"]
t_ts = next(os.path.join(theirs, n) for n in names if os.path.isfile(os.path.join(theirs, n)))
o_ts = os.path.join(ours, os.path.basename(t_ts))
a, b = read(t_ts, "timeseries"), read(o_ts, "timeseries")
both = np.isfinite(a) & np.isfinite(b) & (a != 0) & (b != 0)
ts = np.abs(a - b)[both].max() * 1000 if both.any() else float("nan")
va, vb = read(os.path.join(theirs, "velocity.h5"), "velocity"), read(os.path.join(ours, "velocity.h5"), "velocity")
vboth = np.isfinite(va) & np.isfinite(vb) & (va != 0) & (vb != 0)
vel = np.abs(va - vb)[vboth].max() * 1000 if vboth.any() else float("nan")
ok = ts <= 0.5 and vel <= 0.1
print(f"{proc}: {os.path.basename(o_ts)} vs MintPy {os.path.basename(t_ts)}: max |d| {ts:.3g} mm "
      f"over {both.sum()} values; velocity max |d| {vel:.3g} mm/yr over {vboth.sum()} pixels: "
      f"{'ok' if ok else 'FAILS'}")
sys.exit(0 if ok else 1)
PY
done
exit $status
