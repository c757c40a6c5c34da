#!/usr/bin/env bash
# Real database engines for the test suite: PostgreSQL and MariaDB from
# Debian's packages, each on a private Unix socket in a scratch folder (no TCP
# listener), owned by this test run and removed afterwards.
#
#   eval "$(bash .ci/engines.sh start)"   # install if needed, start, export env
#   bash .ci/engines.sh stop              # stop both servers, remove the folder
#   bash .ci/engines.sh env               # print the exports again
#
# `start` prints only `export NAME=value` lines on stdout (progress goes to
# stderr), so `eval` picks up the connection settings the tests read:
#   SPECC_PG_HOST / SPECC_PG_PORT / SPECC_PG_USER   (socket dir, port, superuser)
#   SPECC_MYSQL_SOCKET / SPECC_MYSQL_USER
# and SPECC_REQUIRE_ENGINES=1, which makes the engine tests fail instead of
# skip when a server cannot be reached.
#
# In .ci/run (an assignment, so `set -e` sees a failed start):
#   ENGINES_ENV="$(bash .ci/engines.sh start)"
#   eval "$ENGINES_ENV"
#   trap 'bash .ci/engines.sh stop' EXIT
set -euo pipefail

DIR="${SPECC_ENGINES_DIR:-/tmp/specc-engines}"
PG_PORT="${SPECC_PG_PORT:-54329}"

log() { echo "engines: $*" >&2; }

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

install() {
  local need=()
  pg_bindir >/dev/null || need+=(postgresql)
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
  if [ "${#need[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { log "missing ${need[*]}; install them (needs root)"; return 1; }
    log "installing ${need[*]} from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # The packages' own service scripts stay off (policy-rc.d or no init):
    # only the private servers below run.
    apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  fi
}

# Run a command as the unprivileged user that owns the Postgres data folder:
# postgres refuses to run as root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_pg() {
  local bin; bin="$(pg_bindir)"
  local data="$DIR/pg/data"
  mkdir -p "$DIR/pg"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$DIR/pg"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$DIR/pg/initdb.log" 2>&1 \
      || { cat "$DIR/pg/initdb.log" >&2; return 1; }
  fi
  as_pg "$bin/pg_ctl" -D "$data" -l "$DIR/pg/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $DIR/pg -p $PG_PORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2 || { cat "$DIR/pg/server.log" >&2; return 1; }
}

start_mysql() {
  local data="$DIR/mysql/data"
  mkdir -p "$DIR/mysql"
  if [ ! -d "$data/mysql" ]; then
    mariadb-install-db --user="$(id -un)" --datadir="$data" --auth-root-authentication-method=normal \
      --skip-test-db >"$DIR/mysql/install.log" 2>&1 || { cat "$DIR/mysql/install.log" >&2; return 1; }
  fi
  # --no-defaults: ignore /etc/mysql, so nothing else on the machine applies.
  mariadbd --no-defaults --user="$(id -un)" --datadir="$data" --socket="$DIR/mysql/mysql.sock" \
    --pid-file="$DIR/mysql/mysqld.pid" --log-error="$DIR/mysql/server.log" --skip-networking \
    --innodb-flush-log-at-trx-commit=0 --sql-mode=STRICT_ALL_TABLES,ONLY_FULL_GROUP_BY,NO_ENGINE_SUBSTITUTION \
    >/dev/null 2>&1 &
  local i
  for i in $(seq 1 120); do
    mariadb-admin --no-defaults --socket="$DIR/mysql/mysql.sock" -uroot ping >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  cat "$DIR/mysql/server.log" >&2
  return 1
}

print_env() {
  echo "export SPECC_PG_HOST=$DIR/pg"
  echo "export SPECC_PG_PORT=$PG_PORT"
  echo "export SPECC_PG_USER=postgres"
  echo "export SPECC_MYSQL_SOCKET=$DIR/mysql/mysql.sock"
  echo "export SPECC_MYSQL_USER=root"
  echo "export SPECC_REQUIRE_ENGINES=1"
}

stop() {
  local bin
  if bin="$(pg_bindir)" && [ -f "$DIR/pg/data/postmaster.pid" ]; then
    as_pg "$bin/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >&2 || true
  fi
  if [ -f "$DIR/mysql/mysqld.pid" ]; then
    local pid; pid="$(cat "$DIR/mysql/mysqld.pid")"
    kill "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -rf "$DIR"
}

case "${1:-}" in
  install) install ;;
  start)
    install
    stop  # a leftover folder from an interrupted run would be reused otherwise
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chmod 755 "$DIR"
    start_pg
    start_mysql
    log "postgres on $DIR/pg (port $PG_PORT), mariadb on $DIR/mysql/mysql.sock"
    print_env
    ;;
  stop) stop ;;
  env) print_env ;;
  *) echo "usage: $0 install|start|stop|env" >&2; exit 64 ;;
esac
