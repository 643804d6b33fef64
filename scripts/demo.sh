#!/usr/bin/env bash
# The whole job end to end on this machine: installs what is missing, builds, starts a local
# MariaDB and the server over mTLS, onboards members with creditshare-admin, has two lenders
# report lines for one borrower and a third query the total, then stops everything.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CREDITSHARE_BUILD_DIR:-$root/build}
work=$root/.demo

bash "$root/scripts/bootstrap.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target creditshare-server creditshare-admin creditshare

server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true
  fi
  bash "$root/scripts/testdb.sh" stop "$work/db"
  bash "$root/scripts/testdb.sh" stop "$work/restored" 2>/dev/null || true
}
trap cleanup EXIT

rm -rf "$work"; mkdir -p "$work"
CREDITSHARE_TESTDB_BINLOG=1 bash "$root/scripts/testdb.sh" start "$work/db"  # with a binary log (backups)
set -a; . "$work/db/env"; set +a

admin() { echo "+ creditshare-admin $*" >&2; "$build/server/creditshare-admin" "$@"; }
step() { printf '\n== %s\n' "$*"; }

step "Schema, certificate authority and server certificate"
admin migrate
admin ca init --dir "$work/pki"
admin server-cert issue --ca-dir "$work/pki" --dns localhost --ip 127.0.0.1 --out "$work/pki"

step "Onboard members"
admin member create --code tj-bank --name "Tianjin Example Bank" --type bank --region 120000
admin member create --code weili-micro --name "Example Online Micro-lender" --type micro_lender --region 440300
admin member create --code bohai-cf --name "Bohai Example Consumer Finance" --type consumer_finance --region 120100
admin member create --code pboc-tj --name "Regulator, Tianjin office" --type regulator --region 120000
admin member create --code quiet-micro --name "Example Micro-lender that never reports" --type micro_lender --region 120000
for m in tj-bank weili-micro bohai-cf pboc-tj quiet-micro; do admin credential issue "$m" --ca-dir "$work/pki" --out "$work/creds"; done
admin member list

step "Start creditshare-server"
cp "$work/pki/ca.crt" "$work/client-ca.pem"  # the member CAs it trusts, read again every second
openssl rand -hex 32 >"$work/hmac.key"  # text: a trailing newline is not part of the key
# Every listener on a free port of the server's choosing (port 0); the server logs the API port.
"$build/server/creditshare-server" --listen "127.0.0.1:0" --metrics-listen "127.0.0.1:0" \
  --health-listen "127.0.0.1:0" --tls-cert "$work/pki/server.crt" \
  --tls-key "$work/pki/server.key" --client-ca "$work/client-ca.pem" --hmac-key-file "$work/hmac.key" \
  --policy-file "$root/config/credit-policy.json" --auth-cache-ms 1000 --tls-reload-interval-s 1 \
  --key-set-reload-interval-s 1 \
  2>"$work/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*event=server_started.* port=\([0-9]*\).*/\1/p' "$work/server.log" | head -1)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || { echo "demo: creditshare-server did not start; its log:" >&2; cat "$work/server.log" >&2; exit 1; }
grep -o 'event=server_started.*' "$work/server.log"

as_member() {
  local m=$1; shift
  echo "+ [$m] creditshare $*" >&2
  "$build/client/creditshare" --target "localhost:$port" --ca "$work/pki/ca.crt" \
    --cert "$work/creds/$m.crt" --key "$work/creds/$m.key" "$@"
}
borrower=120101199003071235

step "Two lenders report credit lines for the same borrower"
as_member tj-bank report --account-ref TJB-0001 --resident-id $borrower --product credit_card \
  --limit 50000 --balance 8200.50 --opened 2024-03-01 --status open --as-of 2026-10-31 --request-id tjb-2026-10-0001
as_member tj-bank report --account-ref TJB-0002 --resident-id $borrower --product instalment_consumer_loan \
  --limit 120000 --balance 96000 --opened 2025-06-15 --status open --as-of 2026-10-31 --request-id tjb-2026-10-0002
as_member weili-micro report --account-ref WL-88 --resident-id $borrower --product online_micro_loan \
  --limit 30000 --balance 29000 --opened 2026-09-20 --status open --dpd 12 --overdue 1500 \
  --first-delinquency 2026-10-19 --as-of 2026-10-31
echo "Replaying the same request id returns the first result and changes nothing:"
as_member tj-bank report --account-ref TJB-0001 --resident-id $borrower --product credit_card \
  --limit 50000 --balance 8200.50 --opened 2024-03-01 --status open --as-of 2026-10-31 --request-id tjb-2026-10-0001

step "A third lender checks the borrower before approving a loan"
as_member bohai-cf exposure --resident-id $borrower --purpose loan_approval --consent BH-CONSENT-7781

step "Before approving a 280,000 CNY online micro-loan, the third lender asks for decision signals"
as_member bohai-cf check --resident-id $borrower --purpose loan_approval --consent BH-CONSENT-7781 \
  --product online_micro_loan --limit 280000

step "It reserves 250,000 while approving; a second reservation that would breach the cap is refused"
as_member bohai-cf reserve --resident-id $borrower --purpose loan_approval --consent BH-CONSENT-7781 \
  --product online_micro_loan --amount 250000 --account-ref BH-2026-0042 --request-id bh-rsv-42
as_member tj-bank reserve --resident-id $borrower --purpose loan_approval --consent TJB-C-9 \
  --product online_micro_loan --amount 50000 || true

step "The lender that owns lines sees them in full"
as_member tj-bank exposure --resident-id $borrower --purpose post_loan_management --consent TJB-PL-2026-11

step "Post-loan monitoring: what tj-bank was told about its borrower so far (never who, only lender #N)"
as_member tj-bank alerts list 2>"$work/alerts-list.err"
cursor=$(sed -n 's/^next cursor: \(a[0-9]*\).*/\1/p' "$work/alerts-list.err")
echo "next cursor: $cursor"
echo "$cursor" >"$work/tj-bank.alerts.cursor"

step "tj-bank follows its alerts; weili-micro reports a new line for the borrower and tj-bank hears of it"
as_member tj-bank alerts watch --cursor-file "$work/tj-bank.alerts.cursor" --count 1 &
watcher=$!
sleep 1
as_member weili-micro report --account-ref WL-89 --resident-id $borrower --product online_micro_loan \
  --limit 20000 --balance 20000 --opened 2026-11-02 --status open --as-of 2026-11-02 >/dev/null
for _ in $(seq 1 300); do kill -0 $watcher 2>/dev/null || break; sleep 0.1; done
if kill -0 $watcher 2>/dev/null; then
  kill $watcher; echo "demo: the alert did not arrive within 30 s" >&2; exit 1
fi
wait $watcher
echo "cursor file now holds $(cat "$work/tj-bank.alerts.cursor"): a restarted watcher resumes after it"

step "Bad input is refused with the field named"
as_member bohai-cf exposure --resident-id 120101199003071236 --purpose loan_approval --consent X || true

echo "A currency that is not an active ISO 4217 code is refused, and nothing is stored:"
as_member tj-bank report --account-ref TJB-0009 --resident-id $borrower --product credit_card --currency ZZZ \
  --limit 1000 --opened 2024-03-01 --status open --as-of 2026-10-31 || true

step "An independent client (Python grpcio) sends bytes that are no request: answered, logged and audited"
probe() {
  local m=$1 mode=$2; shift 2
  /usr/bin/python3 "$root/tests/integration/grpc_probe.py" "$mode" --target "localhost:$port" --ca "$work/pki/ca.crt" \
    --cert "$work/creds/$m.crt" --key "$work/creds/$m.key" "$@"
}
probe bohai-cf raw --method /creditshare.v1.InquiryService/GetBorrowerExposure --hex 0affffffff0f

step "A burst of 200 exposure calls at once from one lender waits in its queue: every one answered, none refused"
probe weili-micro burst --calls 200 --resident-id $borrower --timeout 60

step "Borrower queries read each borrower's stored state, one row; every change clears it in its own transaction, the server rebuilds it"
metrics_port=$(sed -n 's/.*event=server_started.* metrics_port=\([0-9]*\).*/\1/p' "$work/server.log" | head -1)
python3 -c "import sys, urllib.request
for l in urllib.request.urlopen('http://127.0.0.1:$metrics_port/metrics').read().decode().splitlines():
    if l.startswith('creditshare_borrower_state'): print(l)"
mariadb --no-defaults -uroot --socket="$CREDITSHARE_TESTDB_SOCKET" -N creditshare \
  -e "SELECT CONCAT(COUNT(*), ' borrowers, ', SUM(state IS NOT NULL), ' with a built state') FROM borrowers"
admin borrower build-states  # what an operator runs after migration 0019 or a large load

step "A late report reveals that TJB-0001 was 35 days past due in September (history: 2N)"
as_member tj-bank report --account-ref TJB-0001 --resident-id $borrower --product credit_card \
  --limit 50000 --balance 8200.50 --opened 2024-03-01 --status open --as-of 2026-09-30 --dpd 35 --overdue 500 \
  --first-delinquency 2026-08-26 --request-id tjb-2026-09-0001
as_member tj-bank exposure --resident-id $borrower --purpose post_loan_management --consent TJB-PL-2026-11 |
  grep TJB-0001

step "Reciprocity: quiet-micro was onboarded 90 days ago and never reported, so it may not inquire"
echo "(the demo backdates its onboarding in the database; the policy gives 60 days' grace, then 45 days after each report)"
mariadb --no-defaults -uroot --socket="$CREDITSHARE_TESTDB_SOCKET" creditshare \
  -e "UPDATE members SET created_at = NOW() - INTERVAL 90 DAY WHERE code = 'quiet-micro'"
as_member quiet-micro exposure --resident-id $borrower --purpose loan_approval --consent QM-1 || true
echo "An operator exempts it (recorded), and the same inquiry is answered:"
admin member reciprocity quiet-micro --exempt on
sleep 1.1  # the server's --auth-cache-ms
as_member quiet-micro exposure --resident-id $borrower --purpose loan_approval --consent QM-1 | head -3

step "A regulator may not look at individual borrowers"
as_member pboc-tj exposure --resident-id $borrower --purpose loan_approval --consent X || true

step "A lender streams its book from a file (docs/samples/lines.csv); re-running it applies nothing twice"
cp "$root/docs/samples/lines.csv" "$work/book.csv"
as_member tj-bank report --file "$work/book.csv"
as_member tj-bank report --file "$work/book.csv"

step "Lenders report a month of lines for 40 more borrowers (for the regulator's statistics)"
# Valid resident IDs: Tianjin (12xxxx) and Beijing (11xxxx), check character per ISO 7064 MOD 11-2.
ids=$(python3 - <<'PY'
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
for n in range(40):
    body = ("120104" if n % 4 else "110108") + "1988%02d%02d" % (1 + n % 12, 1 + n % 28) + "%03d" % (200 + n)
    print(body + "10X98765432"[sum(int(c) * x for c, x in zip(body, w)) % 11])
PY
)
n=0
for id in $ids; do
  n=$((n + 1))
  as_member tj-bank report --account-ref "TJB-P-$n" --resident-id "$id" --product credit_card --limit 20000 \
    --balance $((n * 100)) --opened 2025-02-01 --status open --as-of 2026-10-31 --request-id "tjb-p-$n" >/dev/null 2>&1
  if [ $((n % 3)) -eq 0 ]; then
    as_member weili-micro report --account-ref "WL-P-$n" --resident-id "$id" --product online_micro_loan --limit 5000 \
      --balance 4000 --opened 2026-03-01 --status open --as-of 2026-10-31 --request-id "wl-p-$n" >/dev/null 2>&1
  fi
done
echo "reported $n borrowers"

step "The Tianjin regulator sees Tianjin only (its registered region); every figure is noisy, charged to its budget"
admin member regulator pboc-tj
echo "(At 40 borrowers the noise dominates: amounts are within ±48,000,000 CNY. A province of a national"
echo " bureau holds billions, where that is a fraction of a percent: docs/api.md, \"Disclosure control\".)"
as_member pboc-tj regulator aggregate --month 2026-10 --by prefecture,product_type
echo "Asking for Beijing is outside its scope:"
as_member pboc-tj regulator aggregate --month 2026-10 --region 11 || true
echo "The same question again: the same figures, and nothing charged:"
as_member pboc-tj regulator aggregate --month 2026-10 --by prefecture,product_type | tail -1

step "An operator grants national scope; the multi-lending series by province (each month costs ε)"
admin member regulator pboc-tj --scope national
as_member pboc-tj regulator aggregate --month 2026-10 --by province
as_member pboc-tj regulator multi-lending --from 2026-09 --to 2026-10

step "tj-bank's data-quality scorecard: what its feed sent this month, how late, how fresh, look-to-book"
month=$(date -u -d "+8 hours" +%Y-%m)  # the business month (China Standard Time)
as_member tj-bank scorecard --from "$month"
echo "Operators see every lender's (here as CSV):"
admin member scorecard --from "$month" --output csv

step "An operator revokes a credential; the running server refuses it within the auth cache time"
serial=$(admin credential list weili-micro --output json | grep '"serial"' | head -1 | cut -d'"' -f4)
admin credential revoke "$serial" --reason "demo: key rotation"
sleep 1.2
as_member weili-micro exposure --resident-id $borrower --purpose post_loan_management --consent WL-PL-1 || true
admin credential issue weili-micro --ca-dir "$work/pki" --out "$work/creds"
as_member weili-micro exposure --resident-id $borrower --purpose post_loan_management --consent WL-PL-1 | head -3

step "A second member CA, trusted beside the first by replacing the served CA file: no restart"
admin ca init --dir "$work/pki2"
admin credential issue tj-bank --ca-dir "$work/pki2" --out "$work/creds2"
cat "$work/pki/ca.crt" "$work/pki2/ca.crt" >"$work/client-ca.pem.new"
mv "$work/client-ca.pem.new" "$work/client-ca.pem"  # atomically, as a Secret volume does
sleep 1.5  # --tls-reload-interval-s 1
echo "+ [tj-bank, new CA] creditshare exposure" >&2
"$build/client/creditshare" --target "localhost:$port" --ca "$work/pki/ca.crt" --cert "$work/creds2/tj-bank.crt" \
  --key "$work/creds2/tj-bank.key" exposure --resident-id $borrower --purpose post_loan_management --consent TJ-PL-2 | head -3

step "The borrower key set rotated while the server runs: add, promote, re-key, retire; the same exposure throughout"
exposure() { as_member tj-bank exposure --resident-id $borrower --purpose post_loan_management --consent TJ-PL-3; }
exposure >"$work/exposure-before.txt"
admin keys add --key-set "$work/hmac.key"; sleep 1.5  # every server reads it (--key-set-reload-interval-s 1)
admin keys promote --key-set "$work/hmac.key"; sleep 1.5
admin keys rekey --key-set "$work/hmac.key" --batch 100
admin keys retire --key-set "$work/hmac.key"; sleep 1.5
exposure >"$work/exposure-after.txt"
cmp -s "$work/exposure-before.txt" "$work/exposure-after.txt" && echo "exposure identical before and after the rotation"
admin keys status --key-set "$work/hmac.key"
admin audit verify

step "Borrower protections on the borrower's verified request: a statement, a fraud alert, access notices, a freeze"
protect() { admin borrower protect --resident-id $borrower --hmac-key-file "$work/hmac.key" "$@"; }
protect --reference DEMO-REQ-1 --statement "本人从未申请过小额网贷 / I never applied for an online micro-loan." \
  --fraud-alert initial --notices on
as_member bohai-cf check --resident-id $borrower --purpose loan_approval --consent BH-CONSENT-7790 \
  --product online_micro_loan --limit 1000 | grep -E "STATEMENT|FRAUD|SIGNAL"
protect --reference DEMO-REQ-2 --freeze on
echo "quiet-micro lends nothing to the borrower, so its application inquiry is refused:"
as_member quiet-micro exposure --resident-id $borrower --purpose loan_approval --consent QM-2 || true
echo "tj-bank lends to the borrower and goes on:"
as_member tj-bank exposure --resident-id $borrower --purpose post_loan_management --consent TJ-PL-4 | grep -E "FROZEN|FRAUD"
protect --reference DEMO-REQ-3 --freeze off
as_member quiet-micro exposure --resident-id $borrower --purpose loan_approval --consent QM-3 | head -2
echo "The ID can come on stdin instead of the command line (kept out of ps and shell history):"
echo $borrower | admin borrower show --resident-id-file - --hmac-key-file "$work/hmac.key" --output json
echo "Access notices for the operator's delivery job (member type and purpose, never who):"
sleep 1; admin notices list --after 0 --settle-s 1
step "The borrower's own report (JSON, and a printable page): every lender named, disputes, protections, inquiries"
admin borrower report --resident-id $borrower --hmac-key-file "$work/hmac.key" --reference DEMO-REQ-4 \
  --html "$work/borrower-report.html" --output json | python3 -c '
import json, sys
r = json.load(sys.stdin)
for l in r["lines"]: print("line %-12s at %-36s %s %s" % (l["account_reference"], l["lender"], l["status"], "disputed" if l["disputed"] else ""))
print("%d disputes, %d inquiries since %s; statement: %s" % (len(r["disputes"]), len(r["inquiries"]), r["inquiries_since"], r["protections"]["statement"]))'
echo "printable page: $work/borrower-report.html"

step "Retention per episode: September's delinquency ended with the October report, so it goes on 2031-10-31"
admin retention purge --today 2031-10-30
admin retention purge --today 2031-10-31

step "A hot backup while the server runs; a later report; a fresh MariaDB restored to the moment between"
dbsock="--socket=$work/db/mariadb.sock"
bash "$root/scripts/backup.sh" take --out "$work/backup" "$dbsock" --user=root
sleep 1.1; restore_point=$(date -u '+%Y-%m-%d %H:%M:%S'); sleep 1.1
as_member tj-bank report --account-ref TJB-AFTER --resident-id $borrower --product credit_card --limit 10000 \
  --balance 0 --opened 2026-11-01 --status open --as-of 2026-11-30 --request-id tjb-after >/dev/null
bash "$root/scripts/backup.sh" restore --from "$work/backup" --datadir "$work/restored/data"
cp "$work/db/password" "$work/restored/password"
bash "$root/scripts/testdb.sh" adopt "$work/restored"
bash "$root/scripts/backup.sh" replay --from "$work/backup" --binlogs "$work/db/data" --until "$restore_point" \
  "--socket=$work/restored/mariadb.sock" --user=root
count() { mariadb --no-defaults -uroot --socket="$1" -N -e "SELECT COUNT(*) FROM creditshare.credit_lines WHERE account_reference = 'TJB-AFTER'"; }
echo "the later report: $(count "$work/db/mariadb.sock") in the live database, $(count "$work/restored/mariadb.sock") in the one restored to $restore_point"
(set -a; . "$work/restored/env"; set +a
 bash "$root/scripts/backup.sh" check --admin "$build/server/creditshare-admin" "--socket=$work/restored/mariadb.sock" --user=root)

step "The audit log: each connection chains its records as it writes them (a lane each), checkpointed into lane 0; on the restored copy, a lane's last record removed and its head moved back is named"
(set -a; . "$work/restored/env"; set +a
 admin audit seal
 admin audit verify
 mariadb --no-defaults -uroot --socket="$work/restored/mariadb.sock" creditshare -e "
   SET @lane = (SELECT lane FROM audit_checkpoints ORDER BY seq DESC LIMIT 1);
   DELETE FROM audit_log WHERE lane = @lane AND chain_seq = (SELECT seq FROM audit_lanes WHERE lane = @lane);
   UPDATE audit_lanes l JOIN audit_log a ON a.lane = l.lane AND a.chain_seq = l.seq - 1
     SET l.seq = l.seq - 1, l.hash = a.hash WHERE l.lane = @lane;"
 admin audit verify || echo "(exit $?: the cut is found)")

step "Done; server log (one line per call):"
tail -n 5 "$work/server.log"
