"""Settings of bench/rush.py's gunicorn: the project's settings, read from the same environment
(DEBUG=true there only so that no SECRET_KEY, static manifest or HTTPS redirect is needed),
then DEBUG off as in production (no query log, templates without debug information) and a
URLconf that adds the bare baseline view to the portal's own URLs."""

from config.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.rush_urls"
