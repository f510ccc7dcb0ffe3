#!/usr/bin/env bash
# Benchmark of the bundled suite against the embedded reference server (release build): wall time of
# `authconform run` (process start to exit, server start included) and requests per second over the
# run itself. Not a test: figures depend on the machine; docs/benchmark.md records them.
#
#   scripts/bench.sh            # 5 measured runs after one warm-up
#   RUNS=10 scripts/bench.sh
#   SELFTEST=1 scripts/bench.sh # also time `authconform selftest` once
#
# Needs: cargo, /usr/bin/time (GNU time), jq.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${RUNS:-5}"
for tool in /usr/bin/time jq; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done

cargo build --release --quiet
bin=target/release/authconform
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -sr)"
echo "build:   $(rustc --version), release profile"
"$bin" run --seed 0 >/dev/null # warm-up (page cache, lazy statics)

walls=()
for i in $(seq 1 "$runs"); do
    report="$work/run-$i.json"
    /usr/bin/time -f "%e %M" -o "$work/time-$i" "$bin" run --seed "$i" --report "json:$report" >/dev/null
    read -r wall rss <"$work/time-$i"
    cases=$(jq '.cases | length' "$report")
    judged=$(jq '[.cases[] | select(.verdict != "skipped")] | length' "$report")
    requests=$(jq '[.cases[].exchanges | length] | add' "$report")
    run_ms=$(jq '.duration_ms' "$report")
    gate=$(jq -r '.gate_passed' "$report")
    rps=$(awk -v r="$requests" -v ms="$run_ms" 'BEGIN { printf "%.0f", r / (ms / 1000) }')
    printf 'run %d: wall %6.2f s, run %6.2f s, %d cases (%d judged), %d requests, %s req/s, max RSS %d MiB, gate passed: %s\n' \
        "$i" "$wall" "$(awk -v ms="$run_ms" 'BEGIN { print ms / 1000 }')" "$cases" "$judged" "$requests" "$rps" "$((rss / 1024))" "$gate"
    walls+=("$wall $run_ms $requests")
done

printf '%s\n' "${walls[@]}" | sort -n | awk -v n="$runs" '
    { wall[NR] = $1; ms[NR] = $2; req[NR] = $3 }
    END {
        m = int((n + 1) / 2)
        printf "median of %d runs: wall %.2f s, run %.2f s, %d requests, %.0f req/s\n", n, wall[m], ms[m] / 1000, req[m], req[m] / (ms[m] / 1000)
    }'

if [ "${SELFTEST:-0}" = 1 ]; then
    /usr/bin/time -f "selftest: wall %e s, max RSS %M KiB" "$bin" selftest >/dev/null 2>"$work/selftest.err" || true
    tail -n 2 "$work/selftest.err"
fi
