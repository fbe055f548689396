"""The Celery application. Broker: Redis when REDIS_URL is set, else kombu's filesystem
transport (the embedded default of `make run`, needs no server)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
