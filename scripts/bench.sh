#!/usr/bin/env bash
# Benchmark of the bundled suite (release build). Not a test: figures depend on the machine;
# docs/benchmark.md records them. Everything is measured in one invocation, on the same machine, so
# the ratios hold even where the absolute figures do not.
#
# 1. The default job against the embedded reference server with all five reports on (json, junit,
#    sarif, markdown, html): wall time (process start to exit, server start included), requests per
#    second over the run itself, peak RSS, and the JSON report's size.
# 2. With `wrk` installed: the standalone reference server on loopback; wrk's request rate on the
#    valid-token list endpoint (GET /api/alice/tasks) and on a refused token, then the harness's own
#    rate over the whole suite against that same server, in ROUNDS rounds (default 3) of wrk then
#    the harness back to back, each a ratio harness / wrk (the median and the lowest reported), and
#    over wrk's own request (the same list read, 20,000 times, 16 cases in flight).
#
#   scripts/bench.sh            # 5 measured runs after one warm-up
#   RUNS=10 scripts/bench.sh
#   ROUNDS=5 scripts/bench.sh   # 5 rounds of wrk against the harness (default 3)
#   SELFTEST=1 scripts/bench.sh # also time `authconform selftest` once
#
# 3. A hostile target (scripts/endless-body.py) whose every answer is 200 with a body that never ends:
#    the whole suite against it, its wall time, exit code and peak RSS (bodies are read up to the
#    profile's `max_body_kib`, beyond 64 KiB within an 8 MiB room shared by the bodies being read,
#    and the rest is never read; failures past the 16 MiB evidence budget keep 1 KiB excerpts).
#
# Needs: cargo, /usr/bin/time (GNU time), jq, python3; wrk (optional, for part 2). Loopback only; every process
# it starts is stopped by its pid.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${RUNS:-5}"
for tool in /usr/bin/time jq; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done

cargo build --release --quiet --workspace
bin=target/release/authconform
server_bin=target/release/reference-server
work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -sr)"
echo "build:   $(rustc --version), release profile"
"$bin" run --seed 0 >/dev/null # warm-up (page cache, lazy statics)

# A suite of wrk's request only: Alice's list with a valid token, 20 times in each of 1,000 cases.
same_request_suite() {
    {
        echo "scenarios:"
        echo "  - id: bench-list-read"
        echo "    title: The request wrk sends, a valid token on Alice's list"
        echo "    category: enforcement"
        echo "    api: todo"
        echo "    requirements: [FR-001]"
        echo "    weakness: { id: valid-token-refused, cwe: 287 }"
        echo "    matrix:"
        echo "      n: [$(seq -s ', ' 1 1000)]"
        echo "    steps:"
        for _ in $(seq 1 20); do
            echo "      - { as: alice, call: tasks.list, headers: { x-bench-case: \"{n}\" }, expect: { status: 200 } }"
        done
    } >"$1"
}

# The requests of a run, from its JSON report: every request of every case.
requests_of() { jq '[.cases[].exchanges | length] | add' "$1"; }
rate_of() { awk -v r="$1" -v ms="$2" 'BEGIN { printf "%.0f", r / (ms / 1000) }'; }

echo
echo "1. the default job, embedded reference server, all five reports"
walls=()
for i in $(seq 1 "$runs"); do
    out="$work/run-$i"
    mkdir -p "$out"
    /usr/bin/time -f "%e %M" -o "$out/time" "$bin" run --seed "$i" \
        --report "json:$out/report.json" --report "junit:$out/junit.xml" \
        --report "sarif:$out/report.sarif" --report "markdown:$out/report.md" \
        --report "html:$out/report.html" >/dev/null
    read -r wall rss <"$out/time"
    report="$out/report.json"
    cases=$(jq '.cases | length' "$report")
    judged=$(jq '[.cases[] | select(.verdict != "skipped")] | length' "$report")
    requests=$(requests_of "$report")
    run_ms=$(jq '.duration_ms' "$report")
    gate=$(jq -r '.gate_passed' "$report")
    json_kib=$(( $(stat -c %s "$report") / 1024 ))
    printf 'run %d: wall %6.2f s, run %6.2f s, %d cases (%d judged), %d requests, %s req/s, peak RSS %d MiB, JSON report %d KiB, gate passed: %s\n' \
        "$i" "$wall" "$(awk -v ms="$run_ms" 'BEGIN { print ms / 1000 }')" "$cases" "$judged" "$requests" \
        "$(rate_of "$requests" "$run_ms")" "$((rss / 1024))" "$json_kib" "$gate"
    walls+=("$wall $run_ms $requests $rss")
done
printf '%s\n' "${walls[@]}" | sort -n | awk -v n="$runs" '
    { wall[NR] = $1; ms[NR] = $2; req[NR] = $3; rss[NR] = $4; if ($4 > peak) peak = $4 }
    END {
        m = int((n + 1) / 2)
        printf "median of %d runs: wall %.2f s, run %.2f s, %d requests, %.0f req/s; highest peak RSS %d MiB\n",
            n, wall[m], ms[m] / 1000, req[m], req[m] / (ms[m] / 1000), peak / 1024
    }'

if command -v wrk >/dev/null; then
    echo
    echo "2. the standalone reference server: wrk against the harness"
    "$server_bin" --listen 127.0.0.1:0 --jwks fixtures/keys/issuer/jwks-ed25519.json \
        >"$work/server.out" 2>"$work/server.err" &
    server_pid=$!
    url=""
    for _ in $(seq 1 100); do
        url=$(sed -n 's/^listening on //p' "$work/server.out")
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { echo "bench: the reference server did not start" >&2; cat "$work/server.err" >&2; exit 1; }
    profile=fixtures/profiles/reference.yaml
    valid=$("$bin" mint --profile "$profile" --as alice | tail -n 1)
    refused=$("$bin" mint --profile "$profile" --as alice --mutate alg-none | tail -n 1)
    wrk_rate() {
        wrk -t2 -c16 -d"$2" -H "Authorization: Bearer $1" "$url/api/alice/tasks" |
            awk '/^Requests\/sec:/ { printf "%.0f", $2 }'
    }
    refused_rate=$(wrk_rate "$refused" 10s)
    # Rounds of wrk then the harness, back to back: each ratio compares two rates measured seconds
    # apart, so that a change in what else the machine does moves both sides of it alike. The
    # median ratio is the figure; the lowest is given beside it.
    rounds="${ROUNDS:-3}"
    ratios=()
    for round in $(seq 1 "$rounds"); do
        valid_rate=$(wrk_rate "$valid" 5s)
        "$bin" run --profile "$profile" --target "$url" --seed "$round" \
            --report "json:$work/external.json" >/dev/null || true
        # The rate while the cases ran (conditions.load: every request the run's client sent in
        # that phase); the whole run also holds the start, the positive controls and the cleanup of
        # what the cases created (one DELETE per object, after the last case), given apart.
        requests=$(jq '.conditions.load.case_requests' "$work/external.json")
        harness_rate=$(rate_of "$requests" "$(jq '.conditions.load.case_phase_ms' "$work/external.json")")
        all_requests=$(jq '.conditions.load.requests' "$work/external.json")
        all_rate=$(rate_of "$all_requests" "$(jq '.duration_ms' "$work/external.json")")
        cleaned=$(jq '.conditions.cleanup.deleted // 0' "$work/external.json")
        ratio=$(awk -v h="$harness_rate" -v w="$valid_rate" 'BEGIN { printf "%.0f", 100 * h / w }')
        ratios+=("$ratio")
        echo "round $round: wrk, valid token, GET /api/alice/tasks: $valid_rate req/s;" \
            "harness, whole suite, while its cases ran ($requests requests): $harness_rate req/s: $ratio%;" \
            "whole run with start, controls and cleanup ($all_requests requests, $cleaned deletes): $all_rate req/s"
    done
    # wrk's own request through the harness (16 cases in flight, like wrk's 16 connections): the
    # harness's cost per request with the server's cost held equal.
    same_request_suite "$work/list-read.yaml"
    "$bin" run --profile "$profile" --target "$url" --scenarios "$work/list-read.yaml" --jobs 16 \
        --report "json:$work/list-read.json" >/dev/null
    same_requests=$(requests_of "$work/list-read.json")
    same_rate=$(rate_of "$same_requests" "$(jq '.duration_ms' "$work/list-read.json")")
    echo "wrk, refused token (alg none): $refused_rate req/s"
    echo "harness, wrk's own request ($same_requests requests): $same_rate req/s"
    printf '%s\n' "${ratios[@]}" | sort -n | awk -v n="$rounds" '
        { r[NR] = $1 }
        END { printf "ratio harness / wrk (valid token), whole suite: median %d%% of %d rounds, lowest %d%%\n", r[int((n + 1) / 2)], n, r[1] }'
    awk -v h="$same_rate" -v w="$valid_rate" 'BEGIN { printf "ratio harness / wrk (valid token, last round), the same request: %.0f%%\n", 100 * h / w }'
else
    echo
    echo "2. skipped: wrk is not installed (apt-get install wrk)"
fi

echo
echo "3. a hostile target whose every answer is an endless body (scripts/endless-body.py)"
python3 scripts/endless-body.py >"$work/endless.out" 2>"$work/endless.err" &
endless_pid=$!
endless=""
for _ in $(seq 1 100); do
    endless=$(sed -n 's/^listening on //p' "$work/endless.out")
    [ -n "$endless" ] && break
    sleep 0.1
done
if [ -n "$endless" ]; then
    set +e
    # All five reports, as in part 1: the same 100 MB bound holds for the whole suite.
    /usr/bin/time -f "%e %M" -o "$work/endless.time" "$bin" run --target "$endless" --seed 1 \
        --report "json:$work/endless.json" --report "junit:$work/endless.xml" \
        --report "sarif:$work/endless.sarif" --report "markdown:$work/endless.md" \
        --report "html:$work/endless.html" >/dev/null 2>"$work/endless.run.err"
    code=$?
    set -e
    # GNU time writes "Command exited with non-zero status N" first when the run fails the gate.
    read -r wall rss < <(tail -n 1 "$work/endless.time")
    printf 'endless bodies: exit %d, wall %.1f s, peak RSS %d MiB, %d cases\n' "$code" "$wall" \
        "$((rss / 1024))" "$(jq '.cases | length' "$work/endless.json" 2>/dev/null || echo 0)"
fi
kill "$endless_pid" 2>/dev/null || true
wait "$endless_pid" 2>/dev/null || true

if [ "${SELFTEST:-0}" = 1 ]; then
    echo
    /usr/bin/time -f "selftest: wall %e s, max RSS %M KiB" "$bin" selftest >/dev/null 2>"$work/selftest.err" || true
    tail -n 2 "$work/selftest.err"
fi
