#!/usr/bin/env bash
# A throwaway MariaDB for tests and the demo: its own datadir, loopback only, a real user with a
# random password, durable InnoDB settings. Never touches /etc/mysql or a system server.
#
#   scripts/testdb.sh start DIR   initialise DIR, start the server, write DIR/env
#   scripts/testdb.sh stop DIR    stop the server started in DIR (by its pid) and remove DIR
#   scripts/testdb.sh halt DIR    stop the server but keep DIR (to test an outage)
#   scripts/testdb.sh resume DIR  start the halted server again on the same port
#   scripts/testdb.sh crash DIR   SIGKILL the server (no shutdown: InnoDB recovers at resume)
#   scripts/testdb.sh freeze DIR  SIGSTOP the server: connections stay open, nothing answers (a hang)
#   scripts/testdb.sh thaw DIR    SIGCONT it
#   scripts/testdb.sh adopt DIR   start a server on DIR/data made elsewhere (a restored backup), on a
#                                 new port; DIR/password must hold the creditshare user's password
#
# DIR/env holds CREDITSHARE_DB_HOST/PORT/USER/PASSWORD_FILE/NAME for the server and tests.
# CREDITSHARE_TESTDB_BUFFER_POOL sets the InnoDB buffer pool (default 256M, plenty for tests).
# CREDITSHARE_TESTDB_BINLOG=1 keeps a durable binary log in DIR/data (for point-in-time recovery).
set -euo pipefail

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|halt|resume|crash|freeze|thaw|adopt DIR" >&2; exit 2; }

find_bin() { command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || true; }

stop_server() {
  local pidfile="$dir/mariadb.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -CONT "$pid" 2>/dev/null || true  # a frozen server takes TERM only once it runs again
    kill -TERM "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$pidfile"
}

user_opt=(); [ "$(id -u)" -eq 0 ] && user_opt=(--user=root)

# Runs mariadbd on $dir/data and waits until it answers; returns 1 if it exits first (e.g. the
# port was taken between choosing and binding it).
run_server() {
  local port=$1 MARIADBD pid
  MARIADBD=$(find_bin mariadbd)
  mkdir -p "$dir/tmp"
  local binlog_opt=()
  [ "${CREDITSHARE_TESTDB_BINLOG:-0}" = 1 ] &&
    binlog_opt=(--log-bin="$dir/data/binlog" --server-id=1 --binlog-format=ROW --sync-binlog=1)
  "$MARIADBD" --no-defaults "${user_opt[@]}" "${binlog_opt[@]}" --datadir="$dir/data" --tmpdir="$dir/tmp" --socket="$dir/mariadb.sock" \
    --port="$port" --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$dir/mariadb.pid" \
    --log-error="$dir/mariadb.err" --default-storage-engine=InnoDB --innodb-flush-log-at-trx-commit=1 \
    --innodb-buffer-pool-size="${CREDITSHARE_TESTDB_BUFFER_POOL:-256M}" --max-connections=500 --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_bin >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    [ -S "$dir/mariadb.sock" ] && mariadb --no-defaults -uroot --socket="$dir/mariadb.sock" -e 'SELECT 1' >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

start_failed() { echo "testdb: MariaDB did not start; its log:" >&2; cat "$dir/mariadb.err" >&2; exit 1; }

# A free loopback port (CREDITSHARE_TESTDB_PORT, or a random one, skipping those in use), the
# server on it; tries again elsewhere if another process takes the port before mariadbd binds.
start_on_free_port() {
  local started=0
  for _ in 1 2 3 4 5; do
    port=${CREDITSHARE_TESTDB_PORT:-$((20000 + RANDOM % 20000))}
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    if run_server "$port"; then started=1; break; fi
    rm -f "$dir/mariadb.sock" "$dir/mariadb.pid"
  done
  [ "$started" -eq 1 ] || start_failed
}

# DIR/env: how the server, the tests and creditshare-admin reach this database.
write_env() {
  cat >"$dir/env" <<ENV
CREDITSHARE_DB_HOST=127.0.0.1
CREDITSHARE_DB_PORT=$port
CREDITSHARE_DB_USER=creditshare
CREDITSHARE_DB_PASSWORD_FILE=$dir/password
CREDITSHARE_DB_NAME=creditshare
CREDITSHARE_TESTDB_SOCKET=$dir/mariadb.sock
ENV
}

case "$cmd" in
  start)
    INSTALL_DB=$(find_bin mariadb-install-db)
    [ -n "$(find_bin mariadbd)" ] && [ -n "$INSTALL_DB" ] || { echo "testdb: mariadb-server is not installed (run scripts/bootstrap.sh)" >&2; exit 1; }
    if [ -f "$dir/mariadb.pid" ]; then stop_server; fi
    rm -rf "$dir"; mkdir -p "$dir/data" "$dir/tmp"
    dir=$(cd "$dir" && pwd)
    # Each instance has its own tmpdir: a starting mariadbd deletes every #sql* file in its tmpdir,
    # so with a shared /tmp it deleted the temporary tables of another instance's bootstrap.
    "$INSTALL_DB" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" "${user_opt[@]}" --auth-root-authentication-method=normal \
      --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }

    start_on_free_port

    password=$(openssl rand -hex 16)
    printf '%s\n' "$password" >"$dir/password"; chmod 600 "$dir/password"
    # The test user may create databases: each integration test suite works in its own.
    mariadb --no-defaults -uroot --socket="$dir/mariadb.sock" <<SQL
CREATE DATABASE creditshare;
CREATE USER 'creditshare'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'creditshare'@'127.0.0.1';
SQL
    write_env
    echo "testdb: MariaDB on 127.0.0.1:$port (pid $(cat "$dir/mariadb.pid")), settings in $dir/env"
    ;;
  adopt)
    dir=$(cd "$dir" && pwd)
    [ -d "$dir/data" ] && [ -f "$dir/password" ] || { echo "testdb: $dir needs data/ and password" >&2; exit 1; }
    rm -f "$dir/mariadb.sock" "$dir/mariadb.pid"
    start_on_free_port
    write_env
    ;;
  stop)
    [ -d "$dir" ] || exit 0
    stop_server
    rm -rf "$dir"
    ;;
  halt)
    stop_server
    ;;
  resume)
    dir=$(cd "$dir" && pwd)
    port=$(sed -n 's/^CREDITSHARE_DB_PORT=//p' "$dir/env")
    rm -f "$dir/mariadb.sock"
    run_server "$port" || start_failed
    ;;
  crash)
    pid=$(cat "$dir/mariadb.pid")
    kill -KILL "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    rm -f "$dir/mariadb.pid"
    ;;
  freeze) kill -STOP "$(cat "$dir/mariadb.pid")" ;;
  thaw) kill -CONT "$(cat "$dir/mariadb.pid")" ;;
  *) echo "usage: $0 start|stop|halt|resume|crash|freeze|thaw|adopt DIR" >&2; exit 2 ;;
esac
