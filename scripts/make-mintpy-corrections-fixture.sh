#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_corrections/: MintPy 1.6.4's corrections run on the time series
# of the committed tests/fixtures/mintpy_small fixture (weightFunc = var):
#   dem_error.py      timeseries.h5 -g inputs/geometryRadar.h5      (polyOrder 2, pixel-wise geometry)
#                     and again with --ex (two dates excluded) and -s (one step date), and
#                     with --phase-velocity
#   remove_ramp.py    timeseries.h5 -s quadratic -m maskTempCoh.h5  and  -s linear -m no
#   timeseries_rms.py timeseriesResidual.h5 -m maskTempCoh.h5        (quadratic deramp, cutoff 3)
#   reference_date.py timeseries_demErr.h5 -r <fifth date>            (in place, on a copy)
#
# Needs a Python with MintPy 1.6.4 (default /work/venv; override with MINTPY_VENV=...).
# CI never runs this: it only reads the committed fixture.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
small="$repo/tests/fixtures/mintpy_small"
fixture="$repo/tests/fixtures/mintpy_corrections"

[ -x "$venv/bin/dem_error.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
mintpy_version="$("$venv/bin/python" -c 'import mintpy; print(mintpy.__version__)')"
[ "$mintpy_version" = "1.6.4" ] || echo "warning: MintPy $mintpy_version, the fixture is meant for 1.6.4" >&2

work="$(mktemp -d)"
if [ -n "${KEEP_WORK:-}" ]; then echo "MintPy work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$work/inputs"
cp "$small/mintpy_var/timeseries.h5" "$small/mintpy_var/temporalCoherence.h5" \
   "$small/mintpy_var/maskTempCoh.h5" "$work/"
cp "$small/inputs/geometryRadar.h5" "$work/inputs/"

run() { # $1 = log name, rest = command
    local log="$work/log_$1.txt"; shift
    (cd "$work" && "$@") > "$log" 2>&1 || { echo "MintPy failed: $*" >&2; tail -30 "$log" >&2; exit 1; }
}
py="$venv/bin"
dates=($("$py/python" -c "import h5py; print(' '.join(d.decode() for d in h5py.File('$work/timeseries.h5','r')['date'][:]))"))

# dem_error.py always writes timeseriesResidual.h5: the default run goes last so it is its.
run dem_error_ex "$py/dem_error.py" timeseries.h5 -g inputs/geometryRadar.h5 \
    --ex "${dates[3]}" "${dates[7]}" -s "${dates[5]}" -o timeseries_demErrExStep.h5 --dem-err-file demErrExStep.h5
run dem_error_pv "$py/dem_error.py" timeseries.h5 -g inputs/geometryRadar.h5 --phase-velocity \
    -o timeseries_demErrPhaseVel.h5 --dem-err-file demErrPhaseVel.h5
run dem_error "$py/dem_error.py" timeseries.h5 -g inputs/geometryRadar.h5
run ramp_quadratic "$py/remove_ramp.py" timeseries.h5 -s quadratic -m maskTempCoh.h5
run ramp_linear "$py/remove_ramp.py" timeseries.h5 -s linear -m no -o timeseries_rampLinearNoMask.h5
run rms "$py/timeseries_rms.py" timeseriesResidual.h5 -m maskTempCoh.h5
cp "$work/timeseries_demErr.h5" "$work/timeseries_demErr_refdate.h5"
# reference_date.txt holds the first date here (a no-op), so re-reference to the fifth date instead
run reference_date "$py/reference_date.py" timeseries_demErr_refdate.h5 -r "${dates[4]}"

rm -rf "$fixture"
mkdir -p "$fixture"
for f in timeseries_demErr.h5 demErr.h5 timeseriesResidual.h5 timeseries_demErrExStep.h5 demErrExStep.h5 \
         timeseries_demErrPhaseVel.h5 demErrPhaseVel.h5 \
         timeseries_ramp.h5 timeseries_rampLinearNoMask.h5 rms_timeseriesResidual_ramp.txt \
         reference_date.txt timeseries_demErr_refdate.h5; do
    cp "$work/$f" "$fixture/"
done
[ -f "$work/exclude_date.txt" ] && cp "$work/exclude_date.txt" "$fixture/"

cat > "$fixture/README.md" <<README
# mintpy_corrections fixture

Written by \`scripts/make-mintpy-corrections-fixture.sh\` with MintPy $mintpy_version from the time series of
\`tests/fixtures/mintpy_small/mintpy_var\` (its \`timeseries.h5\`, \`temporalCoherence.h5\`, \`maskTempCoh.h5\`) and
\`tests/fixtures/mintpy_small/inputs/geometryRadar.h5\`:

| file | MintPy command |
|---|---|
| \`timeseries_demErr.h5\`, \`demErr.h5\`, \`timeseriesResidual.h5\` | \`dem_error.py timeseries.h5 -g inputs/geometryRadar.h5\` |
| \`timeseries_demErrExStep.h5\`, \`demErrExStep.h5\` | same with \`--ex ${dates[3]} ${dates[7]} -s ${dates[5]}\` |
| \`timeseries_demErrPhaseVel.h5\`, \`demErrPhaseVel.h5\` | same with \`--phase-velocity\` |
| \`timeseries_ramp.h5\` | \`remove_ramp.py timeseries.h5 -s quadratic -m maskTempCoh.h5\` |
| \`timeseries_rampLinearNoMask.h5\` | \`remove_ramp.py timeseries.h5 -s linear -m no\` |
| \`rms_timeseriesResidual_ramp.txt\`, \`reference_date.txt\`, \`exclude_date.txt\` (if any) | \`timeseries_rms.py timeseriesResidual.h5 -m maskTempCoh.h5\` |
| \`timeseries_demErr_refdate.h5\` | \`reference_date.py\` on a copy of \`timeseries_demErr.h5\` with \`-r ${dates[4]}\` |
README
du -sh "$fixture"
