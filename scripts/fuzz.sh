#!/usr/bin/env bash
# Fuzzes every metadata parser of the stack readers with cargo-fuzz (libFuzzer).
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS  time per target (default 240); targets run one after another on one core.
#   TARGET   only these targets (default: all of `cargo fuzz list`: isce_xml, vrt, rsc,
#            baseline, tops_xml, pair_name, gamma_par).
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Works on the stable toolchain through
# RUSTC_BOOTSTRAP=1 (libFuzzer's instrumentation flags are nightly-only). Built without a
# sanitizer (`-s none`): the code under test is safe Rust, so the bugs sought are panics,
# overflows (debug assertions and overflow checks are on) and hangs (-timeout).
#
# Corpora grow in fuzz/corpus/TARGET (only the committed seed-* files are tracked). A crash
# leaves its input in fuzz/artifacts/TARGET/; reproduce it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none TARGET fuzz/artifacts/TARGET/crash-...
# then add it as a regression unit test next to the parser. Exits non-zero if any target
# failed; a first failure does not stop the others.
set -uo pipefail

secs="${1:-240}"
shift || true
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: cargo install cargo-fuzz" >&2
    exit 2
fi
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

cargo fuzz build -s none || exit 2

failed=()
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t"
    dict=()
    case "$t" in isce_xml | vrt | tops_xml) dict=("-dict=fuzz/xml.dict") ;; esac
    echo "== $t: ${secs}s"
    if ! cargo fuzz run -s none "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 "${dict[@]}"; then
        failed+=("$t")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz targets that failed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "all fuzz targets ran ${secs}s each without a crash"
