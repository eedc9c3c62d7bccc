"""gunicorn.conf.py, which the Docker image and the compose stack start gunicorn with."""

import multiprocessing
import os
import runpy
import subprocess
import sys
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_defaults_fit_the_cores_and_leave_room_for_big_exports(monkeypatch):
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_BIND", "GUNICORN_PRELOAD"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(str(CONF))
    assert conf["workers"] == multiprocessing.cpu_count() + 1
    assert conf["worker_class"] == "sync"
    assert conf["timeout"] >= 120  # an XLSX export of 100,000 cases takes about 40 s
    assert conf["bind"] == "0.0.0.0:8000"
    assert conf["max_requests"] > 0 and conf["max_requests_jitter"] > 0
    assert conf["preload_app"] is True  # a replaced worker is a fork, not a fresh start


def test_the_environment_overrides_them(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "7")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "off")
    monkeypatch.setenv("GUNICORN_PRELOAD", "0")
    conf = runpy.run_path(str(CONF))
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (7, 4, "gthread")
    assert conf["accesslog"] is None and conf["preload_app"] is False


def test_servers_side_by_side_do_not_share_a_control_socket(monkeypatch):
    monkeypatch.delenv("GUNICORN_CONTROL_SOCKET", raising=False)
    assert runpy.run_path(str(CONF))["control_socket_disable"] is True
    monkeypatch.setenv("GUNICORN_CONTROL_SOCKET", "/run/mediation/gunicorn.ctl")
    conf = runpy.run_path(str(CONF))
    assert (conf["control_socket_disable"], conf["control_socket"]) == (False, "/run/mediation/gunicorn.ctl")


def test_the_application_loads_what_a_first_request_would_before_workers_fork():
    """gunicorn imports mediation.wsgi in its master (preload_app): a worker forked from it, or
    forked again after max_requests, has the URL patterns and both catalogues in memory, frozen
    out of the garbage collector's reach."""
    probe = (
        "import mediation.wsgi\n"
        "from django.urls import get_resolver\n"
        "from django.utils.translation import trans_real\n"
        "assert 'url_patterns' in vars(get_resolver()), 'URLconf not loaded'\n"
        "assert 'complaints.api' in sys.modules\n"
        "assert {'zh-hans', 'en'} <= set(trans_real._translations), trans_real._translations\n"
        "chinese = trans_real._translations['zh-hans']\n"
        "assert chinese.gettext('Only consumers file complaints.') == '只有消费者可以提交投诉。'\n"
        "import gc\n"
        "assert gc.get_freeze_count() > 100_000, gc.get_freeze_count()  # what was loaded, frozen\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mediation.settings"}
    done = subprocess.run(
        [sys.executable, "-c", "import sys\n" + probe], cwd=CONF.parent, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
