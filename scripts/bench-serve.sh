#!/usr/bin/env bash
# Benchmark of `sbas serve` on a 1000 x 1000 x 40-date simulated run: time of the first map
# (velocity, then a date of the time series), of one click's series, and the server's peak
# RSS. Build with --release first (debug builds are far slower).
#
#   scripts/bench-serve.sh [SBAS_BINARY] [WORK_DIR]
#
# Defaults: target/release/sbas, /tmp/sbas-bench-serve (the simulated run is kept there and
# reused; about 1.5 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
sbas=$(realpath "${1:-target/release/sbas}")
work=${2:-/tmp/sbas-bench-serve}
mkdir -p "$work"
if [ ! -f "$work/run/.bench-ready" ]; then
  rm -rf "$work/stack" "$work/run"
  "$sbas" simulate "$work/stack" --rows 1000 --cols 1000 --dates 40 --seed 5 >/dev/null
  "$sbas" invert "$work/stack" --out "$work/run" -q
  "$sbas" velocity "$work/run" >/dev/null
  rm -rf "$work/stack"
  touch "$work/run/.bench-ready"
fi
"$sbas" serve "$work/run" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q 'http://' "$work/serve.out" 2>/dev/null && break
  sleep 0.1
done
url=$(grep -o 'http://[0-9.:]*' "$work/serve.out")
t() { curl -s -o /dev/null -w '%{http_code} %{time_total}' "$url$1"; }
rss() { awk '/VmRSS|VmHWM/ {printf "%s %d MiB  ", $1, $2/1024}' "/proc/$server/status"; }
echo "run: 1000 x 1000 pixels, 40 dates ($(du -sh "$work/run" | cut -f1) on disk)"
echo "after start:             $(rss)"
echo "page + info:             $(t /) s, $(t /api/info) s"
echo "first map (velocity):    $(t '/api/map.png?layer=velocity&mask=1') s"
dates=$(curl -s "$url/api/info" | python3 -c 'import json,sys; l=[x for x in json.load(sys.stdin)["layers"] if x["name"]=="timeseries"][0]; print(" ".join(l["dates"]))')
set -- $dates
echo "map of a date:           $(t "/api/map.png?layer=timeseries&date=${20}&mask=1") s"
echo "map, date minus ref date: $(t "/api/map.png?layer=timeseries&date=${40}&ref_date=${10}") s"
for yx in 500,500 123,877 901,42; do
  y=${yx%,*}; x=${yx#*,}
  echo "series y=$y, x=$x:      $(t "/api/series?ts=timeseries&y=$y&x=$x") s"
done
echo "series again (cached by the OS): $(t '/api/series?ts=timeseries&y=500&x=500') s"
echo "cursor location:         $(t '/api/place?layer=velocity&y=500&x=500') s"
echo "after the requests:      $(rss)"
