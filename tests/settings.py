"""Test settings: production settings with only what tests need overridden."""

import os
import uuid

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-for-the-test-suite-only-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("EMAIL_HOST", "localhost")

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES, REDIS_URL, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Each run gets its own key prefix, so that rate limits and cached values of one run never
# leak into the next when the cache is the shared Redis.
_run = uuid.uuid4().hex[:8]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"portal-test-{_run}",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Serve static files from the apps' folders, without a collectstatic run.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Integration tests run a real Celery worker in another process, on the test database:
# SQLite's test database is therefore a file (not in memory), and the worker is pointed at
# the test database and at the database mail backend through these variables.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
if os.environ.get("PORTAL_WORKER_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["PORTAL_WORKER_DB_NAME"]
if os.environ.get("PORTAL_WORKER_EMAIL_BACKEND"):
    EMAIL_BACKEND = os.environ["PORTAL_WORKER_EMAIL_BACKEND"]
