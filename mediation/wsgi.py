"""The WSGI application gunicorn serves (gunicorn.conf.py).

gunicorn loads it once in its master and forks the workers from there (preload_app), and it
replaces each worker after GUNICORN_MAX_REQUESTS. What Django would otherwise load on a worker's
first request, the URL patterns (0.5 s of CPU: every app's views and serializers) and the
translation catalogues, is loaded here, so every worker starts with it in memory shared with
the master, and no visitor waits for it after a worker is replaced.

What was loaded is then frozen out of the garbage collector's reach (`gc.freeze`, as Python's
documentation advises before forking): no full collection in a worker walks it or writes to its
pages, which stay shared with the master.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")
application = get_wsgi_application()


def _load_before_the_first_request() -> None:
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils.translation import trans_real

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view it names
    for code, _name in settings.LANGUAGES:
        trans_real.translation(code)


_load_before_the_first_request()
gc.freeze()
