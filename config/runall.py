"""`make run`: the web server, a Celery worker and Celery beat, stopped together.

Prints the URL and the demo logins, then waits; Ctrl-C stops all three.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import django

BASE = Path(__file__).resolve().parent.parent


def child_env(environ: Mapping[str, str], port: str) -> dict[str, str]:
    """The environment of the three processes: links in e-mails point at this server, on
    whatever port it runs, unless PORTAL_BASE_URL says otherwise."""
    env = {**environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.setdefault("PORTAL_BASE_URL", f"http://127.0.0.1:{port}")
    return env


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from consultation.demo import DEMO_PASSWORD

    port = os.environ.get("PORT", "8000")
    python = sys.executable
    env = child_env(os.environ, port)
    (BASE / "var" / "broker" / "queue").mkdir(parents=True, exist_ok=True)
    (BASE / "var" / "broker" / "processed").mkdir(parents=True, exist_ok=True)
    celery = [python, "-m", "celery", "-A", "config"]
    commands = {
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [
            *celery,
            "worker",
            "--loglevel=INFO",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
        ],
        "beat": [
            *celery,
            "beat",
            "--loglevel=INFO",
            "--schedule",
            str(BASE / "var" / "celerybeat-schedule"),
        ],
    }
    procs = {name: subprocess.Popen(cmd, cwd=BASE, env=env) for name, cmd in commands.items()}  # noqa: S603
    time.sleep(2)
    print(
        f"\n  Portal: http://127.0.0.1:{port}/    TSB admin: http://127.0.0.1:{port}/admin/\n"
        f"  Log in with any demo e-mail printed above; password: {DEMO_PASSWORD}\n"
        "  TSB staff and signatories then give a two-factor code:\n"
        "    make demo-code EMAIL=<e-mail>\n"
        "  Ctrl-C stops the web server, the Celery worker and beat.\n",
        flush=True,
    )
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for name, proc in procs.items():
            if proc.poll() is not None:
                print(f"{name} exited with {proc.returncode}; stopping the others.", flush=True)
                code = proc.returncode or 1
                stopping = True
                break
        time.sleep(0.5)
    for proc in procs.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in procs.values():
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return code


if __name__ == "__main__":
    sys.exit(main())
