#!/usr/bin/env bash
# Make the machine's Debian PostgreSQL serve the test suite, idempotently:
#   installed (apt), a cluster present, started on 127.0.0.1:5432, a login role and a `test`
#   database the suite owns. Prints nothing when all of that already holds.
# The role and database are the suite's own (tests/toolcheck.py has the URL; KES_TEST_POSTGRES_URL
# overrides it); nothing else on the server is changed, so it is safe on a developer's machine.
set -euo pipefail

ROLE=${KES_TEST_POSTGRES_ROLE:-kes}
PASSWORD=${KES_TEST_POSTGRES_PASSWORD:-kes}
DATABASE=${KES_TEST_POSTGRES_DB:-test}
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

if ! command -v pg_lsclusters >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "Installing Debian's postgresql"
    $SUDO apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
fi

# The first cluster on port 5432, or a new one (the package creates `main` unless told not to).
cluster=$(pg_lsclusters -h | awk '$3 == 5432 {print $1" "$2; exit}')
if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    echo "Creating PostgreSQL cluster $version/main on port 5432"
    $SUDO pg_createcluster "$version" main --port 5432
    cluster="$version main"
fi
set -- $cluster
if ! pg_lsclusters -h | awk -v v="$1" -v c="$2" '$1 == v && $2 == c {print $4}' | grep -q online; then
    echo "Starting PostgreSQL cluster $1/$2"
    $SUDO pg_ctlcluster "$1" "$2" start
fi
for _ in $(seq 1 100); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 0.1
done
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }

as_postgres() { $SUDO runuser -u postgres -- "$@"; }
psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p 5432 "$@"; }
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
    echo "Creating PostgreSQL role $ROLE"
    psql_admin -c "CREATE ROLE \"$ROLE\" LOGIN CREATEDB CREATEROLE PASSWORD '$PASSWORD'"
fi
# Tests make databases and short-lived roles of their own (a role whose password they look for).
if [ "$(psql_admin -tAc "SELECT rolcreatedb AND rolcreaterole FROM pg_roles WHERE rolname = '$ROLE'")" != t ]; then
    psql_admin -c "ALTER ROLE \"$ROLE\" CREATEDB CREATEROLE"
fi
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
    echo "Creating PostgreSQL database $DATABASE"
    psql_admin -c "CREATE DATABASE \"$DATABASE\" OWNER \"$ROLE\""
fi
