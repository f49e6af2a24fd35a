#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_geocode/: MintPy 1.6.4's geocode.py (nearest, its default step,
# and an explicit --lalo-step) on the velocity of the mintpy_small fixture.
#
# Inputs: tests/fixtures/mintpy_small/mintpy_var/timeseries.h5 and inputs/geometryRadar.h5 (made
# by scripts/make-mintpy-fixture.sh). Needs a Python with MintPy 1.6.4 (default /work/venv;
# override with MINTPY_VENV=...). CI never runs this: it only reads the committed fixture.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
small="$repo/tests/fixtures/mintpy_small"
fixture="$repo/tests/fixtures/mintpy_geocode"
step_lat=-0.0004 step_lon=0.0005

[ -x "$venv/bin/geocode.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
mintpy_version="$("$venv/bin/python" -c 'import mintpy; print(mintpy.__version__)')"
[ "$mintpy_version" = "1.6.4" ] || echo "warning: MintPy $mintpy_version, the fixture is meant for 1.6.4" >&2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$small/mintpy_var/timeseries.h5" "$small/inputs/geometryRadar.h5" "$work/"
(
    cd "$work"
    "$venv/bin/timeseries2velocity.py" timeseries.h5 -o velocity.h5 > log_velocity.txt
    "$venv/bin/geocode.py" velocity.h5 -l geometryRadar.h5 --outdir geo > log_geocode.txt
    "$venv/bin/geocode.py" velocity.h5 -l geometryRadar.h5 --lalo-step "$step_lat" "$step_lon" \
        --outdir geo_step > log_geocode_step.txt
)

rm -rf "$fixture"
mkdir -p "$fixture"
cp "$work/velocity.h5" "$work/geometryRadar.h5" "$fixture/"
cp "$work/geo/geo_velocity.h5" "$fixture/geo_velocity.h5"
cp "$work/geo_step/geo_velocity.h5" "$fixture/geo_velocity_step.h5"

cat > "$fixture/README.md" <<README
# mintpy_geocode: MintPy $mintpy_version's geocode.py on a small simulated stack

Made by \`scripts/make-mintpy-geocode-fixture.sh\` (do not edit by hand; re-run the script).

- \`velocity.h5\`: \`timeseries2velocity.py timeseries.h5 -o velocity.h5\` on
  \`mintpy_small/mintpy_var/timeseries.h5\` (40 x 50 radar pixels).
- \`geometryRadar.h5\`: copy of \`mintpy_small/inputs/geometryRadar.h5\` (the lat/lon lookup).
- \`geo_velocity.h5\`: \`geocode.py velocity.h5 -l geometryRadar.h5\` (nearest, default step that
  keeps the pixel area).
- \`geo_velocity_step.h5\`: the same with \`--lalo-step $step_lat $step_lon\`.
README
du -sh "$fixture"
