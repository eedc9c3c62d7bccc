#!/usr/bin/env bash
# The benchmarks (bench/README.md); `make bench` runs this.
#
#   bash bench/run.sh                  # full: every measurement in one run, then bench/results/latest.md
#   bash bench/run.sh latency          # only the filing-to-SMS latency (bench/results/notice_latency.*)
#   bash bench/run.sh year             # only the year in a day (bench/results/year_in_a_day.*)
#
# The steps of `full` run alone too, each writing its part to bench/results/parts/:
#   load      load COMPLAINTS complaints into DATABASE_URL (bench/load_data/)
#   web       start gunicorn and a Celery worker on it, then the filing load, the page timings and
#             peak memory (parts filings, pages, memory), and stop them
#   notices   filing-to-SMS latency at 50 filings/s, on a database of its own
#   pgbench   pgbench doing a filing's inserts (bench/db_limit.py)
#   peer      django-helpdesk creating tickets (bench/peer/)
#   report    bench/results/latest.json and latest.md from the parts
#
# Environment (defaults in brackets):
#   DATABASE_URL   the loaded data [postgres://postgres@127.0.0.1:5432/mediation_bench]; its name must contain "bench"
#   REDIS_URL      broker and cache of the server, flushed [redis://127.0.0.1:6379/14]
#   COMPLAINTS     complaints to load [1000000];  SKIP_LOAD=1 reuses the data DATABASE_URL holds
#   BENCH_PORT     where gunicorn listens [8100]
#   SECONDS_EACH   how long the filing load, pgbench and the peer run [30];  CONCURRENCY  their clients [8]
#   LATENCY_DATABASE_URL, YEAR_DATABASE_URL   the databases `latency`/`notices` and `year` FLUSH
#                  [DATABASE_URL's name + _latency, + _year]
#   PEER_DATABASE_URL, PEER_REDIS_URL   the peer's own [mediation_bench_peer, Redis db 12] (bench/peer/peer_load.py)
#   LOAD_ARGS, FILING_ARGS, PAGES_ARGS, NOTICE_LATENCY_ARGS, PGBENCH_ARGS, PEER_ARGS, YEAR_ARGS: more options
#   BENCH_RESULTS  where results go [bench/results];  BENCH_WORKDIR  logs and pid files [var/bench-run]
set -euo pipefail

cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mediation_bench}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/14}"
PY=.venv/bin/python
RESULTS="${BENCH_RESULTS:-bench/results}"
PARTS="$RESULTS/parts"
WORK="${BENCH_WORKDIR:-var/bench-run}"
COMPLAINTS="${COMPLAINTS:-1000000}"
PORT="${BENCH_PORT:-8100}"
URL="http://127.0.0.1:$PORT"
SECONDS_EACH="${SECONDS_EACH:-30}"
CONCURRENCY="${CONCURRENCY:-8}"

# A database URL with a suffix on its name: postgres://h/mediation_bench -> postgres://h/mediation_bench_latency.
with_suffix() {
    local base="${1%%\?*}"
    echo "${base}$2${1#"$base"}"
}
LATENCY_DATABASE_URL="${LATENCY_DATABASE_URL:-$(with_suffix "$DATABASE_URL" _latency)}"
YEAR_DATABASE_URL="${YEAR_DATABASE_URL:-$(with_suffix "$DATABASE_URL" _year)}"

# Production settings (mediation/settings.py with DEBUG off) over plain HTTP on 127.0.0.1.
production_env() {
    export DEBUG=false
    export SECRET_KEY="${SECRET_KEY:-bench-secret-key-not-for-production-use-0123456789abcdef}"
    export ALLOWED_HOSTS=127.0.0.1,localhost
    export SITE_URL="$URL"
    export SECURE_SSL_REDIRECT=false
    export LOG_LEVEL=WARNING
    export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
    export GUNICORN_BIND="127.0.0.1:$PORT"
    export GUNICORN_ACCESS_LOG="${GUNICORN_ACCESS_LOG:-off}"
}

# Ctrl-C reaches every process of the run; a program that handles it and exits normally would
# let the next step start, so each shell notes it in $WORK/interrupted and the run stops there.
note_interrupt() {
    touch "$WORK/interrupted"
}
stop_if_interrupted() {
    if [ -e "$WORK/interrupted" ]; then
        echo "bench/run.sh: interrupted" >&2
        exit 130
    fi
}

# step NAME FUNCTION: a header, the function and its duration, its output also in
# $WORK/logs/FUNCTION.log. A step that fails is noted in $WORK/failed and in $PARTS/steps.tsv
# (function, exit status, seconds, its last line of output, its log), which the report reads to say
# why a figure is not measured; the run goes on to the next step.
step() {
    local name=$1 function=$2 start=$SECONDS rc log
    log="$WORK/logs/${2%_step}.log"
    shift
    echo
    echo "== $name ($(date '+%H:%M:%S'))"
    set +e
    (
        trap note_interrupt INT TERM
        set -e
        "$@"
    ) 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    stop_if_interrupted
    record_step "$function" "$rc" "$((SECONDS - start))" "$log"
    if [ "$rc" -eq 0 ]; then
        echo "-- $name: done in $((SECONDS - start)) s (log $log)"
    else
        echo "-- $name: FAILED (exit $rc) after $((SECONDS - start)) s (log $log)" >&2
        echo "$name" >>"$WORK/failed"
    fi
}

# record_step FUNCTION STATUS SECONDS LOG: one line of $PARTS/steps.tsv, replacing the step's last one.
record_step() {
    local last
    last=$({ grep -v '^[[:space:]]*$' "$4" 2>/dev/null || true; } | tail -n 1 | tr '\t' ' ' | cut -c1-300)
    touch "$PARTS/steps.tsv"
    grep -v "^$1	" "$PARTS/steps.tsv" >"$PARTS/steps.tsv.new" || true
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$last" "$4" >>"$PARTS/steps.tsv.new"
    mv "$PARTS/steps.tsv.new" "$PARTS/steps.tsv"
}

# stop PID NAME: SIGTERM, then SIGKILL after 40 s.
stop() {
    local pid=$1 name=$2
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid"
    for _ in $(seq 80); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "$name did not stop in 40 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

check_bench_database() {
    local name="${1%%\?*}"
    case "${name##*/}" in
    *bench*) ;;
    *)
        echo "bench/run.sh: the database in $1 must have \"bench\" in its name" >&2
        exit 2
        ;;
    esac
}

# --- the steps ---------------------------------------------------------------------------

# bench/load_data/ writes $RESULTS/load.json; the part is that file, marked "reused"
# when SKIP_LOAD=1, if it describes the database in DATABASE_URL (else there is no load part).
load_part() {
    "$PY" - "$DATABASE_URL" "$PARTS/load.json" "${SKIP_LOAD:-0}" "$RESULTS/load.json" <<'EOF'
import json, sys
from pathlib import Path

url, out, reused, loaded = sys.argv[1:]
path = Path(loaded)
load = json.loads(path.read_text()) if path.exists() else {}
if load.get("database") == url.split("?")[0].rsplit("/", 1)[-1]:
    load["reused"] = reused == "1"
    Path(out).write_text(json.dumps(load, indent=2, ensure_ascii=False) + "\n")
    print(f"load: {load.get('complaints')} complaints, loaded {load.get('generated_at')}")
else:
    print(f"load: {loaded} does not describe this database; the report shows no load")
EOF
}

load_step() {
    if [ "${SKIP_LOAD:-0}" = 1 ]; then
        echo "SKIP_LOAD=1: using the data already in $DATABASE_URL"
    else
        echo "loading $COMPLAINTS complaints into $DATABASE_URL"
        # shellcheck disable=SC2086 # options are words
        "$PY" -m bench.load_data --complaints "$COMPLAINTS" --results "$RESULTS/load.json" ${LOAD_ARGS:-}
    fi
    load_part
}

static_step() {
    "$PY" manage.py migrate --noinput -v0
    "$PY" manage.py collectstatic --noinput -v0
}

prepare_filings_step() {
    # shellcheck disable=SC2086
    "$PY" bench/filing_load.py --prepare ${FILING_ARGS:-}
}

filings_step() {
    # shellcheck disable=SC2086
    "$PY" bench/filing_load.py --url "$URL" --seconds "$SECONDS_EACH" --concurrency "$CONCURRENCY" \
        --cpu-pid "web=$WORK/gunicorn.pid" --cpu-pid "worker=$WORK/celery.pid" \
        --out "$PARTS/filings.json" ${FILING_ARGS:-}
}

pages_step() {
    # shellcheck disable=SC2086
    "$PY" bench/pages.py --url "$URL" --out "$PARTS/pages.json" ${PAGES_ARGS:-}
}

# The server: a Celery worker (sending SMS through bench/timing_backend.py, which logs each
# one) and gunicorn with ./gunicorn.conf.py, stopped on the way out whatever happens.
SERVER_PIDS=()
MEMORY_PID=
stop_server() {
    if [ -n "$MEMORY_PID" ]; then
        stop "$MEMORY_PID" "the memory sampler"
        MEMORY_PID=
    fi
    local i
    for ((i = ${#SERVER_PIDS[@]} - 1; i >= 0; i--)); do
        stop "${SERVER_PIDS[i]}" "process ${SERVER_PIDS[i]}"
    done
    SERVER_PIDS=()
}

start_server() {
    "$PY" -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()'
    : >"$WORK/sms.log"
    SMS_BACKEND=bench.timing_backend.SmsBackend BENCH_SMS_LOG="$WORK/sms.log" \
        .venv/bin/celery -A mediation worker -Q celery,notices -l warning -n "bench@%h" \
        >"$WORK/celery.log" 2>&1 </dev/null &
    SERVER_PIDS+=($!)
    echo "$!" >"$WORK/celery.pid"
    .venv/bin/gunicorn mediation.wsgi >"$WORK/gunicorn.log" 2>&1 </dev/null &
    SERVER_PIDS+=($!)
    echo "$!" >"$WORK/gunicorn.pid"
    for _ in $(seq 120); do
        if curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null; then
            echo "gunicorn answers on $URL (log $WORK/gunicorn.log); Celery worker log $WORK/celery.log"
            return 0
        fi
        for pid in "${SERVER_PIDS[@]}"; do
            kill -0 "$pid" 2>/dev/null || {
                echo "the server did not start:" >&2
                tail -n 30 "$WORK/gunicorn.log" "$WORK/celery.log" >&2
                return 1
            }
        done
        sleep 0.5
    done
    echo "gunicorn did not answer $URL/healthz within 60 s" >&2
    return 1
}

web_step() {
    trap stop_server EXIT
    trap 'note_interrupt; exit 130' INT TERM
    local start=$SECONDS
    echo "== start gunicorn on $URL and a Celery worker on $REDIS_URL"
    start_server # a server that does not start ends this step (set -e)
    echo "-- started in $((SECONDS - start)) s"
    "$PY" bench/memory.py --watch --group "web=$(cat "$WORK/gunicorn.pid")" \
        --group "worker=$(cat "$WORK/celery.pid")" --out "$PARTS/memory.json" &
    MEMORY_PID=$!
    step "filing load: $CONCURRENCY clients for $SECONDS_EACH s (bench/filing_load.py)" filings_step
    if [ "${COMPARE_AFTER_FILINGS:-0}" = 1 ]; then
        # Right after ours, so the loads compared with it meet the machine as it is (a host's
        # speed drifts over the minutes the pages take): pgbench first, as its target is the
        # closest (ours / replay), then the peer. Ours idles on its port meanwhile; the peer
        # takes the next.
        step "pgbench reference: $CONCURRENCY clients for $SECONDS_EACH s (bench/db_limit.py)" pgbench_step
        PEER_PORT=$((PORT + 1)) step "peer: django-helpdesk tickets (bench/peer/)" peer_step
    fi
    # The filing load added thousands of cases awaiting their merchant within half a minute, to a
    # table whose planner statistics were taken at the load, and pgbench added and deleted a
    # hundred thousand more. Autovacuum would clean and analyse the tables within its minute
    # (complaints migration 0024); the pages are timed after that, not during it.
    psql "$DATABASE_URL" -qc "VACUUM (ANALYZE)"
    step "page timings (bench/pages.py)" pages_step
    # The sampler and the server are stopped here, by the shell that started them.
    echo "== peak memory (bench/memory.py), then stop the server"
    start=$SECONDS
    stop "$MEMORY_PID" "the memory sampler"
    MEMORY_PID=
    stop_server
    echo "-- done in $((SECONDS - start)) s"
    echo "SMS sent by the worker: $(wc -l <"$WORK/sms.log"); tracebacks in the gunicorn log:" \
        "$(grep -c Traceback "$WORK/gunicorn.log" || true)"
}

notices_step() {
    check_bench_database "$LATENCY_DATABASE_URL"
    # shellcheck disable=SC2086
    DATABASE_URL="$LATENCY_DATABASE_URL" "$PY" bench/notice_latency.py --rates 50 --out "$PARTS" \
        ${NOTICE_LATENCY_ARGS:-}
}

pgbench_step() {
    # shellcheck disable=SC2086
    "$PY" bench/db_limit.py --seconds "$SECONDS_EACH" --concurrency "$CONCURRENCY" --out "$PARTS/pgbench.json" \
        ${PGBENCH_ARGS:-}
}

# The peer sets itself up (its own virtual env and database, bench/peer/setup.sh), then serves
# with the same gunicorn.conf.py on PEER_PORT: the next port during the web step (the full run),
# else the platform's, which its server has left by then.
peer_step() {
    # shellcheck disable=SC2086
    "$PY" bench/peer/peer_load.py --serve --port "${PEER_PORT:-$PORT}" --seconds "$SECONDS_EACH" \
        --concurrency "$CONCURRENCY" \
        --out "$PARTS/peer.json" ${PEER_ARGS:-}
}

report_step() {
    "$PY" bench/report.py --parts "$PARTS" --out "$RESULTS"
}

full() {
    check_bench_database "$DATABASE_URL"
    rm -f "$PARTS"/*.json "$PARTS"/*.md "$PARTS/steps.tsv"
    "$PY" bench/report.py --describe-machine --parts "$PARTS"
    echo "full benchmark: $DATABASE_URL ($COMPLAINTS complaints$([ "${SKIP_LOAD:-0}" = 1 ] && echo ", reused")), " \
        "server $URL, Redis $REDIS_URL; logs in $WORK"
    step "load (bench/load_data)" load_step
    step "migrate and collect static files" static_step
    step "prepare the filing load (bench/filing_load.py --prepare)" prepare_filings_step
    COMPARE_AFTER_FILINGS=1 step "web: server, filings, the peer's tickets, pgbench, pages, memory" web_step
    step "filing-to-SMS latency at 50/s on $LATENCY_DATABASE_URL (bench/notice_latency.py)" notices_step
    step "report (bench/report.py)" report_step
}

# --- main --------------------------------------------------------------------------------

mkdir -p "$PARTS" "$WORK/logs"
rm -f "$WORK/failed" "$WORK/interrupted"
trap note_interrupt INT TERM
which=("${@:-full}")
read -r -a which <<<"${which[*]}"
started=$SECONDS

for name in "${which[@]}"; do
    case "$name" in
    full)
        production_env
        full
        ;;
    load | web | notices | pgbench | peer)
        check_bench_database "$DATABASE_URL"
        production_env
        if [ "$name" = web ]; then
            step "migrate and collect static files" static_step
        fi
        if [ "$name" = web ] || [ "$name" = pgbench ]; then
            step "prepare the filing load (bench/filing_load.py --prepare)" prepare_filings_step
        fi
        step "$name" "${name}_step"
        ;;
    report)
        report_step
        ;;
    latency)
        check_bench_database "$LATENCY_DATABASE_URL"
        echo "== filing-to-SMS latency (bench/notice_latency.py) on $LATENCY_DATABASE_URL and $REDIS_URL"
        # shellcheck disable=SC2086 # options are words
        DATABASE_URL="$LATENCY_DATABASE_URL" "$PY" bench/notice_latency.py ${NOTICE_LATENCY_ARGS:-}
        ;;
    year)
        check_bench_database "$YEAR_DATABASE_URL"
        echo "== a year in a day (bench/year_in_a_day.py) on $YEAR_DATABASE_URL"
        # shellcheck disable=SC2086
        DATABASE_URL="$YEAR_DATABASE_URL" "$PY" bench/year_in_a_day.py ${YEAR_ARGS:-}
        ;;
    *)
        echo "bench/run.sh: unknown benchmark '$name' (full, load, web, notices, pgbench, peer, report, latency, year)" >&2
        exit 2
        ;;
    esac
done

echo
echo "bench/run.sh: ${which[*]} took $(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s"
if [ -s "$WORK/failed" ]; then
    echo "failed steps:" >&2
    sed 's/^/  /' "$WORK/failed" >&2
    exit 1
fi
