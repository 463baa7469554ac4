# A throwaway PostgreSQL cluster for the tests' second backend; sourced by .ci/run.
# `start_test_postgres` initdb's a cluster into a fresh temporary folder as an unprivileged user
# (`postgres` when run as root, initdb refuses root), listening on a Unix socket in that folder
# only, exports WARDEN_TEST_POSTGRES, and stops and removes it on exit, even when tests fail.
# When no server can be started it says why and returns 1: the PostgreSQL tests are then skipped.

start_test_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL: no server installed (/usr/lib/postgresql/*/bin/initdb); its tests are skipped"
    return 1
  fi
  PG_AS=()
  if [ "$(id -u)" = 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
      echo "PostgreSQL: running as root and there is no 'postgres' user to run the server as; its tests are skipped"
      return 1
    fi
    PG_AS=(runuser -u postgres --)
  fi
  # Under /tmp, not $TMPDIR: a socket's path must stay short.
  PG_DIR=$(mktemp -d /tmp/warden-ci-pg.XXXXXX)
  PG_BIN=$bin
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; fi
  trap stop_test_postgres EXIT
  if ! ${PG_AS[@]+"${PG_AS[@]}"} "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres >"$PG_DIR/initdb.log" 2>&1; then
    echo "PostgreSQL: initdb failed; its tests are skipped:"; tail -5 "$PG_DIR/initdb.log"
    return 1
  fi
  # Tests run in parallel, each on databases and connections of its own: room for them all.
  # The cluster is thrown away, so nothing is flushed to disk for durability.
  local options="-c listen_addresses= -k $PG_DIR -c max_connections=300 -c fsync=off -c full_page_writes=off"
  if ! ${PG_AS[@]+"${PG_AS[@]}"} "$bin/pg_ctl" -D "$PG_DIR/data" -o "$options" \
       -l "$PG_DIR/server.log" -w -t 60 start >/dev/null; then
    echo "PostgreSQL: the server did not start; its tests are skipped:"; tail -5 "$PG_DIR/server.log"
    return 1
  fi
  export WARDEN_TEST_POSTGRES="postgresql:///postgres?host=$PG_DIR&user=postgres"
  echo "PostgreSQL: $("$bin/postgres" --version) on $PG_DIR"
}

stop_test_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    ${PG_AS[@]+"${PG_AS[@]}"} "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_DIR"
  PG_DIR=
}
