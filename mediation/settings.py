"""Settings for the 315 complaint mediation platform.

Everything comes from the environment. With nothing set, the embedded default runs:
SQLite, Celery tasks executed eagerly after commit, SMS written to the console.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent


# A variable set to an empty string (as in a copied .env.example) counts as unset.
def env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)

if not DEBUG:
    # REDIS_URL also because the rate limits count in the cache: a per-process cache would let
    # each gunicorn worker count on its own, multiplying every limit by the number of workers.
    missing = [n for n in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL") if not env(n)]
    if missing:
        raise ImproperlyConfigured(f"Production settings need {', '.join(missing)} in the environment.")

SECRET_KEY = env("SECRET_KEY", "insecure-local-development-key-change-me")
if not DEBUG:
    # A published key (.env.example's, the development default, Django's startproject one) lets
    # anyone forge sessions, reset links and login-code hashes. The messages never repeat the key.
    how = 'set a random one of 50 characters or more: python -c "import secrets; print(secrets.token_urlsafe(50))"'
    if any(mark in SECRET_KEY.lower() for mark in ("change-me", "changeme", "change_me", "example", "insecure")):
        raise ImproperlyConfigured(f"SECRET_KEY is a placeholder (change-me, example, insecure); {how}.")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(f"SECRET_KEY is shorter than 50 characters; {how}.")
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "accounts",
    "merchants",
    "complaints",
    "notifications",
    "telephony",
    "supervision",
    "audit",
]

MIDDLEWARE = [
    # First, so it spans the whole request: notes whether a write committed before the database
    # became unreachable, for the 503 answer to say so (mediation/unavailable.py).
    "mediation.unavailable.DatabaseWritesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The request's IP and user agent for audit entries written by services (audit/context.py).
    "audit.context.AuditContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After the session, language and user (its 413 page is drawn in the visitor's language) and
    # before anything reads the body: CSRF reads it in process_view, after every request phase.
    "mediation.security.RequestSizeLimitMiddleware",
    # Last: turns a login refused by the axes backend into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "routes.urls"
WSGI_APPLICATION = "mediation.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.notices",
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite is the embedded default, for one user trying the platform out: under several gunicorn
    # workers, concurrent writes answer "database is locked" (500s).
    if not DEBUG and not env_bool("ALLOW_SQLITE_IN_PRODUCTION", False):
        raise ImproperlyConfigured(
            "DATABASE_URL is SQLite, which fails concurrent writes from several workers: use PostgreSQL, "
            "or set ALLOW_SQLITE_IN_PRODUCTION=1 for a single-process deployment."
        )
    (BASE_DIR / "var").mkdir(exist_ok=True)
    # `make run`'s web server and periodic-jobs process share the file: a writer waits up to 20 s
    # for the other's lock, and takes it at BEGIN: a transaction that read first and then needs to
    # write can fail at once instead of waiting.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
else:
    # PostgreSQL's JIT compiles large aggregates for ~50 ms before running them, more than it
    # saves on this platform's queries (bench/results).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # A database host that drops packets (rather than refusing) costs a request 5 s, not the
    # worker's whole timeout: the request answers 503 (mediation/unavailable.py).
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
# A streaming replica of DATABASE_URL (README "Scaling out"): the dashboards, public figures,
# exports and public merchant pages read from it; every write, and every read inside a
# transaction, stays on the primary. Unset, or not answering: everything on the primary
# (mediation/db_router.py). Tests use the test database through it (MIRROR).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True),
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["mediation.db_router.StatisticsRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# The axes backend comes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = ["accounts.security.LoginAttemptsBackend", "accounts.backends.PhoneOrUsernameBackend"]
# Login throttling (django-axes): 5 failures of one account from one IP lock it for 15 minutes.
# The account, whatever alias was typed (username or mobile number): accounts.security.login_name
# resolves it, so the aliases share one counter. Password checks outside the login (account
# deletion, password change) count here too (accounts.security.check_password_attempt).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.security.login_name"
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
AXES_VERBOSE = False
# The client's address, for django-axes, the DRF throttles, SMS-code limits and the audit log alike
# (mediation.web.client_ip): REMOTE_ADDR, or with TRUSTED_PROXY_COUNT reverse proxies in front, the
# X-Forwarded-For entry the outermost one appended. 0 (default): the header is ignored.
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "mediation.web.client_ip"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# Evidence lives outside every static root and is only served through a permission check.
MEDIA_ROOT = Path(env("EVIDENCE_ROOT", str(BASE_DIR / "var" / "evidence")))
MEDIA_URL = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Evidence on object storage (mediation/storage.py): with EVIDENCE_STORAGE_URL set, evidence,
# thumbnails and every node's reads go to the S3-compatible bucket; unset, to MEDIA_ROOT.
EVIDENCE_STORAGE_URL = env("EVIDENCE_STORAGE_URL")
if EVIDENCE_STORAGE_URL:
    from mediation.storage import evidence_storage

    STORAGES["default"] = evidence_storage(
        EVIDENCE_STORAGE_URL,
        access_key=env("EVIDENCE_STORAGE_ACCESS_KEY"),
        secret_key=env("EVIDENCE_STORAGE_SECRET_KEY"),
    )
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_MAX_FILES = 20
# Images with more pixels than this are refused from their header, before decoding (a 300 KB
# PNG can decode to gigabytes); 40 megapixels is above what phone cameras produce.
EVIDENCE_MAX_PIXELS = int(env("EVIDENCE_MAX_PIXELS", "40000000"))
# Files a user may send per hour, refused ones included (429 with Retry-After).
EVIDENCE_UPLOADS_PER_HOUR = int(env("EVIDENCE_UPLOADS_PER_HOUR", "60"))
# Any request body above this answers 413 before it is read (one evidence file and its envelope).
REQUEST_MAX_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
# The pages that take evidence files accept every file a complaint may have at the size limit,
# and the form around them (mediation.security.RequestSizeLimitMiddleware): filing (the
# consumer's and the council's intake), adding evidence, and the case actions (the proof of
# fulfilment takes files).
UPLOAD_VIEWS = frozenset({"complaints:new", "supervision:intake", "complaints:evidence_upload", "complaints:act"})
UPLOAD_REQUEST_MAX_BYTES = EVIDENCE_MAX_FILES * EVIDENCE_MAX_BYTES + 2 * 1024 * 1024

# Redis is the Celery broker and the cache; without it, tasks run eagerly after commit.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # A Redis outage must not turn requests into errors: cache reads miss and writes are
    # dropped (throttles let requests through) until it is back, after short timeouts.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery closes a worker's database connections after every task, so each notice started a
# PostgreSQL backend of its own (about 8 ms of the machine's CPU per filing). Workers keep them as
# the web does instead: mediation/celery.py closes one that broke or outlived CONN_MAX_AGE around
# each task, and Celery recycles them all only after this many tasks.
CELERY_DB_REUSE_MAX = 1000
# Publishing must never hold a web request hostage to a broker outage: the outbox sweep
# re-queues anything that did not reach the broker.
# A message a worker took but never acknowledged (the worker died) goes back to the queue
# after visibility_timeout: longer than the longest retry countdown (4 min) and than
# NOTICE_STALE_SENDING_SECONDS, so the outbox sweep, not Redis, is what re-sends a notice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "visibility_timeout": int(env("BROKER_VISIBILITY_TIMEOUT", "900")),
}
CELERY_TASK_PUBLISH_RETRY = False
# Notices have a queue of their own, so a backlog of other tasks never holds them up. Both
# queues are the workers' queues: a plain `celery -A mediation worker` consumes both, and
# `-Q notices` still starts a worker dedicated to notices.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("notices"))
CELERY_TASK_ROUTES = {
    "notifications.tasks.send_notification": {"queue": "notices"},
    "notifications.tasks.send_notices": {"queue": "notices"},
    "notifications.tasks.drain_outbox": {"queue": "notices"},
}
# The sweep is cheap (a partial index holds only unsent notices), so it runs often: after a
# broker outage, notices leave within seconds of its return.
OUTBOX_SWEEP_SECONDS = float(env("OUTBOX_SWEEP_SECONDS", "5"))
# A run that waited longer than its interval (the workers were down) expires unrun: the next
# one does the same work, so a long outage does not leave hundreds of runs to catch up.
CELERY_BEAT_SCHEDULE = {
    "apply-deadlines": {
        "task": "complaints.tasks.apply_deadlines",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    "sweep-outbox": {
        "task": "notifications.tasks.sweep_outbox",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "options": {"expires": OUTBOX_SWEEP_SECONDS},
    },
    # Privacy-number bindings of closed cases, of cases with calls turned off and expired ones are
    # unbound at the gateway; one the gateway failed to unbind is tried again on the next run.
    "release-call-bindings": {
        "task": "complaints.tasks.release_call_bindings",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    # Public figures a change marked stale (mediation.figures), though nobody read them.
    "refresh-stale-public-figures": {
        "task": "supervision.tasks.refresh_stale_public_figures",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
}

# SMS through django-sms: the gateway is a setting.
SMS_FILE_PATH = env("SMS_FILE_PATH")
SMS_BACKEND = env(
    "SMS_BACKEND",
    "sms.backends.filebased.SmsBackend" if SMS_FILE_PATH else "sms.backends.console.SmsBackend",
)
DEFAULT_FROM_SMS = env("DEFAULT_FROM_SMS", "315")
# Template gateways (notifications/backends: aliyun.SmsBackend, tencent.SmsBackend) send an
# approved template per notice event: SMS_TEMPLATES="filed=SMS_1,reminder=SMS_2,...".
SMS_SIGN_NAME = env("SMS_SIGN_NAME")
SMS_TEMPLATES = {
    event.strip(): code.strip()
    for event, _sep, code in (item.partition("=") for item in env("SMS_TEMPLATES").split(","))
    if event.strip() and code.strip()
}
ALIYUN_ACCESS_KEY_ID = env("ALIYUN_ACCESS_KEY_ID")
ALIYUN_ACCESS_KEY_SECRET = env("ALIYUN_ACCESS_KEY_SECRET")
# Aliyun SMS's endpoint (host[:port]) and protocol. Plain http is for a stand-in on this machine
# only (the fault tests' gateway stub): numbers and case texts never cross a network unencrypted.
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com")
ALIYUN_SMS_PROTOCOL = env("ALIYUN_SMS_PROTOCOL", "https").lower()
if ALIYUN_SMS_PROTOCOL not in {"https", "http"} or (
    ALIYUN_SMS_PROTOCOL == "http" and ALIYUN_SMS_ENDPOINT.rsplit(":", 1)[0] not in {"127.0.0.1", "localhost", "[::1]"}
):
    raise ImproperlyConfigured("ALIYUN_SMS_PROTOCOL must be https (http only with a local ALIYUN_SMS_ENDPOINT).")
TENCENT_SECRET_ID = env("TENCENT_SECRET_ID")
TENCENT_SECRET_KEY = env("TENCENT_SECRET_KEY")
TENCENT_SMS_SDK_APP_ID = env("TENCENT_SMS_SDK_APP_ID")
TENCENT_SMS_REGION = env("TENCENT_SMS_REGION", "ap-guangzhou")
# Calls through a privacy number (telephony/): the gateway that binds a merchant's and a
# consumer's phones to a middle number of its pool. The local default records bindings and
# places no call (manage.py play_call plays one); telephony.backends.aliyun.CallBackend and
# telephony.backends.tencent.CallBackend use the providers' official SDKs.
CALL_BACKEND = env("CALL_BACKEND", "telephony.backends.local.CallBackend")
# A binding ends this long after it was made, or when its case closes, whichever comes first.
CALL_BINDING_MINUTES = int(env("CALL_BINDING_MINUTES", "120"))
# Call-record callbacks (POST /api/v1/calls/callback/<provider>/) carry this secret: the hex
# HMAC-SHA256 of the body in X-Call-Signature, or ?token= in the URL given to the provider.
# Unset, every callback is refused.
CALL_CALLBACK_SECRET = env("CALL_CALLBACK_SECRET")
CALL_LOCAL_POOL = [
    n.strip() for n in env("CALL_LOCAL_POOL", "17100000001,17100000002,17100000003").split(",") if n.strip()
]
ALIYUN_PLS_POOL_KEY = env("ALIYUN_PLS_POOL_KEY")
ALIYUN_PLS_ENDPOINT = env("ALIYUN_PLS_ENDPOINT", "dyplsapi.aliyuncs.com")
TENCENT_NPP_BIZ_APP_ID = env("TENCENT_NPP_BIZ_APP_ID")
TENCENT_NPP_REGION = env("TENCENT_NPP_REGION", "ap-guangzhou")
# Delivery receipts (POST /api/v1/notifications/receipts/) are signed with this secret
# (HMAC-SHA256 of the body in X-Receipt-Signature); unset, every receipt is refused.
SMS_RECEIPT_SECRET = env("SMS_RECEIPT_SECRET")
# The outbox sweep queues a notice again after it waited this long for its task, and takes
# back one a worker has held ("sending") this long: that worker died.
# A task lost with a broker that kept nothing (a Redis restart) is queued again this long after it
# was published; the sweep runs every OUTBOX_SWEEP_SECONDS.
NOTICE_STALE_PENDING_SECONDS = int(env("NOTICE_STALE_PENDING_SECONDS", "20"))
# A drain waits this long before it looks for notices, taking every notice written meanwhile
# (notifications/doorbell.py): a moment's wait before a text, one drain for many filings.
NOTICE_GATHER_SECONDS = float(env("NOTICE_GATHER_SECONDS", "0.1"))
# A send is killed after 120 s (notifications.tasks.SEND_TIME_LIMIT), so a row held longer than
# this belongs to a worker that died: the sweep gives it back, and it is sent once more.
NOTICE_STALE_SENDING_SECONDS = int(env("NOTICE_STALE_SENDING_SECONDS", "150"))
# A notice the gateway refuses for a passing reason (down, throttled, timed out) is tried
# NOTICE_MAX_ATTEMPTS times, NOTICE_RETRY_SECONDS x 1, 2, 4, 8 ... apart (each +-50 %), then failed
# and listed for staff to send again. The defaults keep trying for about 5 minutes; the longest
# wait (4 min) must stay below BROKER_VISIBILITY_TIMEOUT.
NOTICE_MAX_ATTEMPTS = int(env("NOTICE_MAX_ATTEMPTS", "6"))
NOTICE_RETRY_SECONDS = float(env("NOTICE_RETRY_SECONDS", "10"))
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@315.example.cn")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.security.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "mediation.api.Pagination",
    # JSON bodies are checked for size and nesting depth before they are parsed.
    "DEFAULT_PARSER_CLASSES": [
        "mediation.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "mediation.schema.AutoSchema",
    "EXCEPTION_HANDLER": "mediation.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # "login": password logins per IP, on the API (auth/token/) and the login page alike.
    "DEFAULT_THROTTLE_RATES": {
        "anon": "120/minute",
        "sms_code": "10/hour",
        "login": env("LOGIN_RATE_PER_IP", "30/minute"),
    },
}
# An API token is refused (401) this many days after it was issued; a password login then
# issues a new one. Changing or resetting the password, or signing out everywhere, deletes it.
API_TOKEN_DAYS = int(env("API_TOKEN_DAYS", "30"))
SPECTACULAR_SETTINGS = {
    "TITLE": "315 complaint mediation platform API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets are called "status": a complaint's and a delivery receipt's.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "complaints.models.Status",
        "ReceiptStatusEnum": "complaints.receipts_api.RECEIPT_STATUSES",
        "IncidentStatusEnum": "complaints.models.IncidentStatus",
    },
}

# Compensation owed for a confirmed violation, CNY.
VIOLATION_COMPENSATION = {"negative_handling": "20.00", "harassment": "100.00"}
# Priority rules (SPEC "Priority"): a complaint above this amount scores higher.
PRIORITY_AMOUNT_THRESHOLD = "5000.00"

# A merchant's public record shows a credit index only over at least this many cases it was
# given to answer in the last 12 months; below it the record says "not enough cases yet".
RECORD_MIN_CASES = 5

# A consumer's delivery address is shown to the merchant (as the consumer granted) until this
# many days after the case closed; then only its district again.
ADDRESS_RETENTION_DAYS = int(env("ADDRESS_RETENTION_DAYS", "30"))
# An incident (a collective complaint) with at least this many cases is listed on the public
# statistics page: its merchant, title, case count and status.
INCIDENT_PUBLIC_MIN_CASES = int(env("INCIDENT_PUBLIC_MIN_CASES", "20"))

# The staff dashboard's figures are computed at most this often per region and period (0: always).
DASHBOARD_CACHE_SECONDS = int(env("DASHBOARD_CACHE_SECONDS", "60"))

# Rate limits of the services (mediation.errors.Throttled, 429): complaints a consumer
# files per 24 hours, messages a user writes per hour.
COMPLAINTS_PER_DAY = int(env("COMPLAINTS_PER_DAY", "10"))
MESSAGES_PER_HOUR = int(env("MESSAGES_PER_HOUR", "30"))
# Agent invitations per 24 hours: by one merchant, and to one mobile number from all merchants.
INVITATIONS_PER_MERCHANT_PER_DAY = int(env("INVITATIONS_PER_MERCHANT_PER_DAY", "20"))
INVITATIONS_PER_PHONE_PER_DAY = int(env("INVITATIONS_PER_PHONE_PER_DAY", "3"))
# SMS sent because of a person's action (an invitation, an enrolment decision) per 24 hours:
# to one mobile number, and caused by one sender. Login codes have their own limits
# (accounts.services); case notices follow the case's own limits.
SMS_PER_NUMBER_PER_DAY = int(env("SMS_PER_NUMBER_PER_DAY", "5"))
SMS_PER_SENDER_PER_DAY = int(env("SMS_PER_SENDER_PER_DAY", "60"))
# The latest date a merchant's offer may promise, in days from today (an agreement's deadline too).
OFFER_MAX_DAYS = int(env("OFFER_MAX_DAYS", "60"))

# Content-Security-Policy (django-csp): no inline scripts or styles, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe the health check over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
