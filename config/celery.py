"""The Celery application. Broker: Redis when REDIS_URL is set, else kombu's filesystem
transport (the embedded default of `make run`, needs no server). The beat schedule lives here,
in code."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    """kombu's filesystem transport needs its folders to exist before anyone publishes."""
    if str(sender.conf.broker_url).startswith("filesystem"):
        options = sender.conf.broker_transport_options or {}
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            if options.get(key):
                os.makedirs(options[key], exist_ok=True)


# PORTAL_BEAT_SCALE shortens every interval (the integration tests use 0.05).
_scale = float(os.environ.get("PORTAL_BEAT_SCALE", "1"))

app.conf.beat_schedule = {
    # The outbox: whatever is pending (queued while the broker was down, or left by a
    # killed worker) is sent within seconds.
    "notifications-drain": {"task": "consultation.notifications_drain", "schedule": 5.0 * _scale},
    # Reminders are "due and not yet queued", so running often is cheap and catches up.
    "reminders-queue-due": {
        "task": "consultation.reminders_queue_due",
        "schedule": 60.0 * _scale,
    },
    # Large exports: start those whose publish was lost, delete the files past their time.
    "export-jobs-housekeeping": {
        "task": "consultation.export_jobs_housekeeping",
        "schedule": 60.0 * _scale,
    },
    # Stage two: reminders before the end of a "more time" window, and the end itself.
    "more-time-housekeeping": {
        "task": "consultation.more_time_housekeeping",
        "schedule": 60.0 * _scale,
    },
    # A circular closes by itself at its deadline (the services also refuse late replies).
    "circulars-close-due": {
        "task": "consultation.circulars_close_due",
        "schedule": 15.0 * _scale,
    },
}
