#!/usr/bin/env bash
# The benchmarks (bench/README.md); `make bench` runs this. Each writes bench/results/NAME.json and .md.
#
#   bash bench/run.sh                  # both: notice latency, then a year in a day
#   bash bench/run.sh latency          # only the filing-to-SMS latency
#   bash bench/run.sh year             # only the year in a day
#
# DATABASE_URL and REDIS_URL come from the environment, by default a database and a Redis
# database of the benchmarks' own, which they empty: the database's name must contain "bench".
# Extra options: NOTICE_LATENCY_ARGS="--rates 20,50 --seconds 30", YEAR_ARGS="--complaints 5000 --seed 315".
set -euo pipefail

cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mediation_bench}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/14}"
PY=.venv/bin/python
which=("${@:-latency year}")
read -r -a which <<<"${which[*]}"

for name in "${which[@]}"; do
    case "$name" in
    latency)
        echo "== filing-to-SMS latency (bench/notice_latency.py) on $DATABASE_URL and $REDIS_URL"
        # shellcheck disable=SC2086 # options are words
        "$PY" bench/notice_latency.py ${NOTICE_LATENCY_ARGS:-}
        ;;
    year)
        echo "== a year in a day (bench/year_in_a_day.py) on $DATABASE_URL"
        # shellcheck disable=SC2086
        "$PY" bench/year_in_a_day.py ${YEAR_ARGS:-}
        ;;
    *)
        echo "bench/run.sh: unknown benchmark '$name' (latency, year)" >&2
        exit 2
        ;;
    esac
done
