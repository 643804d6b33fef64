#!/usr/bin/env bash
# Hot backups of creditshare's MariaDB and point-in-time recovery (docs/operations.md, "Backups
# and point-in-time recovery"). Needs mariadb-backup and a server with a durable binary log
# (log_bin, sync_binlog=1, binlog_format=ROW).
#
#   scripts/backup.sh take --out DIR [client options]
#       A consistent hot backup while members keep reporting (mariadb-backup), prepared at once,
#       with the binary-log position it ends at and DIR/manifest.json.
#   scripts/backup.sh restore --from DIR --datadir NEW
#       Copies the backup into NEW (empty) for a fresh mariadbd, which the operator then starts.
#   scripts/backup.sh replay --from DIR --binlogs BINLOG_DIR --until 'YYYY-MM-DD HH:MM:SS' [client options]
#       Applies the source's binary logs from the backup's position to the restored server, up to
#       the first event at or after --until (the source server's time zone). A transaction
#       committed after it is not applied.
#   scripts/backup.sh check --admin CREDITSHARE_ADMIN [client options]
#       After a restore: the schema version, row counts, the audit chain head, and
#       `creditshare-admin audit verify` (which reads CREDITSHARE_DB_* from the environment).
#
# Client options (--socket=…, --host=…, --port=…, --user=…, --password=…) go to mariadb-backup,
# mariadb-binlog's consumer and mariadb as they are. Exit status 0 only if every step succeeded.
set -euo pipefail

cmd=${1:-}; [ -n "$cmd" ] && shift || true
usage() { sed -n '2,21p' "$0" >&2; exit 2; }
out=""; from=""; datadir=""; binlogs=""; until=""; admin=""; db=creditshare; client=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift ;;
    --from) from=$2; shift ;;
    --datadir) datadir=$2; shift ;;
    --binlogs) binlogs=$2; shift ;;
    --until) until=$2; shift ;;
    --admin) admin=$2; shift ;;
    --database) db=$2; shift ;;
    --*) client+=("$1") ;;
    *) usage ;;
  esac
  shift
done
sql() { mariadb --no-defaults "${client[@]}" --batch --skip-column-names "$@"; }

case "$cmd" in
  take)
    [ -n "$out" ] || usage
    [ ! -e "$out/base" ] || { echo "backup: $out/base exists; choose a new directory" >&2; exit 1; }
    mkdir -p "$out"
    started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    # No table locks for InnoDB: the copy is consistent at the binary-log position it records.
    mariadb-backup --no-defaults "${client[@]}" --backup --target-dir="$out/base" >"$out/backup.log" 2>&1 ||
      { tail -20 "$out/backup.log" >&2; exit 1; }
    mariadb-backup --no-defaults --prepare --target-dir="$out/base" >>"$out/backup.log" 2>&1 ||
      { tail -20 "$out/backup.log" >&2; exit 1; }
    read -r file pos gtid <"$out/base/xtrabackup_binlog_info" || true
    [ -n "${file:-}" ] || { echo "backup: the server keeps no binary log: point-in-time recovery needs log_bin" >&2; exit 1; }
    version=$(sql -e "SELECT COALESCE(MAX(version), 0) FROM $db.schema_migrations")
    cat >"$out/manifest.json" <<JSON
{"started_at": "$started", "finished_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "binlog_file": "$file",
 "binlog_position": $pos, "gtid": "${gtid:-}", "schema_version": $version, "database": "$db"}
JSON
    echo "backup: $out (binlog $file:$pos, schema $version)"
    ;;
  restore)
    [ -n "$from" ] && [ -n "$datadir" ] || usage
    [ -z "$(ls -A "$datadir" 2>/dev/null)" ] || { echo "backup: $datadir is not empty" >&2; exit 1; }
    mkdir -p "$datadir"
    mariadb-backup --no-defaults --copy-back --target-dir="$from/base" --datadir="$datadir" >"$from/restore.log" 2>&1 ||
      { tail -20 "$from/restore.log" >&2; exit 1; }
    echo "backup: restored $from into $datadir; start mariadbd on it, then replay the binary logs"
    ;;
  replay)
    [ -n "$from" ] && [ -n "$binlogs" ] && [ -n "$until" ] || usage
    read -r file pos _ <"$from/base/xtrabackup_binlog_info"
    # The backup's file and every later one, in order.
    logs=()
    for f in $(ls "$binlogs" | grep -E '^[^.]+\.[0-9]{6}$' | sort); do
      [[ "$f" < "$file" ]] || logs+=("$binlogs/$f")
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
    echo "audit chain head: $(sql -e "SELECT CONCAT(seq, ' ', LOWER(HEX(hash))) FROM $db.audit_chain_head WHERE id = 1")"
    "$admin" audit verify
    ;;
  *) usage ;;
esac
