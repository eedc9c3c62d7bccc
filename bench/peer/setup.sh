#!/usr/bin/env bash
# Sets up the peer, django-helpdesk 2.6, for the filing benchmark (idempotent):
#   var/peer-venv             its own virtual env, from bench/peer/requirements.txt (pinned)
#   mediation_bench_peer      its PostgreSQL database (PEER_DATABASE_URL), created when missing, migrated
#   a public queue "complaints" and a staff user with an API token (bootstrap.py)
# Prints the queue id and token as JSON on its last line. Run from anywhere:
#   bash bench/peer/setup.sh
set -euo pipefail

cd "$(dirname "$0")"
ROOT="$(cd ../.. && pwd)"
VENV="$ROOT/var/peer-venv"
PY="$VENV/bin/python"
export PEER_DATABASE_URL="${PEER_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mediation_bench_peer}"

db_name="${PEER_DATABASE_URL##*/}"
case "$db_name" in
*bench*) ;;
*)
    echo "bench/peer/setup.sh: refusing database '$db_name': its name must contain 'bench'" >&2
    exit 2
    ;;
esac

if [ ! -x "$PY" ]; then
    mkdir -p "$ROOT/var"
    "${PYTHON:-python3.11}" -m venv "$VENV"
fi
# Reinstall only when the requirements changed.
if ! cmp -s requirements.txt "$VENV/.installed-requirements.txt"; then
    "$PY" -m pip install --quiet --disable-pip-version-check -r requirements.txt
    cp requirements.txt "$VENV/.installed-requirements.txt"
fi

server="${PEER_DATABASE_URL%/*}/postgres"
if ! psql "$server" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1; then
    psql "$server" -qc "CREATE DATABASE \"$db_name\""
fi

"$PY" manage.py migrate --noinput --verbosity 0
"$PY" bootstrap.py
