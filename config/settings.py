"""Settings for the consultation portal: one module, read from the environment.

Production is the default: DEBUG is off unless DEBUG=true, and then SECRET_KEY, ALLOWED_HOSTS
and DATABASE_URL must be set explicitly. `make run` sets DEBUG=true for the local demo.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_required, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)
PRODUCTION = not DEBUG

SECRET_KEY = env_required(
    "SECRET_KEY", when=PRODUCTION, fallback="insecure-local-development-key-do-not-deploy"
)
if PRODUCTION and len(SECRET_KEY) < 50:
    # Django's own deploy check (security.W009) wants 50 characters or more.
    raise ImproperlyConfigured(
        "SECRET_KEY must be at least 50 characters long in production. Generate one with: "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set. It is required when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Ours first, so that our templates override allauth's and the admin's.
    "accounts",
    "consultation",
    "modeltranslation",  # before the admin, which it extends
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "import_export",
    "csp",  # django-csp 4: its system checks (old-style CSP_* settings)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (config.csp: stricter for the portal's pages).
    "config.csp.PortalCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # The audit trail: the request for audit_record, and every 403 as a refusal.
    "accounts.audit.AuditMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# Database: SQLite by default (the one-command run); PostgreSQL when DATABASE_URL says so.
_sqlite_path = VAR_DIR / "db.sqlite3"
DATABASE_URL = env_required("DATABASE_URL", when=False, fallback=f"sqlite:///{_sqlite_path}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and WAL: concurrent writers wait instead of failing (STACK.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; "
        f"PRAGMA busy_timeout={env_int('SQLITE_BUSY_TIMEOUT_MS', 10_000)};",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: the six official languages of ITU. Deadlines are UTC (ITU states them so).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("en", _("English")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
LANGUAGES_BIDI = ["ar"]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
# Content in the six languages (django-modeltranslation: one column per language, edited side
# by side in the admin). English is the fallback, and pages say when they fall back.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
MODELTRANSLATION_AUTO_POPULATE = False
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Media (reply attachments, large exports, import previews): the local disk by default; with
# STORAGE_S3_BUCKET set, an S3-compatible object store that every machine shares
# (django-storages), private, reached with credentials from the environment only.
if env_str("STORAGE_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("STORAGE_S3_BUCKET"),
            "endpoint_url": env_str("STORAGE_S3_ENDPOINT_URL") or None,
            "region_name": env_str("STORAGE_S3_REGION") or None,
            "access_key": env_str("STORAGE_S3_ACCESS_KEY") or None,
            "secret_key": env_str("STORAGE_S3_SECRET_KEY") or None,
            "location": env_str("STORAGE_S3_PREFIX"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # uploads are served only through permission-checked views

# Cache: Redis when REDIS_URL is set (shared by every process, needed by rate limits);
# otherwise the database cache, which is also shared by every process.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }

# E-mail.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    # The local demo delivers into the database: TSB reads the mails in the admin.
    "consultation.mail.DatabaseEmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "TSB consultations <tsbconsult@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
if PRODUCTION and EMAIL_BACKEND.endswith("smtp.EmailBackend") and EMAIL_HOST == "localhost":
    env_required("EMAIL_HOST", when=True)

# Security: safe by default in production.
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients):
# BEHIND_TLS_PROXY=true. Never set it without such a proxy: clients could then claim https.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", default=False) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
# HSTS: a year, subdomains included, preload-ready (what `manage.py check --deploy` asks for).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4): no inline script anywhere, scripts and styles from
# our own origin only. Inline style *attributes* stay allowed (style-src-attr): the results
# bars set their widths with style="width: …%". The admin gets a relaxed variant
# (CSP_ADMIN_DIRECTIVES, applied by config.csp.PortalCSPMiddleware); see README, "Production".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],  # data: allauth's TOTP QR code is an SVG data URI
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
_import_export_handler = base64.b64encode(
    hashlib.sha256(b"onSelectToggleChange(event)").digest()
).decode()
CSP_ADMIN_DIRECTIVES = {
    # django-import-export's export page has one inline handler,
    # onchange="onSelectToggleChange(event)": allowed by its hash, no other inline script.
    "script-src": [
        "'self'",
        "'unsafe-hashes'",
        f"'sha256-{_import_export_handler}'",
    ],
    # The admin's change list writes an inline <style> block; import-export's pages use style
    # attributes. Styles cannot run code; scripts stay strict.
    "style-src": ["'self'", "'unsafe-inline'"],
}

# allauth: e-mail login, no public signup (TSB invites officials).
SITE_ID = 1
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/key,20/m/ip"}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
LOGIN_REDIRECT_URL = "/"

# Celery (notifications come with their own issue; the app is configured from day one).
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_TASK_IGNORE_RESULT = True
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every step of every PDF at INFO.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# --- accounts: authentication, MFA, sessions (owned by the accounts work) -----------------
# Append here rather than editing the lists above, so the two streams of work do not collide.
INSTALLED_APPS += ["allauth.usersessions"]
# After allauth's AccountMiddleware (needs request.user and allauth's request context); before
# UserSessionsMiddleware, so that a session our middleware ends is not tracked again.
_after_allauth = MIDDLEWARE.index("allauth.account.middleware.AccountMiddleware") + 1
MIDDLEWARE[_after_allauth:_after_allauth] = [
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.AccountSecurityMiddleware",
    # allauth's UserSessionsMiddleware, but at most once per SESSION_REFRESH_SECONDS.
    "accounts.middleware.CoarseActivityMiddleware",
]
LOGIN_URL = "account_login"
# Sessions: end after SESSION_IDLE_SECONDS without a request (the expiry is renewed at most
# once a minute) and, whatever the activity, SESSION_ABSOLUTE_SECONDS after login (our middleware).
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600)
if not 0 < SESSION_IDLE_SECONDS <= SESSION_ABSOLUTE_SECONDS:
    raise ImproperlyConfigured(
        "SESSION_IDLE_SECONDS must be positive and at most SESSION_ABSOLUTE_SECONDS."
    )
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
# Not on every request: accounts.middleware.CoarseActivityMiddleware renews the expiry (and
# allauth's "last seen") at most once per SESSION_REFRESH_SECONDS.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
ACCOUNT_SESSION_REMEMBER = False  # no "remember me": officials often share office computers
# allauth.usersessions: officials see their sessions (IP, browser, last seen) and end them.
USERSESSIONS_TRACK_ACTIVITY = True
# Behind a TLS proxy: how many proxies append to X-Forwarded-For (rate limits, audit IPs).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# The subject prefix of allauth's mails is translated: accounts.adapter.format_email_subject.
ACCOUNT_EMAIL_NOTIFICATIONS = True  # mail on password change, authenticator app added/removed
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Two-factor: TOTP apps and recovery codes; required for signatories and TSB staff by
# accounts.middleware. Reauthentication stays required for the MFA pages, except that
# accounts.adapter lets a user set up a first app (and see its recovery codes) within
# ACCOUNT_REAUTHENTICATION_TIMEOUT seconds of logging in without typing the password twice.
MFA_REAUTHENTICATION_REQUIRED = True
MFA_TOTP_ISSUER = "ITU-T TSB consultations"
# Invitations: a set-password link valid this long (accounts.tokens). Links in the e-mails
# use PORTAL_BASE_URL (e.g. https://consult.example.int) or else the host of the request.
INVITATION_TIMEOUT_SECONDS = env_int("INVITATION_TIMEOUT_SECONDS", 7 * 24 * 3600)
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "")
# --- end accounts ---------------------------------------------------------------------------

# --- consultation: replies and attachments ------------------------------------------------
# Refuse upload names with folders or control characters instead of silently cleaning them;
# installed before anything (CSRF) reads request.POST.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware"),
    "consultation.uploads.StrictUploadNamesMiddleware",
)
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
# Links in e-mails, and who receives the closing summary of each circular.
PORTAL_URL = PORTAL_BASE_URL or "http://127.0.0.1:8000"
TSB_SUMMARY_EMAILS = env_list("TSB_SUMMARY_EMAILS")
# Reminders to the Member States that asked for more time at a meeting (Resolution 1, 9.5),
# before the end of the 4 weeks in which they may send a formal opposition.
MORE_TIME_REMINDER_OFFSETS = env_str("MORE_TIME_REMINDER_OFFSETS", "14d, 7d, 2d")
# Publishing never hangs on a broker that is down: fail fast, the outbox drain catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Spreadsheet exports and imports (django-import-export): CSV, XLSX and ODS only. Exporting
# needs the model's own "export_<model>" permission (viewing is not enough), importing its
# "add_<model>" permission. Every import runs in one transaction: all rows or none.
from import_export.formats import base_formats as _formats  # noqa: E402

IMPORT_EXPORT_FORMATS = [_formats.CSV, _formats.XLSX, _formats.ODS]
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_USE_TRANSACTIONS = True
# The previewed upload waits in the default storage (shared by every machine when it is S3),
# not in one machine's /tmp: the confirmation may reach another web server.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
# Large exports (a Celery task writes them) are kept this long for TSB to download.
EXPORT_KEEP_SECONDS = env_int("EXPORT_KEEP_SECONDS", 24 * 3600)
# XLSX cannot hold control characters: replaced rather than failing the whole export.
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True
# --- end consultation -----------------------------------------------------------------------
