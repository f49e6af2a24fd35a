#!/usr/bin/env bash
# Rebuilds tests/fixtures/mintpy_multilook/: what MintPy 1.6.4's load_data makes of the committed
# ROI_PAC fixture stack (tests/fixtures/mintpy_roipac/stack) with multilooking at load
# (mintpy.multilook.ystep/xstep/method): <method>_<ystep>x<xstep>/{ifgramStack,geometryRadar}.h5
# for nearest, mean and median, 2 x 3 looks (the 12 x 14 image leaves two columns over), and
# nearest 5 x 4 (rows and columns left over).
#
# Needs a Python with MintPy 1.6.4 (default /work/venv; override with MINTPY_VENV=...).
# CI never runs this: it only reads the committed fixtures.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MINTPY_VENV:-/work/venv}"
[ -x "$venv/bin/smallbaselineApp.py" ] || { echo "no MintPy in $venv (set MINTPY_VENV)" >&2; exit 1; }
mintpy_version="$("$venv/bin/python" -c 'import mintpy; print(mintpy.__version__)')"
[ "$mintpy_version" = "1.6.4" ] || echo "warning: MintPy $mintpy_version, the fixtures are meant for 1.6.4" >&2

src="$repo/tests/fixtures/mintpy_roipac"
out="$repo/tests/fixtures/mintpy_multilook"
work="$(mktemp -d)"
if [ -n "${KEEP_WORK:-}" ]; then echo "MintPy work folders: $work"; else trap 'rm -rf "$work"' EXIT; fi
rm -rf "$out"
mkdir -p "$out"

for case in nearest:2:3 mean:2:3 median:2:3 nearest:5:4; do
    IFS=: read -r method ystep xstep <<< "$case"
    name="${method}_${ystep}x${xstep}"
    run="$work/$name"
    mkdir -p "$run"
    cp -a "$src/stack/." "$run/"
    mkdir -p "$run/mintpy"
    { cat "$src/Sim.txt"
      echo "mintpy.multilook.method    = $method"
      echo "mintpy.multilook.ystep     = $ystep"
      echo "mintpy.multilook.xstep     = $xstep"; } > "$run/mintpy/Sim.txt"
    (cd "$run/mintpy" && "$venv/bin/smallbaselineApp.py" Sim.txt --dostep load_data > log_load_data.txt 2>&1) \
        || { echo "MintPy load_data failed for $name, see $run/mintpy/log_load_data.txt" >&2; exit 1; }
    mkdir -p "$out/$name"
    cp "$run/mintpy/inputs/"{ifgramStack,geometryRadar}.h5 "$out/$name/"
    cp "$run/mintpy/Sim.txt" "$out/$name/Sim.txt"
done
cat > "$out/README.md" <<README
# MintPy $mintpy_version load_data with multilooking at load

Input: the ROI_PAC stack of \`tests/fixtures/mintpy_roipac/stack\` (12 x 14 pixels, 5 dates) and its
template \`Sim.txt\` with \`mintpy.multilook.method/ystep/xstep\` added; each folder
\`<method>_<ystep>x<xstep>/\` holds that template and the \`inputs/ifgramStack.h5\` and
\`geometryRadar.h5\` that \`smallbaselineApp.py Sim.txt --dostep load_data\` wrote.

Remade by \`scripts/make-mintpy-multilook-fixture.sh\`.
README
echo "fixtures written: tests/fixtures/mintpy_multilook"
