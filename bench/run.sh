#!/usr/bin/env bash
# Reproduces every figure in docs/benchmarks.md on this machine: a throwaway MariaDB (durable
# settings), creditshare-server, 24 members, a generated population loaded through the bulk API,
# then load runs against the service and, side by side, the baselines: a bare gRPC echo server
# (same TLS, same threading model) and raw point SELECTs / multi-row INSERTs through the same
# connector. Finally the population is scaled up in SQL to compare latency at a larger size.
#
#   bench/run.sh                 full run (100,000 borrowers, scaled to 1,000,000), writes docs/benchmarks.md
#   bench/run.sh --smoke OUT.md  a few seconds on a tiny population (what CI runs)
#   options: --borrowers N --scale-to N --duration S --concurrency C --buffer-pool SIZE --out FILE
#
# The database's buffer pool (default 3G; 256M for the smoke run) holds the 1,000,000-borrower
# working set, as a production database's would. With the tests' 256M, pages of those tables were
# evicted and read back all the time, and the regulator report at 1,000,000 took 10 to 39 s.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CREDITSHARE_BUILD_DIR:-$root/build}
borrowers=100000; scale_to=1000000; duration=15; concurrency=16; out=$root/docs/benchmarks.md; smoke=0
buffer_pool=3G
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1; borrowers=300; scale_to=0; duration=2; concurrency=4; buffer_pool=256M
             # an optional output path may follow (not another option)
             out=$build/benchmarks-smoke.md
             if [ $# -ge 2 ] && [ "${2#--}" = "$2" ]; then out=$2; shift; fi ;;
    --borrowers) borrowers=$2; shift ;;
    --scale-to) scale_to=$2; shift ;;
    --duration) duration=$2; shift ;;
    --concurrency) concurrency=$2; shift ;;
    --buffer-pool) buffer_pool=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if [ -z "${CREDITSHARE_BENCH_SKIP_BUILD:-}" ]; then  # ctest sets it: the binaries are already built
  bash "$root/scripts/bootstrap.sh"
  cmake -S "$root" -B "$build" >/dev/null
  cmake --build "$build" -j"$(nproc)" --target creditshare-server creditshare-admin creditshare creditshare-bench
fi

work=$build/bench-run
server_pid=""; echo_pid=""
cleanup() {
  for p in $server_pid $echo_pid; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash "$root/scripts/testdb.sh" stop "$work/db"
}
trap cleanup EXIT
rm -rf "$work"; mkdir -p "$work"
CREDITSHARE_TESTDB_BUFFER_POOL=$buffer_pool bash "$root/scripts/testdb.sh" start "$work/db" >/dev/null
set -a; . "$work/db/env"; set +a
admin() { "$build/server/creditshare-admin" "$@" >/dev/null; }
bench() { "$build/bench/creditshare-bench" "$@"; }

admin migrate
admin ca init --dir "$work/pki"
admin server-cert issue --ca-dir "$work/pki" --dns localhost --ip 127.0.0.1 --out "$work/pki"
: >"$work/members.txt"
for type in bank consumer_finance micro_lender; do
  for i in $(seq 1 8); do
    code="$type-$i"
    admin member create --code "$code" --name "Bench $code" --type "$type" --region 120000
    admin credential issue "$code" --ca-dir "$work/pki" --out "$work/creds"
    echo "$code $work/creds/$code.crt $work/creds/$code.key" >>"$work/members.txt"
  done
done
admin member create --code regulator --name "Bench regulator" --type regulator --region 120000
admin credential issue regulator --ca-dir "$work/pki" --out "$work/creds"

openssl rand -hex 32 >"$work/hmac.key"  # text: a trailing newline is not part of the key
# Both servers bind a free port of their own choosing (port 0) and log it: a port picked here
# could be taken by another process in the meantime, and probing it would then find that process.
db_pool=16  # the server's, and the in-process runs' (they measure the same work)
"$build/server/creditshare-server" --listen "127.0.0.1:0" --tls-cert "$work/pki/server.crt" \
  --tls-key "$work/pki/server.key" --client-ca "$work/pki/ca.crt" --hmac-key-file "$work/hmac.key" \
  --policy-file "$root/config/credit-policy.json" --metrics-listen "" --health-listen "" \
  --db-pool-size "$db_pool" --workers "$db_pool" --member-max-calls "$db_pool" --member-max-queued 4096 \
  2>"$work/server.log" &
server_pid=$!
"$build/bench/creditshare-bench" echo-server --listen "127.0.0.1:0" --ca "$work/pki/ca.crt" \
  --cert "$work/pki/server.crt" --key "$work/pki/server.key" --max-threads 64 >"$work/echo.log" 2>&1 &
echo_pid=$!
port=""; echo_port=""
for _ in $(seq 1 300); do
  [ -n "$port" ] || port=$(sed -n 's/.*event=server_started.* port=\([0-9]*\).*/\1/p' "$work/server.log" | head -1)
  [ -n "$echo_port" ] || echo_port=$(sed -n 's/^echo server on port \([0-9]*\)$/\1/p' "$work/echo.log" | head -1)
  if [ -n "$port" ] && [ -n "$echo_port" ]; then break; fi
  kill -0 "$server_pid" 2>/dev/null && kill -0 "$echo_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ] || [ -z "$echo_port" ]; then
  echo "bench: a server did not start; their logs:" >&2
  cat "$work/server.log" "$work/echo.log" >&2
  exit 1
fi

results=$work/results.jsonl
# CPU per call of the server and of MariaDB, beside the whole machine's (see AddCpu in bench_main.cc).
mariadb_pid=$(cat "$work/db/mariadb.pid")
pids="server=$server_pid,mariadb=$mariadb_pid"
common=(--ca "$work/pki/ca.crt" --members "$work/members.txt" --ids "$work/ids.txt" --json "$results")
echo "== ingest $borrowers borrowers through the bulk API" >&2
bench ingest --target "localhost:$port" "${common[@]}" --borrowers "$borrowers"
echo "   $("$build/server/creditshare-admin" borrower build-states)" >&2
# Measure the steady state, not the tail of the load: build the ingest's borrower states (schema
# 0019) as an operator would after a bulk load, instead of waiting for the servers' sweep; then
# wait (up to 2 minutes) until the server has hash-chained the ingest's audit records.
for _ in $(seq 1 240); do
  pending=$(mariadb --no-defaults -uroot --socket="$CREDITSHARE_TESTDB_SOCKET" -N creditshare \
    -e "SELECT (SELECT COUNT(*) FROM audit_log WHERE chain_seq IS NULL) + (SELECT COUNT(*) FROM borrowers WHERE state IS NULL)")
  [ "$pending" -eq 0 ] && break
  sleep 0.5
done
# A run with more than 1 % errors still appears in the report (its errors column names the codes);
# the script finishes and exits non-zero only at the end.
failed_runs=0
load() {
  bench load "${common[@]}" --duration "$duration" --cpu-pids "$pids" "$@" ||
    { echo "bench: a run had more than 1% errors: $*" >&2; failed_runs=$((failed_runs + 1)); }
}
echo "== closed-loop load, concurrency $concurrency" >&2
pids="server=$echo_pid,mariadb=$mariadb_pid" load --target "localhost:$echo_port" --method echo --concurrency "$concurrency" --label echo
load --target "localhost:$port" --method exposure --concurrency "$concurrency" --label exposure
# Open loop at 70% of the exposure maximum just measured (right after it: this machine's speed
# drifts within minutes, and 70% of a stale maximum can overload it), then at 35% for the latency
# floor: the latency a real arrival pattern sees.
max=$(python3 -c "import json,sys; r=[json.loads(l) for l in open('$results')]; print([x for x in r if x.get('label')=='exposure'][-1]['throughput'])")
for share in 70 35; do
  rate=$(python3 -c "print(max(1, round($share / 100 * $max)))")
  load --target "localhost:$port" --method exposure --concurrency $((concurrency * 4)) --rate "$rate" \
    --label "exposure-open-$share"
done
# A burst: at half the maximum, then 2 s at 150 % of it with up to 256 calls in flight, then half
# again. The queue absorbs it (no RESOURCE_EXHAUSTED); the run reports how soon latency is back.
half=$(python3 -c "print(max(1, round(0.5 * $max)))")
burst=$(python3 -c "print(max(1, round(1.5 * $max)))")
load --target "localhost:$port" --method exposure --concurrency 256 --rate "$half" --burst-rate "$burst" \
  --burst-at "$(python3 -c "print($duration / 4)")" --burst-seconds 2 --label exposure-burst-150
# The same calls without gRPC, soon after (the machine drifts): the service's own code reading
# the snapshot and writing the inquiry and audit records, on as many threads as calls in flight.
# What exposure loses to it is the RPC layer's cost; what it loses to echo is the database's.
in_process() {
  bench in-process --hmac-key-file "$work/hmac.key" --ids "$work/ids.txt" --json "$results" --duration "$duration" \
    --db-pool-size "$db_pool" --cpu-pids "$pids" "$@"
}
in_process --concurrency "$concurrency"
# The snapshot read alone (no inquiry or audit record): its share of the exposure's work.
in_process --concurrency "$concurrency" --read-only --label exposure-read-in-process
# One call at a time, both ways: the latency floor under every load.
load --target "localhost:$port" --method exposure --concurrency 1 --label exposure-alone
in_process --concurrency 1 --label exposure-in-process-alone
load --target "localhost:$port" --method check --concurrency "$concurrency" --label check
# The database parts of the modeled limit (a point read of a state-sized row, group-committed
# durable single-row appends) and the ingest baselines, at the same concurrency, close to the
# exposure and check runs they are compared with.
echo "== baselines: point reads, durable appends, multi-row INSERTs" >&2
bench db-baseline --concurrency "$concurrency" --duration "$duration" --insert-rows $((smoke ? 5000 : 200000)) \
  --cpu-pids "$pids" --json "$results"
load --target "localhost:$port" --method report --concurrency "$concurrency" --label report
# The same report load with every member following its alerts: what a watcher costs the writers,
# and the delay from an alert's commit to its arrival at the client.
load --target "localhost:$port" --method report --concurrency "$concurrency" --label report-watched --watch
load --target "localhost:$port" --method mix --concurrency "$concurrency" --label mix
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")

aggregate_big=""; multi_lending_big=""
# Runs one regulator report (the CLI's `regulator` arguments) and prints its duration, or that it
# failed and why: a failed report must not read as a time (a run once showed "30 s" for a 30 s
# client deadline that had expired).
regulator_report() {
  local start end error secs status=0
  start=$(date +%s.%N)
  error=$("$build/client/creditshare" --target "localhost:$port" --ca "$work/pki/ca.crt" \
    --cert "$work/creds/regulator.crt" --key "$work/creds/regulator.key" regulator --timeout 900 \
    "$@" 2>&1 >/dev/null) || status=$?
  end=$(date +%s.%N)
  secs=$(python3 -c "print(round($end - $start, 2))")
  if [ "$status" -ne 0 ]; then
    echo "regulator report failed: $error" >&2
    echo "failed after $secs s ($(echo "$error" | tail -1))"
  else
    echo "$secs s"
  fi
}
# A lender's scorecard (six months) through the API, and every lender's through creditshare-admin
# (the figure is per lender): prints the durations, or that it failed.
scorecard_report() {
  local start end secs status=0 error
  start=$(date +%s.%N)
  error=$("$build/client/creditshare" --target "localhost:$port" --ca "$work/pki/ca.crt" \
    --cert "$work/creds/bank-1.crt" --key "$work/creds/bank-1.key" scorecard --output csv 2>&1 >/dev/null) || status=$?
  end=$(date +%s.%N)
  [ "$status" -eq 0 ] || { echo "scorecard failed: $error" >&2; echo "failed ($(echo "$error" | tail -1))"; return; }
  secs=$(python3 -c "print(round($end - $start, 2))")
  start=$(date +%s.%N)
  error=$(admin member scorecard --output csv 2>&1 >/dev/null) || status=$?
  end=$(date +%s.%N)
  [ "$status" -eq 0 ] || { echo "admin scorecard failed: $error" >&2; echo "$secs s (admin: failed)"; return; }
  echo "$secs s for one lender through the API, $(python3 -c "print(round(($end - $start) / 24, 2))") s per lender for all 24 through creditshare-admin"
}
# A rebuild of October's report summary through creditshare-admin: prints its duration.
summary_build() {
  local start end status=0 error
  start=$(date +%s.%N)
  error=$("$build/server/creditshare-admin" report-summary build --month 2026-10 \
    --policy-file "$root/config/credit-policy.json" 2>&1 >/dev/null) || status=$?
  end=$(date +%s.%N)
  [ "$status" -eq 0 ] || { echo "summary build failed: $error" >&2; echo "failed ($(echo "$error" | tail -1))"; return; }
  echo "$(python3 -c "print(round($end - $start, 2))") s"
}
export SUMMARY_BUILD_SMALL SUMMARY_BUILD_BIG="" AGGREGATE_FIRST_SMALL
aggregate_report=(aggregate --month 2026-10 --by province,product_type --output csv)
multi_lending_report=(multi-lending --from 2026-10 --to 2026-10)
# The first report of the month builds its summary; the next ones read it.
AGGREGATE_FIRST_SMALL=$(regulator_report "${aggregate_report[@]}")
aggregate_small=$(regulator_report "${aggregate_report[@]}")
multi_lending_small=$(regulator_report "${multi_lending_report[@]}")
SUMMARY_BUILD_SMALL=$(summary_build)
export SCORECARD_SMALL SCORECARD_BIG=""
SCORECARD_SMALL=$(scorecard_report)
if [ "$scale_to" -gt "$borrowers" ]; then
  # The reference for the size comparison is measured right before scaling: every run adds
  # inquiries that the exposure read counts, so the first exposure run would flatter the small size.
  load --target "localhost:$port" --method exposure --concurrency "$concurrency" --label exposure-before-scale
  echo "== scale to $scale_to borrowers in SQL, then measure again" >&2
  extra=$((scale_to - borrowers))
  mariadb --no-defaults -uroot --socket="$CREDITSHARE_TESTDB_SOCKET" creditshare <<SQL
SET SESSION sql_log_bin = 0;
SET @first_borrower = (SELECT COALESCE(MAX(id), 0) FROM borrowers);
INSERT INTO borrowers (borrower_key, region_code, birth_year)
  SELECT UNHEX(SHA2(CONCAT('synthetic-', seq), 256)),
         ELT(1 + seq % 6, '120101', '110105', '310104', '440305', '510107', '330106'), 1960 + seq % 45
  FROM seq_1_to_${extra};
-- The lines' trigger clears borrowers.state, so the statement may not read borrowers itself.
CREATE TEMPORARY TABLE new_borrowers AS SELECT id FROM borrowers WHERE id > @first_borrower;
SET @first_line = (SELECT COALESCE(MAX(id), 0) FROM credit_lines);
INSERT INTO credit_lines (public_id, member_id, account_reference, borrower_id, product_type, currency,
    credit_limit_minor, outstanding_balance_minor, opened_date, status, days_past_due, overdue_amount_minor,
    as_of_date, version, ledger_months)
  SELECT CONCAT('s', LPAD(b.id, 19, '0')), 1 + b.id % 24, CONCAT('SYN-', b.id), b.id, 1 + b.id % 5, 'CNY',
         100000 * (1 + b.id % 500), 50000 * (b.id % 300), '2024-01-15', 1, 0, 0, '2026-10-31', 1, '20261031N-'
  FROM new_borrowers b;
INSERT INTO credit_line_months (line_id, month, status_code, credit_limit_minor, classification,
    outstanding_balance_minor, days_past_due, overdue_amount_minor, scheduled_payment_minor, actual_payment_minor,
    as_of_date, corrected, line_status)
  SELECT id, '2026-10-01', 'N', credit_limit_minor, 1, outstanding_balance_minor, 0, 0, 0, 0, '2026-10-31', 0, 1
  FROM credit_lines WHERE id > @first_line;
ANALYZE TABLE borrowers, credit_lines, credit_line_months;
SQL
  # The new borrowers' states, built before measuring (the servers' sweep would otherwise spend
  # the next minutes on them, beside the load).
  echo "   $("$build/server/creditshare-admin" borrower build-states)" >&2
  load --target "localhost:$port" --method exposure --concurrency "$concurrency" --label exposure-scaled
  SUMMARY_BUILD_BIG=$(summary_build)
  aggregate_big=$(regulator_report "${aggregate_report[@]}")
  multi_lending_big=$(regulator_report "${multi_lending_report[@]}")
  # A/B: reporting with summaries being rebuilt back to back (what the server's refresh does
  # every 5 minutes, continuously) against reporting without.
  load --target "localhost:$port" --method report --concurrency "$concurrency" --label report-scaled
  ( while summary_build >/dev/null; do :; done ) &
  builder_pid=$!
  load --target "localhost:$port" --method report --concurrency "$concurrency" --label report-scaled-building
  kill "$builder_pid" 2>/dev/null; wait "$builder_pid" 2>/dev/null || true
  SCORECARD_BIG=$(scorecard_report)
fi

python3 - "$results" "$out" "$borrowers" "$scale_to" "$concurrency" "$duration" "$rss_kb" "$aggregate_small" \
  "$aggregate_big" "$multi_lending_small" "$multi_lending_big" "$smoke" "$buffer_pool" <<'PY'
import json, os, platform, subprocess, sys, datetime
(results, out, borrowers, scale_to, conc, duration, rss_kb, aggregate_small, aggregate_big, multi_small, multi_big,
 smoke, buffer_pool) = sys.argv[1:]
rows = [json.loads(l) for l in open(results)]
load = {r["label"]: r for r in rows if r["kind"] in ("load", "in-process")}
ingest = next(r for r in rows if r["kind"] == "ingest")
db = next(r for r in rows if r["kind"] == "db-baseline")
inproc, inproc_alone, alone = load["exposure-in-process"], load["exposure-in-process-alone"], load["exposure-alone"]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
def ratio(a, b): return f"{a / b:.2f}" if b else "n/a"
def at_sizes(small, big):  # a report's duration (or failure) at the loaded size, and at the scaled one if measured
  return f"{small} at {int(borrowers):,} borrowers" + (f", {big} at {int(scale_to):,} borrowers" if big else "")
CODES = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
         "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
         "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"]
def errors(r):
    by = r.get("errors_by_code", {})
    if not by: return str(r["errors"])
    return f"{r['errors']} (" + ", ".join(f"{CODES[int(c)] if int(c) < len(CODES) else c} {n}" for c, n in sorted(by.items())) + ")"
def row(label):
    r = load.get(label)
    if not r: return f"| {label} | – | – | – | – | – | – |"
    return (f"| {label} | {r['throughput']:.0f} | {r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} | "
            f"{r['p999_ms']:.2f} | {errors(r)} |")
echo, exp = load["echo"]["throughput"], load["exposure"]["throughput"]
chk = load.get("check", {}).get("throughput", 0)
# The modeled limit of one exposure: one RPC (echo), one point read of a row the size of a
# borrower's state, one share of a durable group commit; each part's machine time per call is the
# CPU time of every process during its run, per call, divided by the cores.
cores = os.cpu_count() or 1
def cpu_us(r): return r.get("machine_cpu_us_per_call", 0)
def machine_us(r): return cpu_us(r) / cores
parts = [("one RPC: bare gRPC echo, same TLS", load["echo"]["throughput"], machine_us(load["echo"])),
         (f"one point read of a {db['state_read']['row_bytes']}-byte row by primary key", db["state_read"]["per_second"],
          machine_us(db["state_read"])),
         ("one durable append: single-row INSERT of an audit-sized row, its own commit "
          "(`innodb_flush_log_at_trx_commit=1`, group-committed across the connections)",
          db["durable_append"]["per_second"], machine_us(db["durable_append"]))]
model_us = sum(p[2] for p in parts)
limit = 1e6 / model_us if model_us else 0
def cpu_row(label, r):
    if not r: return f"| {label} | – | – | – | – | – | – | – |"
    c, sw = r.get("cpu_us_per_call", {}), r.get("switches_per_call", {})
    return (f"| {label} | {r.get('throughput', r.get('per_second', 0)):.0f} | {r.get('machine_busy_cores', 0):.2f} | "
            f"{cpu_us(r):.0f} | {c.get('server', 0):.0f} | {c.get('mariadb', 0):.0f} | "
            f"{r.get('machine_switches_per_call', 0):.1f} | {sw.get('server', 0):.1f} |")
def recovery(seconds):
    return "not within the run" if seconds < 0 else f"{seconds:.1f} s"
def thread_rows(closed, open70):
    a = closed.get("threads_per_call", {}).get("server", {})
    b = open70.get("threads_per_call", {}).get("server", {})
    names = sorted(set(a) | set(b), key=lambda n: -a.get(n, {}).get("cpu_us", 0))
    counts = closed.get("thread_counts", {}).get("server", {})
    cell = lambda g, k, f: f.format(g[k]) if k in g else "–"
    return [f"| {n} | {counts.get(n, '–')} | {cell(a.get(n, {}), 'cpu_us', '{:.0f}')} | "
            f"{cell(a.get(n, {}), 'switches', '{:.2f}')} | {cell(b.get(n, {}), 'cpu_us', '{:.0f}')} | "
            f"{cell(b.get(n, {}), 'switches', '{:.2f}')} |" for n in names
            if a.get(n, {}).get("cpu_us", 0) + b.get(n, {}).get("cpu_us", 0) >= 1]
lines = [
  "# Benchmarks" + (" (smoke run: not figures to quote)" if smoke == "1" else ""), "",
  "How the figures are produced and how to read them: [performance.md](performance.md).", "",
  f"Measured {datetime.date.today()} by `bench/run.sh` on {os.cpu_count()} cores ({cpu}), "
  f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') // 2**30} GiB, {platform.platform()}. "
  f"MariaDB 10.11 with InnoDB, `innodb_flush_log_at_trx_commit=1` and a {buffer_pool} buffer pool, everything on this one machine "
  "(client, server, database share the cores). Absolute numbers drift with the machine; the ratios to "
  "the baselines measured in the same run are what to compare.", "",
  f"Population: {int(borrowers):,} borrowers loaded through the bulk API ({ingest['records']:,} lines, 24 members "
  f"of three lender types, 12 regions, 1-15 lines per borrower, about 6% past due; each lender's records in its own "
  f"shuffled order). Load: {conc} calls kept in flight by the async gRPC client on one completion-queue thread, "
  f"{duration} s per run after a 1 s warm-up, one mTLS channel per member; the open-loop run issues calls on "
  f"schedule (at most {int(conc) * 4} in flight) and counts latency from each call's due time. The `in-process` "
  "runs do the exposure call's work in the benchmark program through the service's own code, without gRPC: parse "
  "and key the ID, read the snapshot, write the inquiry and audit records through the group commit, compute the "
  "exposure; `exposure-read-in-process` only reads the snapshot (the borrower's stored state and inquiry rows). "
  "`-alone` runs keep one call going.", "",
  "| run | calls/s | p50 ms | p90 ms | p99 ms | p99.9 ms | errors |", "|---|---|---|---|---|---|---|",
  row("echo"), row("exposure"), row("exposure-in-process"), row("exposure-read-in-process"), row("exposure-alone"),
  row("exposure-in-process-alone"),
  row("check"), row("report"), row("report-watched"), row("mix"), row("exposure-open-70"),
  row("exposure-open-35"), row("exposure-burst-150"),
  row("exposure-before-scale"), row("exposure-scaled"), "",
  "| target | measured | baseline | ratio | goal |", "|---|---|---|---|---|",
  f"| exposure throughput vs the modeled limit (below) | {exp:.0f}/s | {limit:.0f}/s | {ratio(exp, limit)} | ≥ 0.7 |",
  f"| check throughput vs the modeled limit | {chk:.0f}/s | {limit:.0f}/s | {ratio(chk, limit)} | ≥ 0.7 |",
  f"| exposure throughput vs bare gRPC echo | {exp:.0f}/s | {echo:.0f}/s | {ratio(exp, echo)} | (context) |",
  f"| the exposure call's work without gRPC (in-process) vs bare gRPC echo | {inproc['throughput']:.0f}/s | "
  f"{echo:.0f}/s | {ratio(inproc['throughput'], echo)} | (the ceiling for the row above) |",
  f"| exposure throughput vs its own work without gRPC | {exp:.0f}/s | {inproc['throughput']:.0f}/s | "
  f"{ratio(exp, inproc['throughput'])} | (context: the RPC layer's share) |",
  f"| exposure p99 at 70% of its maximum (open loop) | {load.get('exposure-open-70', {}).get('p99_ms', 0):.2f} ms | – | – | ≤ 5 ms |",
  f"| exposure p99 at 35% of its maximum (open loop) | {load.get('exposure-open-35', {}).get('p99_ms', 0):.2f} ms | – | – | (context) |",
  f"| burst: 2 s at 150% of the maximum (256 in flight) between runs at 50%: RESOURCE_EXHAUSTED answers | "
  f"{load.get('exposure-burst-150', {}).get('errors_by_code', {}).get('8', 0)} | – | – | 0 |",
  f"| burst: latency back within 2x the pre-burst p99 ({load.get('exposure-burst-150', {}).get('baseline_p99_ms', 0):.2f} ms) after the burst | "
  f"{recovery(load.get('exposure-burst-150', {}).get('recovery_s', -1))} | – | – | ≤ 2 s |",
  f"| exposure p99 with one call at a time vs its own work without gRPC | {alone['p99_ms']:.2f} ms | "
  f"{inproc_alone['p99_ms']:.2f} ms | {ratio(alone['p99_ms'], inproc_alone['p99_ms'])} | (context: the floor) |",
  f"| bulk ingest vs raw multi-row INSERTs of the five rows a record writes | {ingest['records_per_second']:.0f} records/s | "
  f"{db['record_rows_insert_records_per_second']:.0f} records/s | "
  f"{ratio(ingest['records_per_second'], db['record_rows_insert_records_per_second'])} | ≥ 0.6 |",
  f"| bulk ingest vs raw 500-row INSERTs into one table | {ingest['records_per_second']:.0f} records/s | "
  f"{db['multirow_insert_rows_per_second']:.0f} rows/s | {ratio(ingest['records_per_second'], db['multirow_insert_rows_per_second'])} | (context) |",
]
if "exposure-scaled" in load:
    a, b = load["exposure-before-scale"]["p50_ms"], load["exposure-scaled"]["p50_ms"]
    lines.append(f"| exposure p50 at {int(scale_to):,} vs {int(borrowers):,} borrowers | {b:.2f} ms | {a:.2f} ms | "
                 f"{ratio(b, a)} | ≤ 1.2 |")
lines += [
  f"| server peak resident memory under the full load | {int(rss_kb) / 1024:.0f} MB | – | – | ≤ 300 MB |",
  f"| report throughput with every member watching its alerts vs without | "
  f"{load.get('report-watched', {}).get('throughput', 0):.0f}/s | {load.get('report', {}).get('throughput', 0):.0f}/s | "
  f"{ratio(load.get('report-watched', {}).get('throughput', 0), load.get('report', {}).get('throughput', 0))} | (context) |",
  f"| alert delay from commit to client at that load, p50 / p99 / max "
  f"({load.get('report-watched', {}).get('alerts_per_s', 0):.0f} alerts/s delivered) | "
  f"{load.get('report-watched', {}).get('alert_p50_ms', 0):.0f} / {load.get('report-watched', {}).get('alert_p99_ms', 0):.0f} / "
  f"{load.get('report-watched', {}).get('alert_max_ms', 0):.0f} ms | – | – | p99 ≤ 1000 ms |",
  f"| raw point SELECT by primary key ({conc} connections) | {db['point_selects_per_second']:.0f}/s | – | – | (context) |",
  "",
  "## The modeled limit", "",
  "What one exposure needs at the least, each part measured alone at the same concurrency in this run. A "
  "part's machine time per call is the CPU time of every process on the machine during its run (load "
  f"generator, server, MariaDB, kernel), per call, divided by the {cores} cores. The limit is 1 / (their sum).", "",
  "| part | calls/s alone | CPU µs per call, all processes | machine time µs per call |", "|---|---|---|---|",
  *[f"| {name} | {rate:.0f} | {us * cores:.1f} | {us:.1f} |" for name, rate, us in parts],
  f"| **modeled limit** (1 / {model_us:.1f} µs) | **{limit:.0f}** | | |",
  f"| exposure, for comparison | {exp:.0f} | {cpu_us(load['exposure']):.1f} | {machine_us(load['exposure']):.1f} |",
  f"| check, for comparison | {chk:.0f} | {cpu_us(load.get('check', {})):.1f} | {machine_us(load.get('check', {})):.1f} |", "",
  "## CPU per call", "",
  "Busy cores of the whole machine during each run, the CPU time per call of every process together, and "
  "that of the server process (the echo server for `echo`; idle for the in-process and database rows) "
  "and of MariaDB. The load generator and the kernel's own threads are the rest. Then context switches per "
  "call, of the whole machine and of the server's threads.", "",
  "| run | calls/s | machine busy cores | CPU µs per call, all | server CPU µs | MariaDB CPU µs | "
  "switches per call, all | server switches per call |",
  "|---|---|---|---|---|---|---|---|",
  cpu_row("echo", load.get("echo")), cpu_row("exposure", load.get("exposure")), cpu_row("check", load.get("check")),
  cpu_row("exposure-in-process", load.get("exposure-in-process")),
  cpu_row("exposure-read-in-process (the snapshot read alone)", load.get("exposure-read-in-process")),
  cpu_row("exposure-open-70", load.get("exposure-open-70")),
  cpu_row("mix", load.get("mix")), cpu_row("point read (state row)", db.get("state_read")),
  cpu_row("durable append", db.get("durable_append")), "",
  "The server's threads by name (`cs-` threads are the service's own: workers run the calls' database work, "
  "commit threads the group commit; the rest are gRPC's, `creditshare-ser` those that keep the process's "
  "name), per exposure call, closed loop (16 in flight) and open loop at 70 %:", "",
  "| thread | threads | closed: CPU µs | closed: switches | open 70 %: CPU µs | open 70 %: switches |",
  "|---|---|---|---|---|---|",
  *thread_rows(load.get("exposure", {}), load.get("exposure-open-70", {})), "",
  "Regulator report (`aggregate --by province,product_type`, one month, read from the month's summary) through "
  f"the CLI: {at_sizes(aggregate_small, aggregate_big)}; the first report of the month, which builds the summary, "
  f"{os.environ.get('AGGREGATE_FIRST_SMALL', '')} at the smaller size. Multi-lending report (`multi-lending`, one "
  f"month by province): {at_sizes(multi_small, multi_big)}. A rebuild of the month's summary "
  f"(`creditshare-admin report-summary build`): "
  f"{at_sizes(os.environ.get('SUMMARY_BUILD_SMALL', ''), os.environ.get('SUMMARY_BUILD_BIG', ''))}.", "",
  *([f"Unary reports at the larger size while summaries are rebuilt back to back: "
     f"{load['report-scaled-building']['throughput']:.0f}/s, against {load['report-scaled']['throughput']:.0f}/s "
     f"without ({ratio(load['report-scaled-building']['throughput'], load['report-scaled']['throughput'])}); "
     f"p99 {load['report-scaled-building'].get('p99_ms', 0):.1f} ms against {load['report-scaled'].get('p99_ms', 0):.1f} ms.", ""]
    if 'report-scaled' in load and 'report-scaled-building' in load else []),
  "Member scorecard (six months; receipts, the lender's lines with their records, its inquiries and "
  f"bookings): {at_sizes(os.environ.get('SCORECARD_SMALL', ''), os.environ.get('SCORECARD_BIG', ''))}.",
  "",
  "The scaled population adds borrowers, one line each and their October records in SQL (the bulk API "
  "at this machine's ingest rate would take too long for one run); exposure queries still ask for the "
  "borrowers loaded through the API, so the comparison shows the effect of table size. Its reference is the "
  "exposure run made right before scaling (`exposure-before-scale`): each run adds inquiries that the exposure "
  "read counts, so the first exposure run would flatter the smaller population.",
]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
if [ "$failed_runs" -gt 0 ]; then
  echo "bench: $failed_runs run(s) had more than 1% errors (see the errors column of $out)" >&2
  exit 1
fi
