#!/usr/bin/env bash
# Backup and restore times at 1,000,000 borrowers (docs/operations.md, "Backups and point-in-time
# recovery"): a throwaway MariaDB with a binary log, 1,000,000 borrowers with one line and one
# month each (in SQL, as bench/run.sh scales), then
#   1. a hot backup, a restore into a fresh server, its start and `backup.sh check`;
#   2. the worst case: a backup from before the load, restored, and the whole load replayed
#      from the binary log;
#   3. a logical backup (the Helm CronJob's) and its load into a fresh, empty server;
#   4. a borrower key set rotation: every borrower re-keyed (`creditshare-admin keys rekey`).
#   bench/restore-time.sh          (CREDITSHARE_BUILD_DIR: default build/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CREDITSHARE_BUILD_DIR:-$root/build}
d=$(mktemp -d /tmp/creditshare-restore-time.XXXXXX)
CREDITSHARE_TESTDB_BINLOG=1 CREDITSHARE_TESTDB_BUFFER_POOL=2G bash $root/scripts/testdb.sh start $d/db >/dev/null
set -a; . $d/db/env; set +a
$build/server/creditshare-admin migrate >/dev/null
sock=$d/db/mariadb.sock
bash $root/scripts/backup.sh take --out $d/backup0 --socket=$sock --user=root >/dev/null  # before the load
mariadb --no-defaults -uroot --socket=$sock creditshare <<SQL
INSERT INTO members (code, name, member_type, region_code) SELECT CONCAT('m', seq), CONCAT('m', seq), 1, '120000' FROM seq_1_to_24;
INSERT INTO borrowers (borrower_key, region_code, birth_year)
  SELECT UNHEX(SHA2(CONCAT('synthetic-', seq), 256)),
         ELT(1 + seq % 6, '120101', '110105', '310104', '440305', '510107', '330106'), 1960 + seq % 45
  FROM seq_1_to_1000000;
INSERT INTO credit_lines (public_id, member_id, account_reference, borrower_id, product_type, currency,
    credit_limit_minor, outstanding_balance_minor, opened_date, status, days_past_due, overdue_amount_minor,
    as_of_date, version, ledger_months)
  SELECT CONCAT('s', LPAD(b.id, 19, '0')), 1 + b.id % 24, CONCAT('SYN-', b.id), b.id, 1 + b.id % 5, 'CNY',
         100000 * (1 + b.id % 500), 50000 * (b.id % 300), '2024-01-15', 1, 0, 0, '2026-10-31', 1, '20261031N-'
  FROM borrowers b;
INSERT INTO credit_line_months (line_id, month, status_code, credit_limit_minor, classification,
    outstanding_balance_minor, days_past_due, overdue_amount_minor, scheduled_payment_minor, actual_payment_minor,
    as_of_date, corrected, line_status)
  SELECT id, '2026-10-01', 'N', credit_limit_minor, 1, outstanding_balance_minor, 0, 0, 0, 0, '2026-10-31', 0, 1
  FROM credit_lines;
SQL
du -sh $d/db/data
t0=$(date +%s.%N)
bash $root/scripts/backup.sh take --out $d/backup --socket=$sock --user=root
t1=$(date +%s.%N)
bash $root/scripts/backup.sh restore --from $d/backup --datadir $d/restored/data >/dev/null
cp $d/db/password $d/restored/password
bash $root/scripts/testdb.sh adopt $d/restored
t2=$(date +%s.%N)
bash $root/scripts/backup.sh replay --from $d/backup --binlogs $d/db/data --until "$(date -u '+%Y-%m-%d %H:%M:%S')" --socket=$d/restored/mariadb.sock --user=root
t3=$(date +%s.%N)
set -a; . $d/restored/env; set +a
bash $root/scripts/backup.sh check --admin $build/server/creditshare-admin --socket=$d/restored/mariadb.sock --user=root
t4=$(date +%s.%N)
du -sh $d/backup
python3 -c "print('backup %.1f s, restore+start %.1f s, replay %.1f s, check %.1f s' % ($t1-$t0, $t2-$t1, $t3-$t2, $t4-$t3))"
bash $root/scripts/testdb.sh stop $d/restored
# The worst case: a backup from before the whole load, and 1,000,000 borrowers replayed from the log.
t5=$(date +%s.%N)
bash $root/scripts/backup.sh restore --from $d/backup0 --datadir $d/restored0/data >/dev/null
cp $d/db/password $d/restored0/password
bash $root/scripts/testdb.sh adopt $d/restored0
bash $root/scripts/backup.sh replay --from $d/backup0 --binlogs $d/db/data --until "$(date -u -d '+1 min' '+%Y-%m-%d %H:%M:%S')" --socket=$d/restored0/mariadb.sock --user=root
t6=$(date +%s.%N)
mariadb --no-defaults -uroot --socket=$d/restored0/mariadb.sock -N -e "SELECT COUNT(*) FROM creditshare.credit_line_months"
python3 -c "print('restore of a pre-load backup + replay of 1,000,000 borrowers: %.1f s' % ($t6-$t5))"
bash $root/scripts/testdb.sh stop $d/restored0
# A logical backup, as the CronJob takes it over the network, and its load into an empty server.
t7=$(date +%s.%N)
bash $root/scripts/backup.sh take --logical --out $d/logical --socket=$sock --user=root
t8=$(date +%s.%N)
bash $root/scripts/testdb.sh start $d/restored1 >/dev/null
bash $root/scripts/backup.sh restore --from $d/logical --socket=$d/restored1/mariadb.sock --user=root
t9=$(date +%s.%N)
du -sh $d/logical
python3 -c "print('logical backup %.1f s, load into an empty server %.1f s' % ($t8-$t7, $t9-$t8))"
bash $root/scripts/testdb.sh stop $d/restored1
# Key set rotation: version 0 (a bare key) to version 1, every borrower re-keyed.
set -a; . $d/db/env; set +a
openssl rand -hex 32 >$d/hmac.key
$build/server/creditshare-admin keys add --key-set $d/hmac.key >/dev/null
$build/server/creditshare-admin keys promote --key-set $d/hmac.key >/dev/null
t10=$(date +%s.%N)
$build/server/creditshare-admin keys rekey --key-set $d/hmac.key --output json
t11=$(date +%s.%N)
python3 -c "print('re-keying 1,000,000 borrowers (batches of 1,000): %.1f s' % ($t11-$t10))"
bash $root/scripts/testdb.sh stop $d/db
rm -rf "$d"
