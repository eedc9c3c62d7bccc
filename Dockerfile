# The web, worker and beat image (docker-compose.yml runs all three from it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# libpq-dev and gcc build psycopg2; gettext compiles the translations; fonts-wqy-microhei is the
# font embedded in case bundles (complaints/bundle.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev gcc gettext fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected with the production storage (hashed names, compressed),
# which needs the production variables to import; none of them is used to collect.
RUN if [ -d locale ]; then python manage.py compilemessages --ignore=.venv; fi \
    && DEBUG=false SECRET_KEY=collectstatic-only-never-signs-anything-0123456789abcdef \
       DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 ALLOW_SQLITE_IN_PRODUCTION=1 \
       REDIS_URL=redis://localhost:6379/0 python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 app \
    && mkdir -p var/evidence var/sms \
    && chown -R app:app /app
USER app

EXPOSE 8000
# Workers, timeout and logs from gunicorn.conf.py (GUNICORN_* variables override them).
CMD ["gunicorn", "mediation.wsgi"]
