"""Real parts for the integration tests: a private Redis server, Celery workers and beats in
their own processes, on the test database, delivering into the database mail backend."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app

BASE = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server of the test's own, so stopping it disturbs nothing else."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed for the integration tests"
        self.proc = subprocess.Popen(  # noqa: S603
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


class Processes:
    """Celery workers and beats started by a test, all stopped at its end."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env = env
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []
        self.count = 0

    def _start(self, args: list[str]) -> subprocess.Popen[bytes]:
        self.count += 1
        log = (self.tmp / f"celery-{self.count}.log").open("wb")
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=BASE,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def worker(self) -> subprocess.Popen[bytes]:
        return self._start(
            [
                "worker",
                "--pool=solo",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "-l",
                "WARNING",
                "-n",
                f"w{self.count}@%h",
            ]
        )

    def beat(self) -> subprocess.Popen[bytes]:
        schedule = self.tmp / f"beat-{self.count}"
        return self._start(["beat", "-l", "WARNING", "-s", str(schedule)])

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-3000:] for p in self.tmp.glob("celery-*.log")
        )


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery(redis_server: RedisServer, tmp_path: Path, settings) -> Iterator[Processes]:
    """Workers and beats on the test database and the private Redis; this process
    publishes to the same Redis."""
    settings.EMAIL_BACKEND = "consultation.mail.DatabaseEmailBackend"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "REDIS_URL": redis_server.url,
        "PORTAL_WORKER_DB_NAME": str(connection.settings_dict["NAME"]),
        "PORTAL_WORKER_EMAIL_BACKEND": "consultation.mail.DatabaseEmailBackend",
        "PORTAL_BEAT_SCALE": "0.05",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    old_broker = celery_app.conf.broker_url
    celery_app.conf.broker_url = redis_server.url
    reset_pools()
    processes = Processes(env, tmp_path)
    yield processes
    processes.stop_all()
    celery_app.conf.broker_url = old_broker
    reset_pools()


def reset_pools() -> None:
    """Make this process's Celery app connect anew, to the broker URL now configured."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
        celery_app._pool = None
    celery_app.amqp._producer_pool = None


def wait_for(
    predicate: Callable[[], bool], *, timeout: float, what: str, logs: Callable[[], str]
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{logs()}")
