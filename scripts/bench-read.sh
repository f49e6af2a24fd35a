#!/usr/bin/env bash
# Read speed of the time series by layout, and the inversion's speed with each, on a
# 1000 x 1000 x 40-date simulated stack:
#   - `sbas invert` wall and CPU time, best of 3, with NEW_SBAS and (when given) OLD_SBAS,
#     interleaved (NEW, OLD, NEW);
#   - one date's map, one pixel's series and the whole cube read with zarr-python (Zarr) and
#     h5py (HDF5): NEW_SBAS's sharded store, the same values in today's layout (plain chunks of
#     every date of a strip, rewritten by bench-read.py --unshard), and the MintPy-layout
#     timeseries.h5 of an `--format hdf5` run (scripts/bench-read.py);
#   - the same three reads of a corrected series (`sbas correct dem-error`'s
#     timeseries_demErr.zarr, sharded by the product writer) and of the same values in plain
#     chunks of every date (the layout of the steps' products before);
#   - the same map and series through `sbas serve` (zarrs) on both Zarr layouts.
# Build with --release first (debug builds are far slower).
#
#   scripts/bench-read.sh [NEW_SBAS] [OLD_SBAS] [WORK_DIR]
#
# Defaults: target/release/sbas, no old binary, /tmp/sbas-bench-read (about 2.5 GB; the stack
# is kept and reused). PYTHON (default python3) needs zarr>=3, h5py and numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
new=$(realpath "${1:-target/release/sbas}")
old=${2:-}
[ -n "$old" ] && old=$(realpath "$old")
work=${3:-/tmp/sbas-bench-read}
py=${PYTHON:-python3}
mkdir -p "$work"
if [ ! -f "$work/stack/.bench-ready" ]; then
  rm -rf "$work/stack"
  "$new" simulate "$work/stack" --rows 1000 --cols 1000 --dates 40 --seed 5 >/dev/null
  touch "$work/stack/.bench-ready"
fi
# Best of three wall and CPU (user + system) seconds of one inversion.
invert_time() {
  local bin=$1 out=$2 best_wall=999999 best_cpu=999999
  for _ in 1 2 3; do
    rm -rf "$out"
    local t
    t=$( { /usr/bin/time -f '%e %U %S' "$bin" invert "$work/stack" --out "$out" -q >/dev/null; } 2>&1 | tail -1)
    read -r wall user sys <<<"$t"
    best_wall=$(awk -v a="$best_wall" -v b="$wall" 'BEGIN{print (b<a)?b:a}')
    best_cpu=$(awk -v a="$best_cpu" -v b="$user" -v c="$sys" 'BEGIN{print (b+c<a)?b+c:a}')
  done
  echo "$best_wall s wall, $best_cpu s CPU"
}
echo "invert, new:  $(invert_time "$new" "$work/run-new")"
if [ -n "$old" ]; then
  echo "invert, old:  $(invert_time "$old" "$work/run-old")"
  echo "invert, new:  $(invert_time "$new" "$work/run-new")"
fi
# Today's layout (before sharding) of the same values: the same store with its series rewritten
# in plain chunks of every date of a strip, as sbas wrote them before.
rm -rf "$work/run-today"
mkdir -p "$work/run-today"
cp -r "$work/run-new/"*.zarr "$work/run-new/inputs" "$work/run-today/" 2>/dev/null || true
"$py" "$here/scripts/bench-read.py" --unshard "$work/run-new/sbas.zarr" "$work/run-today/sbas.zarr"
runs=("sharded=$work/run-new/sbas.zarr" "today=$work/run-today/sbas.zarr")
if [ ! -f "$work/run-h5/timeseries.h5" ]; then
  "$new" invert "$work/stack" --out "$work/run-h5" --format hdf5 -q >/dev/null
fi
runs+=("MintPy HDF5=$work/run-h5/timeseries.h5")
# A corrected series, as the product writer shards it, and the same values in plain chunks.
"$new" correct dem-error "$work/run-new" >/dev/null
"$py" "$here/scripts/bench-read.py" --unshard "$work/run-new/timeseries_demErr.zarr" \
  "$work/run-today/timeseries_demErr.zarr"
runs+=("corrected, sharded=$work/run-new/timeseries_demErr.zarr"
  "corrected, plain chunks=$work/run-today/timeseries_demErr.zarr")
echo
"$py" "$here/scripts/bench-read.py" "${runs[@]}"
echo
# The same reads through sbas serve (zarrs), best of three.
serve_times() {
  local bin=$1 run=$2
  "$bin" serve "$run" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
  local server=$!
  for _ in $(seq 100); do
    grep -q 'http://' "$work/serve.out" 2>/dev/null && break
    sleep 0.1
  done
  local url
  url=$(grep -o 'http://[0-9.:]*' "$work/serve.out")
  t() { for _ in 1 2 3; do curl -s -o /dev/null -w '%{time_total}\n' "$url$1"; done | sort -n | head -1; }
  local date
  date=$(curl -s "$url/api/info" | "$py" -c 'import json,sys; l=[x for x in json.load(sys.stdin)["layers"] if x["name"]=="timeseries"][0]; print(l["dates"][20])')
  echo "  map of a date $(t "/api/map.png?layer=timeseries&date=$date") s, series $(t '/api/series?ts=timeseries&y=500&x=500') s, $(awk '/VmHWM/ {printf "peak RSS %d MiB", $2/1024}' "/proc/$server/status")"
  kill "$server"
  wait "$server" 2>/dev/null || true
}
echo "sbas serve, sharded run:"
serve_times "$new" "$work/run-new"
echo "sbas serve, today's layout:"
serve_times "$new" "$work/run-today"
