#!/usr/bin/env bash
# Install (from Debian's packages) and start a PostgreSQL cluster on 127.0.0.1 for the test suite,
# create a throwaway database, and write DATABASE_URL_TEST to an env file.
# Usage: postgres.sh start|stop [envfile], or postgres.sh cluster: only install, create and start the cluster
# (never drops a database or changes a password; `make load` uses it beside the test suite's database).
set -euo pipefail
cmd=${1:-start}
envfile=${2:-.ci/.pg.env}
port=${PG_TEST_PORT:-54329}

need_root() { [ "$(id -u)" = 0 ] || { echo "postgres.sh: installing PostgreSQL needs root (apt-get)" >&2; exit 1; }; }

# The newest installed server (the client alone leaves /usr/lib/postgresql/N/bin/psql without postgres).
version() { ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n 1 | cut -d/ -f5; }

cluster() {
  if [ -z "$(version)" ]; then
    need_root
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  v=$(version)
  if ! pg_lsclusters -h | awk -v v="$v" '$1==v && $2=="mictest"' | grep -q .; then
    pg_createcluster -q "$v" mictest -p "$port" -- --auth-local=trust --auth-host=trust >/dev/null
  fi
  pg_ctlcluster "$v" mictest start 2>/dev/null || true
  for _ in $(seq 1 30); do
    su postgres -c "pg_isready -q -h 127.0.0.1 -p $port" && break
    sleep 1
  done
  su postgres -c "pg_isready -h 127.0.0.1 -p $port" >/dev/null || { echo "postgres.sh: server did not start" >&2; exit 1; }
}

case "$cmd" in
cluster)
  cluster
  ;;
start)
  cluster
  v=$(version)
  password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  # Databases a previous run left owned by the role (a test's own database, say) would block DROP ROLE.
  owned=$(su postgres -c "psql -At -h 127.0.0.1 -p $port -c \"SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = 'mic_test'\"")
  for db in $owned; do
    su postgres -c "psql -q -h 127.0.0.1 -p $port -c 'DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)'"
  done
  su postgres -c "psql -q -h 127.0.0.1 -p $port -v ON_ERROR_STOP=1" <<SQL
DROP DATABASE IF EXISTS mic_test;
DROP ROLE IF EXISTS mic_test;
CREATE ROLE mic_test LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE mic_test OWNER mic_test;
SQL
  echo "DATABASE_URL_TEST=postgresql+psycopg://mic_test:$password@127.0.0.1:$port/mic_test" > "$envfile"
  echo "postgres.sh: PostgreSQL $v on 127.0.0.1:$port"
  ;;
stop)
  v=$(version)
  [ -n "$v" ] && pg_ctlcluster "$v" mictest stop 2>/dev/null || true
  rm -f "$envfile"
  ;;
*) echo "usage: postgres.sh start|stop|cluster [envfile]" >&2; exit 2 ;;
esac
