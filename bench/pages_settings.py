"""Settings of bench/pages.py: the production settings (DEBUG off), served over plain HTTP on
127.0.0.1, with the bench's URLs (pages_urls: the portal's and a bare template view)."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-for-bench-pages-only-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("EMAIL_HOST", "localhost")

from config.settings import *  # noqa: E402,F403

ROOT_URLCONF = "pages_urls"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# No collectstatic for a benchmark: the pages name their static files, none is requested.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each worker its own cache, no Redis needed (production shares Redis): the home's list of
# closed consultations is cached there (consultation.views.home), as in production.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
