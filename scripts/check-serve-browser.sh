#!/usr/bin/env bash
# Browser check of `sbas serve`: simulates and inverts a small run, serves it, and drives the
# page in headless Chromium (scripts/check-serve-browser.py): two clicked pixels' plotted
# series must equal `sbas ts --yx` (the DEM-error-corrected series and the raw one drawn
# beside it too), clicked where they are shown on the map flipped by MintPy's rule; the date
# slider must change the map, the map's notes must name the page's "north up" control, the toggle
# must show the stored orientation, a climbing path must be refused. Then a copy of the run made
# descending (ORBIT_DIRECTION in the stores' attributes, as tests/serve.rs does) is served: its
# map must be mirrored left-right and a click on a known pixel must plot `sbas ts --yx`'s series.
# Screenshots go to OUT_DIR (look at them).
#
#   scripts/check-serve-browser.sh [SBAS_BINARY] [OUT_DIR]
#
# Defaults: target/debug/sbas, /tmp/sbas-serve-browser. Installs chromium and
# python3-websocket with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
sbas=$(realpath "${1:-target/debug/sbas}")
out=${2:-/tmp/sbas-serve-browser}
if ! command -v chromium >/dev/null || ! /usr/bin/python3 -c 'import websocket' 2>/dev/null; then
  echo "installing chromium and python3-websocket (apt-get)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium python3-websocket >/dev/null
fi
work=$(mktemp -d)
server=""
server_desc=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  [ -n "$server_desc" ] && kill "$server_desc" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$sbas" simulate "$work/stack" --rows 60 --cols 80 --dates 16 --seed 3 >/dev/null
"$sbas" invert "$work/stack" --out "$work/run" -q
"$sbas" velocity "$work/run" >/dev/null
# A corrected series, so that the page draws it with the raw one.
"$sbas" correct dem-error "$work/run" >/dev/null
mkdir -p "$out"
pixels=()
for yx in 20,10 45,60; do
  "$sbas" ts "$work/run" --yx "$yx" -o "$work/ts_$yx" >/dev/null
  pixels+=("$yx:$work/ts_$yx.csv")
done
for yx in 20,10 45,60; do
  "$sbas" ts "$work/run" --ts timeseries_demErr --yx "$yx" -o "$work/dem_$yx" >/dev/null
  pixels+=("$yx:$work/dem_$yx.csv")
done
# The descending copy: the pass direction turned in every store's attributes (JSON).
cp -r "$work/run" "$work/run-desc"
grep -rl --include='*.json' '"ASCENDING"' "$work/run-desc" | xargs sed -i 's/"ASCENDING"/"DESCENDING"/g'
grep -rq --include='*.json' '"DESCENDING"' "$work/run-desc" || { echo "no ORBIT_DIRECTION to turn" >&2; exit 1; }
"$sbas" ts "$work/run-desc" --yx 20,10 -o "$work/desc_20,10" >/dev/null
# Starts `sbas serve` on run folder $1 (output files $2.out/.err); prints its address.
start_server() {
  "$sbas" serve "$1" --port 0 >"$2.out" 2>"$2.err" &
  echo $! >"$2.pid"
  for _ in $(seq 100); do
    grep -q 'http://' "$2.out" 2>/dev/null && break
    sleep 0.1
  done
  grep -o 'http://[0-9.:]*/' "$2.out" || { cat "$2.err" >&2; exit 1; }
}
url=$(start_server "$work/run" "$work/serve")
server=$(cat "$work/serve.pid")
url_desc=$(start_server "$work/run-desc" "$work/serve-desc")
server_desc=$(cat "$work/serve-desc.pid")
/usr/bin/python3 scripts/check-serve-browser.py "$url" "$out" "${pixels[@]}" \
  --descending "$url_desc" "20,10:$work/desc_20,10.csv"
