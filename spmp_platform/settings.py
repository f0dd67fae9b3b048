"""Settings for the SPMP platform: every value read from the environment here, once."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SPMP_DATA_DIR", BASE_DIR / ".data"))

DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"
TESTING = "pytest" in sys.modules or os.environ.get("SPMP_TESTING") == "1"


def _require(name: str, dev_default: str) -> str:
    """A secret: required in production (fail fast with a clear message), defaulted elsewhere."""
    value = os.environ.get(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"{name} must be set when DJANGO_ENV=production; refusing to start without it."
        )
    return dev_default


def _bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = _require("SECRET_KEY", "dev-only-insecure-secret-key-do-not-use-in-production")
# Keys the audit seal HMAC; it lives outside the database so a database writer cannot re-seal.
AUDIT_SEAL_KEY = _require("AUDIT_SEAL_KEY", "dev-only-audit-seal-key")
# Audit rows younger than this are left to the next sealing run (see audit/sealing.py).
AUDIT_SEAL_GRACE_SECONDS = float(os.environ.get("AUDIT_SEAL_GRACE_SECONDS", "5"))
# A copy of each schema's audit chain head outside the database, written by the sealer and checked
# by verify_audit (see audit/sealing.py); unset: no such copy and no check.
AUDIT_CHAIN_HEAD_PATH = os.environ.get("AUDIT_CHAIN_HEAD_PATH", "").strip()
# A job run still marked running after this long is taken to be dead (a killed worker) and redone.
JOB_RUN_TIMEOUT_SECONDS = float(os.environ.get("JOB_RUN_TIMEOUT_SECONDS", "3600"))
# Keys the pseudonymous match keys of the cross-force registry.
REGISTRY_MATCH_KEY = _require("REGISTRY_MATCH_KEY", "dev-only-registry-match-key")
# Cross-force sharing: registry checks a user may make in an hour (counted from the log), and the
# longest a grant may run.
SHARING_CHECKS_PER_HOUR = int(os.environ.get("SHARING_CHECKS_PER_HOUR", "30"))
SHARING_MAX_DAYS = int(os.environ.get("SHARING_MAX_DAYS", "90"))


def _fernet_keys(name: str, dev_default: str) -> list[str]:
    """Comma-separated Fernet keys (url-safe base64 of 32 bytes), newest first; checked here so a
    mistyped key stops the process at start rather than at the first protected person read."""
    import base64
    import binascii

    keys = [k.strip() for k in _require(name, dev_default).split(",") if k.strip()]
    for position, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"{name}: key {position} is not a Fernet key (url-safe base64 of 32 bytes; make one "
                'with python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").'
            )
    if not keys:
        raise ImproperlyConfigured(f"{name} names no key.")
    return keys


# Keys of the encrypted columns (protected persons' contact and safety details, core/encryption.py):
# the first encrypts, every one decrypts, so a new key goes first and an old one stays until
# `manage.py reencrypt_protected_data` has rewritten every row with the new one.
FIELD_ENCRYPTION_KEYS = _fernet_keys(
    "FIELD_ENCRYPTION_KEYS",
    "c3BtcC1kZXYtb25seS1maWVsZC1rZXktMzJieXRlcyE=",  # dev and tests only
)
# Off unless asked for: the debug 404 page lists every URL pattern, which the demo must not show.
DEBUG = _bool("DEBUG", default=False)

SPMP_DOMAIN = os.environ.get("SPMP_DOMAIN", "spmp.localhost").strip().lower()
ALLOWED_HOSTS = [SPMP_DOMAIN, f".{SPMP_DOMAIN}"]
if TESTING:
    ALLOWED_HOSTS.append("testserver")
DEMO_PASSWORD = os.environ.get("SPMP_DEMO_PASSWORD", "demo-only-password")

# --- Web server (gunicorn, spmp_platform/gunicorn_conf.py; the demo and production alike) ----
# Fixed processes and threads: each thread keeps at most one database connection (CONN_MAX_AGE),
# so one web server holds at most WEB_WORKERS x WEB_THREADS connections, however busy it is.
WEB_WORKERS = int(os.environ.get("WEB_WORKERS", "2"))
WEB_THREADS = int(os.environ.get("WEB_THREADS", "4"))
# How many reverse proxies in front of the web server append to X-Forwarded-For (the chart's
# ingress: 1). 0 ignores the header: the client address is the connection's (see client_address.py).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# --- Database -------------------------------------------------------------------------------
# Unset: the embedded PostgreSQL under DATA_DIR/pg. Importing settings never starts it: the entry
# points that need it call spmp_platform.embedded.ensure_local_services(), which fills in the socket.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
EMBEDDED_DATABASE = not DATABASE_URL
EMBEDDED_DATABASE_DIR = DATA_DIR / "pg"
if EMBEDDED_DATABASE:
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL must be set when DJANGO_ENV=production.")
    DATABASE_URL = f"postgresql://postgres:@/postgres?host={EMBEDDED_DATABASE_DIR}"

_db = dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")))
_db["ENGINE"] = "django_tenants.postgresql_backend"
_db.setdefault("OPTIONS", {})
if "host" in _db["OPTIONS"]:  # a socket folder given as ?host=/path (the embedded server's URL)
    _db["HOST"] = _db["OPTIONS"].pop("host")
_db["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's JIT off for every connection: this is a web application of short queries, and the
# planner's cost of a caseload's per-subject subqueries crosses jit_above_cost at a few thousand
# subjects, where compiling took seconds of a query that runs in 0.1 s (bench resourcing.snapshot
# x51; the caseload API sorted by next key date 324-434 ms with it, 114-212 ms without). An
# ``options`` given in DATABASE_URL is kept and the setting added to it.
_db["OPTIONS"]["options"] = " ".join(filter(None, [_db["OPTIONS"].get("options", ""), "-c jit=off"]))
_test_name = os.environ.get("SPMP_TEST_DATABASE_NAME")
if _test_name:
    _db["TEST"] = {"NAME": _test_name}
DATABASES = {"default": _db}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

# --- Tenancy --------------------------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "core.admin_site.MfaAdminConfig",  # django.contrib.admin behind two-factor (core/admin_site.py)
    "guardian",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    # TOTP second factor (core/mfa.py): devices belong to users, so they live in public.
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Public-schema apps of the platform (see the README's layout). audit and jobs are in both
    # lists: the platform's own log and the job runs live in public, each force's log in its schema.
    "statute",
    "audit",
    "jobs",
    # Cross-force sharing (issue 14): registry keys, requests and grants, public; names forces by UUID.
    "sharing",
    "api",
    # Resourcing (issue 15): numbers per force and day, never people; public schema only.
    "resourcing",
]
TENANT_APPS = [
    "guardian",
    "audit",
    "jobs",
    "organisation",
    "subjects",
    "orders",
    "plans",
    "compliance",
    "reminders",
]
INSTALLED_APPS = list(SHARED_APPS) + [a for a in TENANT_APPS if a not in SHARED_APPS]

TENANT_MODEL = "tenants.Force"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New forces are cloned from this migrated template rather than replaying every migration.
TENANT_BASE_SCHEMA = "force_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
# Issue `SET search_path` once per schema change on a connection, not before every statement (it was
# half of a request's statements). django-tenants forgets the path on set_tenant, rollback and close,
# so a request never runs on the previous request's schema; tests/tenants/test_concurrency.py and
# the bench's search_path figure keep watch (README, "Hosts, identity and tenancy").
TENANT_LIMIT_SET_CALLS = True
ROOT_URLCONF = "spmp_platform.urls_force"
PUBLIC_SCHEMA_URLCONF = "spmp_platform.urls_public"

AUTH_USER_MODEL = "tenants.User"
AUTHENTICATION_BACKENDS = [
    "tenants.backends.RefuseDemoUsersInProduction",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # A force's single sign-on (tenants/sso.py): only when called with its provider.
    "tenants.sso.ForceOIDCBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous never holds grants
GUARDIAN_MONKEY_PATCH_USER = False
LOGIN_URL = "tenants:sign-in"

MIDDLEWARE = [
    # First: probes send the pod address as Host, which routing would 404 (spmp_platform/health.py).
    "spmp_platform.health.HealthCheckMiddleware",
    "tenants.middleware.HostTenantMiddleware",
    "spmp_platform.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Idle and absolute session timeouts (tenants/sessions.py), before anything reads the user.
    "tenants.sessions.SessionTimeoutMiddleware",
    # request.user.is_verified(): whether this session passed a second factor (core/mfa.py).
    "django_otp.middleware.OTPMiddleware",
    "spmp_platform.no_store.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "tenants.middleware.ForceMembershipMiddleware",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "spmp_platform.context_processors.platform",
                "reminders.context_processors.inbox",
            ],
        },
    }
]
WSGI_APPLICATION = "spmp_platform.wsgi.application"
ASGI_APPLICATION = "spmp_platform.asgi.application"

# --- Sessions, cookies, security ------------------------------------------------------------
# One sign-in covers the regional host and every force host under it.
SESSION_COOKIE_DOMAIN = SPMP_DOMAIN
CSRF_COOKIE_DOMAIN = SPMP_DOMAIN
SESSION_COOKIE_NAME = "spmp_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 60 * 60 * 10  # a shift
# SESSION_COOKIE_AGE alone is renewed whenever the session changes: these two are enforced by
# tenants.sessions.SessionTimeoutMiddleware from the time of sign-in and of the last request.
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_ABSOLUTE_HOURS = float(os.environ.get("SESSION_ABSOLUTE_HOURS", "10"))
# Two-factor sign-in (TOTP, core/mfa.py) for the roles that need it: always on in production,
# off by default elsewhere (the demo), on when SPMP_REQUIRE_MFA=1.
SPMP_REQUIRE_MFA = True if PRODUCTION else _bool("SPMP_REQUIRE_MFA", default=False)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "SPMP")
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
_scheme = "https" if PRODUCTION else "http"
CSRF_TRUSTED_ORIGINS = [f"{_scheme}://{SPMP_DOMAIN}", f"{_scheme}://*.{SPMP_DOMAIN}"]
if not PRODUCTION:
    CSRF_TRUSTED_ORIGINS += [f"http://{SPMP_DOMAIN}:*", f"http://*.{SPMP_DOMAIN}:*"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    # Every force is a subdomain of the regional host and served over TLS by the same ingress.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # W008: the ingress redirects plain HTTP (nginx's ssl-redirect with TLS); the pods themselves
    # are reached over HTTP by it and by the probes. W021: joining the preload list is the
    # region's decision about its domain, not the application's.
    SILENCED_SYSTEM_CHECKS = ["security.W008", "security.W021"]

from csp.constants import NONCE  # noqa: E402  (the placeholder django-csp 4 fills per request)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # NONCE, not the string "'nonce'": only the constant is replaced by the request's nonce.
        "script-src": ["'self'", NONCE],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", f"{_scheme}://*.{SPMP_DOMAIN}:*", f"{_scheme}://{SPMP_DOMAIN}:*"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# django-axes: lock out repeated failed sign-ins per user name and address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = 1  # hours
# Per email-and-address pair, and per address alone (credential stuffing tries many emails from one
# address); the address is the trusted proxy's client address (AXES_CLIENT_IP_CALLABLE).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = _bool("AXES_ENABLED", default=True)
# The same client address as the audit log's, honouring TRUSTED_PROXY_COUNT.
AXES_CLIENT_IP_CALLABLE = "spmp_platform.client_address.client_address"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
# The image collects into a folder of its own (its SPMP_DATA_DIR is a writable volume over it).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", "") or DATA_DIR / "staticfiles")
# GOV.UK Frontend and htmx come from npm (node_modules), never copied into the repository.
STATICFILES_DIRS = [
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    BASE_DIR / "static",
]
WHITENOISE_USE_FINDERS = not PRODUCTION
# Production serves the collected build (collectstatic, in the image) with hashed names, so a page
# never mixes an old stylesheet with a new one and every file can be cached for a year.
_STATIC_BACKEND = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if PRODUCTION
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
)

# --- Uploads (media) --------------------------------------------------------------------------
# MEDIA_BUCKET set: S3-compatible object storage (django-storages); credentials come from the
# usual AWS_* variables or the pod's role, never from here. Unset: a folder under SPMP_DATA_DIR.
MEDIA_BUCKET = os.environ.get("MEDIA_BUCKET", "").strip()
MEDIA_ROOT = DATA_DIR / "media"
_media: dict[str, Any]
if MEDIA_BUCKET:
    _media = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_BUCKET,
            "endpoint_url": os.environ.get("MEDIA_ENDPOINT_URL", "").strip() or None,
            "region_name": os.environ.get("MEDIA_REGION", "").strip() or None,
            "location": os.environ.get("MEDIA_PREFIX", "").strip(),
            # Private objects, short-lived signed URLs, never overwritten by a same-named upload.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
else:
    _media = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {"default": _media, "staticfiles": {"BACKEND": _STATIC_BACKEND}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Caches (keyed on the schema so forces never share an entry) ----------------------------
def cache_from_url(url: str) -> dict[str, Any]:
    """Django's cache settings from ``CACHE_URL``: ``redis://`` or ``rediss://`` -> Redis (shared by
    every worker and pod), unset or ``locmem://`` -> this process's memory. Anything else is refused."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not url or scheme == "locmem":
        cache: dict[str, Any] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    elif scheme in {"redis", "rediss"}:
        cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    else:
        raise ImproperlyConfigured(
            f"CACHE_URL must start with redis://, rediss:// or locmem://, not {scheme or url!r}."
        )
    cache["KEY_FUNCTION"] = "django_tenants.cache.make_key"
    cache["REVERSE_KEY_FUNCTION"] = "django_tenants.cache.reverse_key"
    return cache


CACHE_URL = os.environ.get("CACHE_URL", "")
if PRODUCTION and not CACHE_URL:
    # Several workers and pods: a per-process cache would give each its own answer.
    raise ImproperlyConfigured("CACHE_URL must be set when DJANGO_ENV=production (e.g. redis://...).")
CACHES = {"default": cache_from_url(CACHE_URL)}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# Set when the broker is kombu's filesystem transport; ensure_local_services() makes its folders.
FILESYSTEM_BROKER_DIR: Path | None = None
if not CELERY_BROKER_URL:
    # No broker server to install: kombu's filesystem transport, shared by web, worker and beat.
    _broker_dir = FILESYSTEM_BROKER_DIR = DATA_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# Reliability (issue 16): a task is acknowledged when it has finished, not when it is received, so
# a worker killed mid-task (SIGKILL, OOM, a node drained) leaves it on the broker to be redelivered;
# every task is idempotent (JobRun, the reminders' unique key). One task reserved per process, so a
# dying worker strands no prefetched batch. The hard limit kills a stuck task; the soft limit,
# shorter, lets it fail cleanly first. Redis redelivers an unacknowledged task after the visibility
# timeout, which must stay above the hard limit (and the longest ETA) or a long task runs twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "1500"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "1800"))
CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT.")
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
# No result backend: nothing reads task results (JobRun records what a job did).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.HostTokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    # Authenticated and, on a force host, a member of that force (404 otherwise); force endpoints
    # add their per-action permission on top (api.permissions.ForcePermission).
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HostMembership"],
    # JSON only: one documented body format, no form parsing surprises (and no HTML API pages).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StandardPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SPMP platform API",
    "DESCRIPTION": "Subject profile management plans for people subject to protective orders. "
    "OFFICIAL-SENSITIVE.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.strict_request_bodies",
    ],
}


def _rate(name: str, default: str) -> str | None:
    """A throttle rate like ``10/minute``; ``off`` for none. Off by default under tests (a test
    that checks a limit sets it), so the suite's many sign-ins from one address are not limited."""
    value = os.environ.get(name, "off" if TESTING else default).strip().lower()
    return None if value in {"", "off", "none", "0"} else value


# Scoped API limits (api/throttles.py), counted in the shared cache. Above the load test's rate
# (an officer there searches at most about once a second).
API_THROTTLE_RATES = {
    "token_issue": _rate("API_THROTTLE_TOKEN_ISSUE", "10/minute"),
    "subject_search": _rate("API_THROTTLE_SUBJECT_SEARCH", "120/minute"),
}
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "720"))
# How long an emailed invitation link (accept a membership, set a first password) stays usable.
INVITATION_TTL_HOURS = int(os.environ.get("INVITATION_TTL_HOURS", "168"))

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"no-reply@{SPMP_DOMAIN}")
# The SMTP relay, for EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (the chart's).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _bool("EMAIL_USE_TLS", default=False)

# LOG_FORMAT=json: one JSON object a line (python-json-logger) carrying the request id and the
# force slug (spmp_platform/log_context.py), for a cluster's log store. Otherwise plain text.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # An expected 403/404 is one line; tracebacks stay for real errors (spmp_platform.log_filters).
    "filters": {
        "one_line_refusals": {"()": "spmp_platform.log_filters.OneLineExpectedRefusals"},
        "request_context": {"()": "spmp_platform.log_context.RequestContextFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(force)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["one_line_refusals", "request_context"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
