"""Production settings of gunicorn, which reads ./gunicorn.conf.py on start.

    gunicorn mediation.wsgi                 # from the repository root (the Docker image's /app)

Every value can be changed through the environment:

    GUNICORN_BIND         address to listen on (default 0.0.0.0:8000)
    GUNICORN_WORKERS      worker processes (default: cores + 1)
    GUNICORN_THREADS      threads per worker (default 1: sync workers; above 1: gthread workers)
    GUNICORN_MAX_REQUESTS a worker is replaced after this many requests, plus up to 10 % jitter (default 2000)
    GUNICORN_TIMEOUT      seconds a request may take before its worker is killed (default 120)
    GUNICORN_ACCESS_LOG   "-" (stdout, the default), a file path, or "off"
    GUNICORN_PRELOAD      "1" (the default) loads the application once in the master, before forking; "0" in each worker
    GUNICORN_CONTROL_SOCKET  a path enables gunicorn's control socket there (default off)

The benchmark serves both this platform and the peer it is compared with (bench/peer/) with
this file, so both run with the same settings.

Workers: a filing waits on PostgreSQL for about a third of its time, so a core serves more
than one request at once, but the Celery worker and PostgreSQL need the same cores; sync
workers, cores + 1, were the best of the choices measured (below).
"""

import os


def _env(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


# The cores this process may run on (a container's CPU set), not the host's.
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

# Measured on the filing load (bench/filing_load.py --serve --concurrency 8 --seconds 20 --workers W
# --threads T), 2 cores shared with the Celery worker, PostgreSQL, wrk and other jobs; filings/s,
# choices run in turn so each round saw the same conditions:
#   load average 2-4, four rounds:  sync 3 workers  45.1, 42.7, 39.1, 39.2   (p95 222-314 ms)
#                                   sync 5 workers  40.0, 39.6, 35.1, 17.6   (p95 283-667 ms)
#                                   sync 4 workers        43.0, 38.8, 36.2
#   one round at load average 4:    gthread 2 x 4 40.2, gthread 3 x 4 35.4, sync 7 37.7
#   an earlier hour, load average 4-8 (a bulk load running beside it): sync 5 40.1, 42.0 against
#   sync 3 20.0, 21.6 and gthread 2 x 4 31.0, 20.5; preload_app gave no gain then (worker peak
#   RSS 101 MB against 106 MB), when a filing cost four times the CPU it does now (preload_app below).
# The filing is CPU-bound here (about 8 ms of web CPU, 2 ms Celery, 3 ms PostgreSQL per filing
# over 1,000,000 complaints): more workers than cores + 1 only add switching, and threads in one
# interpreter take turns on the GIL.
bind = _env("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(_env("GUNICORN_WORKERS", str(CORES + 1)))
threads = int(_env("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# Python processes grow slowly (caches, fragmentation); replacing a worker now and then keeps
# each one well under the memory target. The jitter keeps workers from restarting together.
max_requests = int(_env("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max(1, max_requests // 10)

# An XLSX export of 100,000 rows takes about 40 s; the timeout leaves room for that.
timeout = int(_env("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5

# The application is loaded once, in the master, and each worker starts as a copy of it: a worker
# replaced after max_requests then costs a fork, not another 0.5 s of CPU loading Django and the
# apps, and its first requests do not load what the others have loaded. Measured on the filing
# load over 1,000,000 complaints (bench/filing_load.py --serve, 3 workers, 30 s): 137, 137, 139
# filings/s loading in each worker against 153, 149 preloaded; the peer (bench/peer/) 229 against
# 225. Nothing opens a connection while the application loads (the database, Redis and the broker
# connect on first use, in each worker). A code change then needs a restart of the master, not a HUP.
preload_app = _env("GUNICORN_PRELOAD", "1").lower() in {"1", "true", "yes", "on"}

_access_log = _env("GUNICORN_ACCESS_LOG", "-")
accesslog = None if _access_log.lower() in {"off", "none", "0", "false"} else _access_log
errorlog = "-"
loglevel = _env("GUNICORN_LOG_LEVEL", "info")

# The worker heartbeat file in memory rather than on the container's overlay filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), which
# every server on the machine would take over from the one before (the fault tests and the
# benchmark run several); nothing here uses it, so it is off unless a path is given.
_control_socket = _env("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket
