#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_velocity/: MintPy 1.6.4's timeseries2velocity.py outputs on the
# committed time series tests/fixtures/mintpy_small/mintpy_var/timeseries.h5 (12 dates,
# 40 x 50 pixels), for a few time-function options. tests/velocity_mintpy.rs compares sbas's
# `velocity` against them.
#
# Needs a Python with MintPy 1.6.4 (default /work/venv; override with MINTPY_VENV=...), e.g.
#   python3 -m venv /work/venv && /work/venv/bin/pip install mintpy==1.6.4 h5py
# CI never runs this: it only reads the committed fixture.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
ts="$repo/tests/fixtures/mintpy_small/mintpy_var/timeseries.h5"
fixture="$repo/tests/fixtures/mintpy_velocity"

[ -x "$venv/bin/timeseries2velocity.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
[ -f "$ts" ] || { echo "missing $ts: run scripts/make-mintpy-fixture.sh first" >&2; exit 1; }
mintpy_version="$("$venv/bin/python" -c 'import mintpy; print(mintpy.__version__)')"
[ "$mintpy_version" = "1.6.4" ] || echo "warning: MintPy $mintpy_version, the fixture is meant for 1.6.4" >&2

rm -rf "$fixture"
mkdir -p "$fixture"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$ts" "$work/timeseries.h5"

# name | options (one case per line; the names are the output file stems)
cases=(
    "velocity|"
    "velocity_periodic|--periodic 1.0"
    "velocity_step|--step 20200301"
    "velocity_poly2_exp_log|--poly 2 --exp 20200215 30 --log 20200215 30"
    "velocity_window|--start-date 20200113 --end-date 20200430 --ex 20200301"
    # MintPy's bootstrap draws are not seeded: this file is one random outcome, compared loosely
    "velocity_bootstrap|--uq bootstrap"
)
for case in "${cases[@]}"; do
    name="${case%%|*}" opts="${case#*|}"
    # shellcheck disable=SC2086
    (cd "$work" && "$venv/bin/timeseries2velocity.py" timeseries.h5 $opts -o "$name.h5" > "$name.log")
    cp "$work/$name.h5" "$fixture/"
    echo "$name: timeseries2velocity.py timeseries.h5 $opts" >> "$fixture/cases.txt"
done

cat > "$fixture/README.md" <<README
# mintpy_velocity: MintPy 1.6.4 timeseries2velocity.py outputs

Made by \`scripts/make-mintpy-velocity-fixture.sh\` (do not edit by hand; re-run the script) from
\`tests/fixtures/mintpy_small/mintpy_var/timeseries.h5\` with MintPy $mintpy_version. One file per case
(\`cases.txt\` has the exact command lines):

$(sed 's/^/- /' "$fixture/cases.txt")
README
ls -la "$fixture"
