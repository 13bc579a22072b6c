"""Settings for Peer Support Manager, read from the environment only (twelve-factor).

Variables: DJANGO_ENV (development|production), DEBUG, SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL, REDIS_URL, EMAIL_URL, DEFAULT_FROM_EMAIL, SITE_URL.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DJANGO_ENV = env("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="development-only-key-never-used-in-production")
else:
    SECRET_KEY = env("SECRET_KEY")  # no production default: fail loudly when unset
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
SERVICE_NAME = "Peer Support Manager"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "simple_history",
    "import_export",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "accounts",
    "councils",
    "peers",
    "programmes",
    "surveys",
    "reports",
    "notifications",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: locks out repeated sign-in failures.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "peersupport.urls"
CSRF_FAILURE_VIEW = "peersupport.errors.csrf_failure"  # a GOV.UK page, not Django's
WSGI_APPLICATION = "peersupport.wsgi.application"

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
                "peersupport.context_processors.service",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (checked before reuse), as most Django deployments run: a new
# PostgreSQL connection per request costs several milliseconds. 0 closes after each request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
# Two-factor sign-in: optional for staff, required for managers and directors in production.
TWO_FACTOR_REQUIRED_FOR_MANAGERS = env.bool("TWO_FACTOR_REQUIRED_FOR_MANAGERS", default=PRODUCTION)
OTP_TOTP_ISSUER = "Peer Support Manager"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout keyed on the username AND the address together, so one office behind a proxy
# is not locked out by one person's mistakes; it lifts after the cool-off period.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form field that holds the email
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private"))
STORAGES = {
    # Private: uploaded documents are never under a public URL; views serve them after checks.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
COUNCIL_DOCUMENT_MAX_BYTES = env.int("COUNCIL_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Email: file backend in development, SMTP (EMAIL_URL=smtp://…) in production.
EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="filemail://" if not PRODUCTION else "smtp://localhost:25"
)
vars().update(EMAIL_CONFIG)
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    EMAIL_FILE_PATH = str(BASE_DIR / "var" / "mail")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Peer Support Manager <noreply@example.org>")

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Celery: Redis when REDIS_URL is set, otherwise eager in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# Programme rules (settings a manager's deployment can change).
PEER_DAY_CAP = env.float("PEER_DAY_CAP", default=40)
INVITATION_RESPONSE_DAYS = env.int("INVITATION_RESPONSE_DAYS", default=10)
INVITATION_CHASER_DAYS = env.int("INVITATION_CHASER_DAYS", default=5)
INVITATION_WORKING_DAYS = env.bool("INVITATION_WORKING_DAYS", default=False)
PROFILE_STALE_MONTHS = env.int("PROFILE_STALE_MONTHS", default=12)
TRAINING_VALID_YEARS = env.int("TRAINING_VALID_YEARS", default=3)
CPC_ENTITLEMENT_YEARS = env.int("CPC_ENTITLEMENT_YEARS", default=3)
# Seconds the allocation solver may take once the peers are loaded (CP-SAT stops there and
# keeps its best proposal, never worse than the greedy one).
MATCHING_SOLVER_SECONDS = env.float("MATCHING_SOLVER_SECONDS", default=5)
# Survey free text is kept this long, then blanked by `manage.py purge_survey_comments`.
SURVEY_FREE_TEXT_RETENTION_DAYS = env.int("SURVEY_FREE_TEXT_RETENTION_DAYS", default=730)

# Content-Security-Policy: no inline scripts or styles anywhere (django-csp).
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
else:
    X_FRAME_OPTIONS = "DENY"
    SECURE_REFERRER_POLICY = "same-origin"

DEMO_PASSWORD = "peersupport-demo"
INVITATION_TOKEN_MAX_AGE = timedelta(days=14)

# --- Notifications (notifications app; every email goes through notifications.services) ---
# Planners: functions (*, today) -> int run daily by beat; other apps append theirs.
NOTIFICATION_PLANNERS = [
    "notifications.planners.invitation_chasers_plan",
    "notifications.planners.invitations_overdue_plan",
    "notifications.planners.upcoming_engagements_plan",
    "notifications.planners.milestone_reminders_plan",
    "notifications.planners.training_lapsed_plan",
    "notifications.planners.day_cap_plan",
    "notifications.planners.profile_reviews_plan",
]
# Surveys (surveys app): reminders 7 and 14 days after an unanswered survey invitation.
NOTIFICATION_PLANNERS.append("surveys.planners.survey_reminders_plan")
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
# A row still "sending" after this was handed over by a worker that died: settled, not resent.
NOTIFICATION_HANDOVER_TIMEOUT = timedelta(minutes=15)
NOTIFICATION_CATCH_UP_DAYS = 3  # a step missed by an outage is still queued this many days
MILESTONE_REMINDER_DAYS = env.int("MILESTONE_REMINDER_DAYS", default=14)
PROFILE_REMINDER_DAYS = env.int("PROFILE_REMINDER_DAYS", default=14)
# Upcoming engagement reminders this many days before the first activity day.
NOTIFICATION_UPCOMING_DAYS_BEFORE = env.list(
    "NOTIFICATION_UPCOMING_DAYS_BEFORE", cast=int, default=[7, 1]
)
# Managers are told when a member peer's days reach these percentages of the day cap.
NOTIFICATION_DAY_CAP_PERCENTS = env.list(
    "NOTIFICATION_DAY_CAP_PERCENTS", cast=int, default=[80, 100]
)
# Survey reminders this many days after an unanswered invitation (read by surveys.planners).
SURVEY_REMINDER_DAYS = env.list("SURVEY_REMINDER_DAYS", cast=int, default=[7, 14])
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# GOV.UK Notify instead of SMTP when the programme has a Notify account (no attachments).
GOVUK_NOTIFY_API_KEY = env("GOVUK_NOTIFY_API_KEY", default="")
GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID = env("GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID", default="")
if GOVUK_NOTIFY_API_KEY:
    EMAIL_BACKEND = "django_gov_notify.backends.NotifyEmailBackend"
elif EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":  # noqa: F821 - from EMAIL_URL
    EMAIL_BACKEND = "notifications.backends.HandoverSMTPBackend"

# Defence in depth for any admin using django-import-export's default formats; ours escape
# =, +, -, @ themselves (programmes/admin_export.py).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# --- REST API (api app): tokens, throttles, errors, OpenAPI schema and self-hosted docs ---
INSTALLED_APPS += ["drf_spectacular_sidecar"]  # Swagger UI served from our own static files
REST_FRAMEWORK.update(
    {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            # Token first: its 401 answer names the Bearer scheme.
            "api.authentication.IntegrationTokenAuthentication",
            "rest_framework.authentication.SessionAuthentication",
        ],
        "DEFAULT_PERMISSION_CLASSES": [
            "rest_framework.permissions.IsAuthenticated",
            "api.permissions.TokenScopeAllows",
        ],
        "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
        "DEFAULT_THROTTLE_RATES": {
            "token": env("API_TOKEN_RATE", default="120/minute"),
            "user": env("API_USER_RATE", default="120/minute"),
            "anon": env("API_ANON_RATE", default="30/minute"),
        },
        "DEFAULT_FILTER_BACKENDS": [
            "django_filters.rest_framework.DjangoFilterBackend",
            "rest_framework.filters.OrderingFilter",
        ],
        "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiPagination",
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
        "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
        "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    }
)
SPECTACULAR_SETTINGS = {
    "TITLE": "Peer Support Manager API",
    "DESCRIPTION": (
        "Councils, offers, engagements, team places and peers of the peer-support programme, "
        "with the same permissions as the web pages. Authenticate with an integration token "
        "issued by a programme manager in the admin: `Authorization: Bearer <token>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs describe every endpoint, filter and error: for signed-in users
    # and token holders only (401 to anyone else; the docs page sends a browser to sign in).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One named enum per choice set (several models have a "status" or a region).
    "ENUM_NAME_OVERRIDES": {
        "EngagementStatusEnum": "programmes.models.EngagementStatus",
        "PlaceStatusEnum": "programmes.models.PlaceStatus",
        "PeerStatusEnum": "peers.models.PeerStatus",
        "DeliveryModeEnum": "programmes.models.DeliveryMode",
        "RegionEnum": "councils.models.Region",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.error_responses",
    ],
}
