#!/usr/bin/env bash
# Hot backups of creditshare's MariaDB and point-in-time recovery (docs/operations.md, "Backups
# and point-in-time recovery"). Needs mariadb-backup and a server with a durable binary log
# (log_bin, sync_binlog=1, binlog_format=ROW).
#
#   scripts/backup.sh take --out DIR [client options]
#       A consistent hot backup while members keep reporting (mariadb-backup, on the database
#       host), prepared at once, with the binary-log position it ends at and DIR/manifest.json.
#   scripts/backup.sh take --logical --out DIR [--since PREVIOUS_DIR] [client options]
#       The same over the network, from anywhere (the Helm chart's backup CronJob): a dump in one
#       consistent snapshot (mariadb-dump --single-transaction) and a copy of the binary logs
#       from the dump's position (or PREVIOUS_DIR's, so that consecutive backups leave no gap in
#       the logs) to the end of the newest, for point-in-time recovery.
#   scripts/backup.sh restore --from DIR --datadir NEW
#       Copies a physical backup into NEW (empty) for a fresh mariadbd, which the operator then starts.
#   scripts/backup.sh restore --from DIR [client options]
#       Loads a logical backup into a fresh, running server.
#   scripts/backup.sh replay --from DIR --binlogs BINLOG_DIR --until 'YYYY-MM-DD HH:MM:SS' [client options]
#       Applies the source's binary logs (its data directory, or the copy a later logical backup
#       took with --since DIR) from the backup's position to the restored server, up to the first
#       event at or after --until (the source server's time zone). A transaction committed after
#       it is not applied.
#   scripts/backup.sh check --admin CREDITSHARE_ADMIN [client options]
#       After a restore: the schema version, row counts, the audit lanes' heads, and
#       `creditshare-admin audit verify` (which reads CREDITSHARE_DB_* from the environment).
#
# Client options (--socket=…, --host=…, --port=…, --user=…, --password=…) go to mariadb-backup,
# mariadb-dump, mariadb-binlog and mariadb as they are; --password-file F passes the password
# without putting it on a command line. Exit status 0 only if every step succeeded.
set -euo pipefail

cmd=${1:-}; [ -n "$cmd" ] && shift || true
usage() { sed -n '2,29p' "$0" >&2; exit 2; }
out=""; from=""; since=""; datadir=""; binlogs=""; until=""; admin=""; db=creditshare; client=(); logical=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift ;;
    --from) from=$2; shift ;;
    --since) since=$2; shift ;;
    --datadir) datadir=$2; shift ;;
    --binlogs) binlogs=$2; shift ;;
    --until) until=$2; shift ;;
    --admin) admin=$2; shift ;;
    --database) db=$2; shift ;;
    --logical) logical=1 ;;
    --password-file) MYSQL_PWD=$(cat "$2"); export MYSQL_PWD; shift ;;  # read by every MariaDB client
    --*) client+=("$1") ;;
    *) usage ;;
  esac
  shift
done
sql() { mariadb --no-defaults "${client[@]}" --batch --skip-column-names "$@"; }
# "FILE POS" of the binary-log position a backup is consistent at.
position_of() {
  if [ -f "$1/binlog_position" ]; then cat "$1/binlog_position"; else read -r f p _ <"$1/base/xtrabackup_binlog_info"; echo "$f $p"; fi
}
manifest() {  # manifest DIR STARTED FILE POS KIND [GAP_AFTER]
  local version
  version=$(sql -e "SELECT COALESCE(MAX(version), 0) FROM $db.schema_migrations")
  cat >"$1/manifest.json" <<JSON
{"kind": "$5", "started_at": "$2", "finished_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "binlog_file": "$3",
 "binlog_position": $4, "schema_version": $version, "database": "$db", "log_gap_after": "${6:-}"}
JSON
  echo "backup: $1 ($5, binlog $3:$4, schema $version)"
}

case "$cmd" in
  take)
    [ -n "$out" ] || usage
    [ ! -e "$out/base" ] && [ ! -e "$out/dump.sql" ] || { echo "backup: $out holds a backup; choose a new directory" >&2; exit 1; }
    mkdir -p "$out"
    started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    if [ "$logical" = 1 ]; then
      # One snapshot for every InnoDB table; --master-data=2 writes the position it is taken at
      # as a comment. Binary columns (keys, hashes) as hex, so the file is plain text.
      mariadb-dump --no-defaults "${client[@]}" --single-transaction --master-data=2 --hex-blob --routines \
        --triggers --databases "$db" >"$out/dump.sql.partial" 2>"$out/backup.log" ||
        { tail -20 "$out/backup.log" >&2; exit 1; }
      pos_line=$(head -c 65536 "$out/dump.sql.partial" | grep -m1 "CHANGE MASTER TO" || true)
      file=$(sed -n "s/.*MASTER_LOG_FILE='\([^']*\)'.*/\1/p" <<<"$pos_line")
      pos=$(sed -n 's/.*MASTER_LOG_POS=\([0-9]*\).*/\1/p' <<<"$pos_line")
      [ -n "$file" ] && [ -n "$pos" ] ||
        { echo "backup: the server keeps no binary log: point-in-time recovery needs log_bin" >&2; exit 1; }
      mv "$out/dump.sql.partial" "$out/dump.sql"
      echo "$file $pos" >"$out/binlog_position"
      # The logs from the dump's one (or the previous backup's) to the newest, as on the server.
      first=$file gap=""
      if [ -n "$since" ]; then
        read -r first _ <<<"$(position_of "$since")"
        # The server may have purged that log already: then this backup starts a new chain at its
        # own position, and its manifest says where the logs have a gap (no replay across it).
        if ! sql -e "SHOW BINARY LOGS" | awk '{print $1}' | grep -qxF "$first"; then
          echo "backup: $first (the start of $since) is no longer on the server; point-in-time recovery between $since and this backup is not possible" >&2
          gap=$since first=$file
        fi
      fi
      mkdir -p "$out/binlogs"
      mariadb-binlog --no-defaults "${client[@]}" --read-from-remote-server --raw --to-last-log \
        --result-file="$out/binlogs/" "$first" >>"$out/backup.log" 2>&1 || { tail -20 "$out/backup.log" >&2; exit 1; }
      manifest "$out" "$started" "$file" "$pos" logical "$gap"
      exit 0
    fi
    # No table locks for InnoDB: the copy is consistent at the binary-log position it records.
    mariadb-backup --no-defaults "${client[@]}" --backup --target-dir="$out/base" >"$out/backup.log" 2>&1 ||
      { tail -20 "$out/backup.log" >&2; exit 1; }
    mariadb-backup --no-defaults --prepare --target-dir="$out/base" >>"$out/backup.log" 2>&1 ||
      { tail -20 "$out/backup.log" >&2; exit 1; }
    read -r file pos _ <"$out/base/xtrabackup_binlog_info" || true
    [ -n "${file:-}" ] || { echo "backup: the server keeps no binary log: point-in-time recovery needs log_bin" >&2; exit 1; }
    echo "$file $pos" >"$out/binlog_position"
    manifest "$out" "$started" "$file" "$pos" physical
    ;;
  restore)
    [ -n "$from" ] || usage
    if [ -f "$from/dump.sql" ]; then
      [ -z "$datadir" ] || { echo "backup: $from is a logical backup: restore it into a running server, not a datadir" >&2; exit 1; }
      [ "$(sql -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$db'")" = 0 ] ||
        { echo "backup: database $db on the target server has tables; restore into an empty one" >&2; exit 1; }
      sql -e "SET GLOBAL max_allowed_packet = 1073741824"
      mariadb --no-defaults "${client[@]}" --max-allowed-packet=1G <"$from/dump.sql"
      echo "backup: loaded $from; now replay the binary logs"
      exit 0
    fi
    [ -n "$datadir" ] || usage
    [ -z "$(ls -A "$datadir" 2>/dev/null)" ] || { echo "backup: $datadir is not empty" >&2; exit 1; }
    mkdir -p "$datadir"
    mariadb-backup --no-defaults --copy-back --target-dir="$from/base" --datadir="$datadir" >"$from/restore.log" 2>&1 ||
      { tail -20 "$from/restore.log" >&2; exit 1; }
    echo "backup: restored $from into $datadir; start mariadbd on it, then replay the binary logs"
    ;;
  replay)
    [ -n "$from" ] && [ -n "$binlogs" ] && [ -n "$until" ] || usage
    read -r file pos <<<"$(position_of "$from")"
    # The backup's file and every later one, in order.
    logs=()
    # The same base name as the backup's log (not relay logs or other files), by sequence number.
    base=${file%.*}
    for f in $(ls "$binlogs" | grep -E "^${base//./\\.}\.[0-9]+$" | sort -t. -k2,2n); do
      [ "$((10#${f##*.}))" -lt "$((10#${file##*.}))" ] || logs+=("$binlogs/$f")
    done
    [ ${#logs[@]} -gt 0 ] || { echo "backup: no binary log from $file in $binlogs" >&2; exit 1; }
    # A multi-row statement of a large transaction is one event: allow the largest packet.
    sql -e "SET GLOBAL max_allowed_packet = 1073741824"
    mariadb-binlog --no-defaults --start-position="$pos" --stop-datetime="$until" "${logs[@]}" |
      mariadb --no-defaults "${client[@]}" --max-allowed-packet=1G
    echo "backup: replayed ${#logs[@]} binary log(s) from $file:$pos until $until"
    ;;
  check)
    [ -n "$admin" ] || usage
    echo "schema version: $(sql -e "SELECT COALESCE(MAX(version), 0) FROM $db.schema_migrations")"
    for t in members credentials borrowers credit_lines credit_line_months inquiries audit_log alerts report_receipts; do
      echo "$t: $(sql -e "SELECT COUNT(*) FROM $db.$t" 2>/dev/null || echo '-')"
    done
    echo "audit lanes: $(sql -e "SELECT CONCAT(COUNT(*), ' lanes, ', COALESCE(SUM(seq), 0), ' records') FROM $db.audit_lanes")"
    "$admin" audit verify
    ;;
  *) usage ;;
esac
