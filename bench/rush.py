"""Deadline rush benchmark: every Member State's signatories submit their replies to a circular
of 10 drafts within 60 seconds, through the real pages of a gunicorn server, on SQLite and
then on PostgreSQL, in one invocation.

    python bench/rush.py

SQLite runs in a temporary folder. PostgreSQL runs if it answers at DATABASE_URL (when that
names a PostgreSQL database) or else at postgres://postgres@127.0.0.1:5432/postgres: a fresh
database is created beside it and dropped at the end. Each database is measured in a process
of its own (`--run`), which builds the data, starts gunicorn, drives the load and checks the
database afterwards.

The data: the real register of Member States (accounts.services.member_states_sync), the
193 states of the circular's electorate, each with TWO active signatories, each signed in as
tests/conftest.py's sign_in does it (a TOTP authenticator, a session in the database that
records the password and the two-factor step, allauth's UserSession row); one published
circular of 10 drafts, deadline two days ahead. No reply exists before the rush.

The server: gunicorn, RUSH_WORKERS (4) workers of RUSH_WORKER_CLASS (sync), settings
bench.rush_settings (the project's settings, DEBUG off, URLconf bench.rush_urls = config.urls
plus the bare view), the database mail backend, no Redis: Celery's broker is the settings'
filesystem:// transport in the temporary folder, where nothing consumes, so receipts are
queued as Notification rows and a publish never waits for a server (notifications.
enqueue_on_commit publishes from a thread after commit).

The load, open loop: the arrival times are drawn in advance (seed RUSH_SEED): each state's
first signatory starts at a uniform random moment of the RUSH_SECONDS (60) window, the
second signatory of the same state RUSH_STAGGER (0.25) seconds or less after it, each in its
own thread that starts on time whatever the server's state (386 logical submissions in all;
http.client, a new connection per request, cookies kept per signatory as a browser keeps
them). One logical submission is a browser's walk through the two steps:

1. GET the form /circulars/<id>/reply/ (its CSRF token and revision);
2. POST the form (multipart, as the browser sends it: the From block with the signatory's own
   name and e-mail, the ten positions, action=review). On a conflict page (the other
   signatory saved first) the signatory saves again, knowingly, from the page's revision, up
   to SAVE_TRIES times in all: the form says the next save replaces the current reply;
3. GET the review page (its revision and SHA-256); if it offers no confirmation (it shows the
   other signatory's content, whose From block is not theirs), the submission ends there
   ("review_blocked");
4. POST the confirmation (revision, sha256). A redirect to .../versions/<n>/ is a success;
   back to the review page a refusal (the reply changed after review: "confirm_conflict");
5. GET the receipt, as the browser follows the redirect; it must show the confirmed SHA-256.

The two signatories' contents always differ (From block and texts), so one content stored
twice can only be one logical submission stored twice.

The baseline, measured in the same run with the same arrival times, sessions and server:
the same walk of five requests (GET, POST, GET, POST, GET) against the bare view of
bench.rush_urls, a trivial template rendered through the same middleware.

Also printed, to read the ratios: the unloaded service times (before the rush, PROBES = 20
submissions on a second circular and 20 bare walks, one request at a time, with their
p50 / bare p50 ratios), and for each phase who used the CPUs (gunicorn, this client,
PostgreSQL's backends of our database, other processes: on a shared machine another job's
load lands in one phase and not the other, and then the ratios mean little).

The counts, for each database:

- submitted: positions counted: for each state that got at least one successful confirmation
  backed by a stored version, the positions of the version that counts (the reply's latest
  version, all on time); 193 states x 10 drafts = 1930 when every state succeeded;
- lost: successful confirmation responses (redirect to version n) for which the state's
  version n is not stored, or is stored with a SHA-256 other than the one the signatory
  confirmed on the review page, or whose receipt page does not show that SHA-256;
  plus states whose reply is not "submitted" although a confirmation of theirs succeeded;
- duplicated: versions of one reply beyond the first with the same content (SHA-256), i.e.
  one logical submission stored as two versions (two logical submissions of one state, one
  per signatory, make up to two versions: expected). Versions that no success response
  acknowledged, and states with more than two versions, are printed too;
- errors: 5xx responses and connection failures (timeouts included), in both phases; any
  other unexpected answer (a 4xx, a redirect elsewhere) is printed as "unexpected";
- p95_ratio: p95 latency of the confirmation POSTs / p95 of the bare view's requests;
- page_p95_ratio: p95 latency of the form GETs (step 1) / the same bare p95.

Afterwards the database is checked: versions and their positions per state, Reply.version
and status, and the receipts: each version's receipt to its signatory queued exactly once and
its copy to the other signatory exactly once. The gunicorn log is searched for "database is
locked", tracebacks and worker timeouts. The last lines, one per database:

    rush: db=<sqlite|postgresql> submitted=<n> lost=<n> duplicated=<n> errors=<n>
          p95_ratio=<r> page_p95_ratio=<r>        (on one line)
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

STATES, DRAFTS = 193, 10
SECONDS = float(os.environ.get("RUSH_SECONDS", "60"))
STAGGER = float(os.environ.get("RUSH_STAGGER", "0.25"))
SEED = int(os.environ.get("RUSH_SEED", "12"))
WORKERS = int(os.environ.get("RUSH_WORKERS", "4"))
WORKER_CLASS = os.environ.get("RUSH_WORKER_CLASS", "sync")
THREADS = int(os.environ.get("RUSH_THREADS", "4"))  # per worker, for gthread
SAVE_TRIES = 3
PROBES = 20
TIMEOUT = 120.0
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"
DBS = os.environ.get("RUSH_DBS", "sqlite,postgresql").split(",")  # for trying one of them
ADMIN_URL = os.environ.get("DATABASE_URL", "")  # read before a run points it elsewhere

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REVISION_RE = re.compile(r'name="revision" value="(\d+)"')
SHA_RE = re.compile(r'name="sha256" value="([0-9a-f]{64})"')
VERSION_RE = re.compile(r"/reply/versions/(\d+)/$")


# --- the parent: one child process per database ----------------------------------------------


def pg_admin_url() -> str | None:
    url = ADMIN_URL if ADMIN_URL.startswith("postgres") else DEFAULT_PG
    try:
        import psycopg

        with psycopg.connect(url, autocommit=True, connect_timeout=3):
            return url
    except Exception as exc:  # noqa: BLE001 - PostgreSQL is optional
        print(f"PostgreSQL not reachable at {url} ({exc}): skipped")
        return None


def run_child(db: str, database_url: str, tmp: Path) -> dict:
    result_file = tmp / "result.json"
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--run", db, database_url, str(tmp)],
        cwd=BASE,
        env={**os.environ},
        check=False,
    )
    if done.returncode or not result_file.exists():
        sys.exit(f"the {db} run failed (exit {done.returncode})")
    result = json.loads(result_file.read_text())
    result["wall_seconds"] = time.perf_counter() - started
    return result


def main() -> None:
    started = time.perf_counter()
    results = []
    if "sqlite" in DBS:
        tmp = Path(tempfile.mkdtemp(prefix="rush-sqlite-"))
        try:
            results.append(run_child("sqlite", f"sqlite:///{tmp / 'rush.sqlite3'}", tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    admin = pg_admin_url() if "postgresql" in DBS else None
    if admin:
        import psycopg

        name = f"bench_rush_{os.getpid()}"
        base, _, _ = admin.rpartition("/")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        tmp = Path(tempfile.mkdtemp(prefix="rush-pg-"))
        try:
            results.append(run_child("postgresql", f"{base}/{name}", tmp))
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"whole run: {time.perf_counter() - started:.0f}s")
    for r in results:
        print(f"  {r['db']}: {r['wall_seconds']:.0f}s (of which setup {r['setup_seconds']:.0f}s)")
    for r in results:
        print(
            f"rush: db={r['db']} submitted={r['submitted']} lost={r['lost']} "
            f"duplicated={r['duplicated']} errors={r['errors']} "
            f"p95_ratio={r['p95_ratio']:.2f} page_p95_ratio={r['page_p95_ratio']:.2f}"
        )


# --- the child: build, serve, load, check ----------------------------------------------------


def setup_django(database_url: str, tmp: Path) -> None:
    os.environ.pop("REDIS_URL", None)  # no Redis: the filesystem broker in tmp
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.rush_settings",
            "DEBUG": "true",  # read by config.settings; rush_settings turns DEBUG off
            "DATABASE_URL": database_url,
            "VAR_DIR": str(tmp),
            "MEDIA_ROOT": str(tmp / "media"),
            "EMAIL_BACKEND": "consultation.mail.DatabaseEmailBackend",
            "LOG_LEVEL": "WARNING",
        }
    )
    for sub in ("queue", "processed", "control"):
        (tmp / "broker" / sub).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()


@dataclass
class Signatory:
    user_id: int
    email: str
    name: str
    state_id: int
    alpha3: str
    second: bool  # the state's second signatory (other texts)
    session_key: str = ""


@dataclass
class World:
    circular_id: int
    draft_ids: list[int]
    signatories: list[Signatory]
    probe_circular_id: int = 0  # a second circular, for the unloaded probe before the rush
    probe_draft_ids: list[int] = field(default_factory=list)


def build() -> World:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import MemberState, Official, User
    from accounts.services import member_states_sync
    from consultation import rules
    from consultation.models import Circular, DraftRecommendation, Meeting, StudyGroup

    member_states_sync()
    now = timezone.now().replace(microsecond=0)
    issued_on, deadline = now.date(), now + datetime.timedelta(days=2)
    day = rules.electorate_date(issued_on=issued_on, deadline=deadline)
    states = list(MemberState.objects.members_on(day).order_by("alpha3"))[:STATES]
    assert len(states) == STATES, f"{len(states)} Member States in the register on {day}"
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                email=f"sig{k}.{s.alpha3.lower()}@example.org",
                first_name=f"Signatory{k}",
                last_name=s.alpha3,
                password=password,
            )
            for s in states
            for k in (1, 2)
        ]
    )
    Official.objects.bulk_create(
        [
            Official(
                user=u,
                member_state=states[i // 2],
                role="signatory",
                official_title="Director, ITU affairs",
                postal_address=f"Ministry of Communications\nCapital of {states[i // 2].alpha3}",
            )
            for i, u in enumerate(users)
        ]
    )
    sg, _ = StudyGroup.objects.get_or_create(number=11, defaults={"title": "SG11"})
    meeting = Meeting.objects.create(
        study_group=sg, place="Geneva", starts_on=issued_on, ends_on=issued_on
    )
    circulars, drafts = [], []
    for number in (1, 2):
        circulars.append(
            Circular.objects.create(
                number=number,
                study_period="bench",
                reference="SG11/DA",
                study_group=sg,
                meeting=meeting,
                subject="Deadline rush benchmark" if number == 1 else "Probe",
                director_name="Director",
                issued_on=issued_on,
                deadline=deadline,
                status="published",
                published_at=now,
            )
        )
        drafts.append(
            [
                DraftRecommendation.objects.create(
                    circular=circulars[-1],
                    order=d + 1,
                    number=f"ITU-T Q.{5000 + d}",
                    title=f"Draft {d + 1}",
                ).pk
                for d in range(DRAFTS)
            ]
        )
    return World(
        circular_id=circulars[0].pk,
        draft_ids=drafts[0],
        probe_circular_id=circulars[1].pk,
        probe_draft_ids=drafts[1],
        signatories=[
            Signatory(
                user_id=u.pk,
                email=u.email,
                name=u.get_full_name(),
                state_id=states[i // 2].pk,
                alpha3=states[i // 2].alpha3,
                second=bool(i % 2),
            )
            for i, u in enumerate(users)
        ],
    )


def sign_in(user) -> str:  # noqa: ANN001
    """tests/conftest.py's sign_in: a session that passed the password and the TOTP step."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.usersessions.models import UserSession
    from django.test import Client

    client = Client()
    client.force_login(user)
    records = [{"method": "password", "at": time.time(), "email": user.email}]
    authenticator = Authenticator.objects.filter(user=user, type="totp").first()
    if authenticator is None:
        authenticator = TOTP.activate(user, generate_totp_secret()).instance
    records.append({"method": "mfa", "at": time.time(), "id": authenticator.pk, "type": "totp"})
    session = client.session
    session["account_authentication_methods"] = records
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    UserSession.objects.get_or_create(
        session_key=session.session_key,
        defaults={"user": user, "ip": "127.0.0.1", "user_agent": ""},
    )
    return session.session_key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(tmp: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    log = tmp / "gunicorn.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    args = [
        str(gunicorn) if gunicorn.exists() else "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--worker-class",
        WORKER_CLASS,
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
        "--backlog",
        "2048",
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
    ]
    if WORKER_CLASS == "gthread":
        args += ["--threads", str(THREADS)]
    proc = subprocess.Popen(args, cwd=BASE, env={**os.environ})  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited:\n{log.read_text(errors='replace')[-3000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port, log
        time.sleep(0.1)
    proc.kill()
    sys.exit("gunicorn did not start")


def stop_gunicorn(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- who used the CPUs: this bench or others sharing the machine ------------------------------


def _proc_cpu(pid: str) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks


def _ours(master_pid: int, database: str) -> dict[str, list[str]]:
    """Our processes: this one (the client), gunicorn's master and workers (the server), and
    PostgreSQL's backends of our database."""
    ours: dict[str, list[str]] = {
        "client": [str(os.getpid())],
        "server": [str(master_pid)],
        "postgres": [],
    }
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if stat[1] == str(master_pid):
            ours["server"].append(entry.name)
        elif database and database.encode() in cmdline:
            ours["postgres"].append(entry.name)
    return ours


def cpu_snapshot(master_pid: int, database: str) -> dict[str, int]:
    """Clock ticks: the machine's CPUs busy, and our processes' share of them."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    snapshot = {"busy": sum(values) - values[3] - values[4]}  # all but idle and iowait
    for part, pids in _ours(master_pid, database).items():
        snapshot[part] = sum(_proc_cpu(pid) for pid in pids)
    return snapshot


def cpu_note(before: dict[str, int], after: dict[str, int], seconds: float) -> str:
    ticks = os.sysconf("SC_CLK_TCK")
    capacity = (os.cpu_count() or 1) * seconds * ticks
    used = {k: after[k] - before[k] for k in before}
    ours = used["server"] + used["client"] + used["postgres"]
    return (
        f"CPUs {100 * used['busy'] / capacity:.0f}% busy: gunicorn {used['server'] / ticks:.0f}s, "
        f"client {used['client'] / ticks:.0f}s, PostgreSQL {used['postgres'] / ticks:.0f}s, "
        f"other processes {max(0, used['busy'] - ours) / ticks:.0f}s "
        f"(other processes {100 * max(0, used['busy'] - ours) / capacity:.0f}% of "
        f"{os.cpu_count()} CPUs x {seconds:.0f}s)"
    )


def probe(world: World, port: int) -> tuple[list[Sample], list[Outcome]]:
    """Unloaded service times: PROBES submissions on the probe circular and as many bare walks,
    one request at a time, before the rush (they warm the workers up, too)."""
    samples: list[Sample] = []
    outcomes = []
    for who in world.signatories[::2][:PROBES]:
        out = Outcome(who)
        submit(world, port, who, samples, out, probe=True)
        outcomes.append(out)
        bare_walk(port, who, samples, Outcome(who))
    return samples, outcomes


# --- the browser ---------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int | None  # None: connection failure or timeout
    location: str
    text: str
    seconds: float
    failure: str = ""


@dataclass
class Sample:
    kind: str
    seconds: float
    status: int | None


def multipart(fields: list[tuple[str, str]], empty_files: list[str]) -> tuple[bytes, str]:
    """The body a browser sends for the reply form (enctype multipart/form-data): the fields,
    and an empty part for each file input left empty."""
    boundary = "----rushBoundary7MA4YWxkTrZu0gW"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n".encode()
        for name in empty_files
    ]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Browser:
    """One signatory's browser: its cookies (session, CSRF, messages), one connection a
    request, every request timed from sending to the last byte of the answer."""

    def __init__(self, port: int, session_key: str, samples: list[Sample]) -> None:
        self.port = port
        self.cookies = {"sessionid": session_key}
        self.samples = samples

    def send(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        fields: list[tuple[str, str]] | None = None,
        empty_files: list[str] | None = None,
    ) -> Answer:
        headers = {
            "User-Agent": "rush-bench/1",
            "Accept": "text/html",
            "Accept-Language": "en",
            "Connection": "close",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if fields is not None:
            if empty_files is not None:
                body, headers["Content-Type"] = multipart(fields, empty_files)
            else:
                body = urllib.parse.urlencode(fields).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            finally:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            seconds = time.perf_counter() - started
            self.samples.append(Sample(kind, seconds, None))
            return Answer(None, "", "", seconds, repr(exc))
        seconds = time.perf_counter() - started
        self.samples.append(Sample(kind, seconds, response.status))
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.coded_value
        return Answer(
            response.status,
            response.headers.get("Location", ""),
            data.decode("utf-8", "replace"),
            seconds,
        )


def form_fields(
    draft_ids: list[int], who: Signatory, csrf: str, revision: str
) -> list[tuple[str, str]]:
    """What the signatory types: their own identity in the From block, ten positions. The two
    signatories of a state tick the boxes differently and write different texts."""
    fields = [
        ("csrfmiddlewaretoken", csrf),
        ("revision", revision),
        ("from_name", who.name),
        ("from_title", "Director, ITU affairs"),
        ("from_address", f"Ministry of Communications\nCapital of {who.alpha3}"),
        ("from_fax", ""),
        ("from_email", who.email),
        ("place", f"Capital of {who.alpha3}"),
        ("signed_on", datetime.datetime.now(datetime.UTC).date().isoformat()),
    ]
    decisions = ("authorize", "authorize_comments", "do_not_authorize")
    for d, draft_id in enumerate(draft_ids):
        decision = decisions[(d + (1 if who.second else 0)) % 3]
        texts = {"comments": "", "reasons": "", "possible_changes": ""}
        if decision == "authorize_comments":
            texts["comments"] = f"{who.name}: proposed change to clause {d + 1}.2:\n" + "x" * 120
        elif decision == "do_not_authorize":
            texts["reasons"] = f"{who.name}: the draft {d + 1} conflicts with national law."
            texts["possible_changes"] = "Delete clause 4 and Annex B."
        fields.append((f"d{draft_id}-decision", decision))
        fields += [(f"d{draft_id}-{name}", value) for name, value in texts.items()]
    fields.append(("action", "review"))
    return fields


@dataclass
class Outcome:
    who: Signatory
    result: str = "unexpected"  # success, confirm_conflict, review_blocked, save_conflict, error
    version: int = 0
    sha256: str = ""
    save_conflicts: int = 0
    receipt_ok: bool = False
    detail: str = ""
    late_start: float = 0.0


def submit(
    world: World,
    port: int,
    who: Signatory,
    samples: list[Sample],
    out: Outcome,
    *,
    probe: bool = False,
) -> None:
    """One logical submission: form, save and review, review page, confirmation, receipt."""
    circular_id = world.probe_circular_id if probe else world.circular_id
    draft_ids = world.probe_draft_ids if probe else world.draft_ids
    edit = f"/circulars/{circular_id}/reply/"
    review = f"{edit}review/"
    browser = Browser(port, who.session_key, samples)

    def failed(answer: Answer, step: str) -> None:
        out.result = "error" if answer.status is None or answer.status >= 500 else "unexpected"
        out.detail = f"{step}: {answer.status} {answer.location} {answer.failure}"

    page = browser.send("form_get", "GET", edit)
    csrf, revision = CSRF_RE.search(page.text), REVISION_RE.search(page.text)
    if page.status != 200 or not csrf or not revision:
        return failed(page, "form GET")
    fields = form_fields(draft_ids, who, csrf.group(1), revision.group(1))
    uploads = [f"d{draft_id}-upload" for draft_id in draft_ids]
    for _ in range(SAVE_TRIES):
        saved = browser.send("form_post", "POST", edit, fields=fields, empty_files=uploads)
        if saved.status == 302 and saved.location.endswith(review):
            break
        current = REVISION_RE.search(saved.text)
        if saved.status != 200 or not current:
            return failed(saved, "form POST")
        # A conflict page: save again, knowingly, from the revision it shows.
        out.save_conflicts += 1
        fields[1] = ("revision", current.group(1))
    else:
        out.result = "save_conflict"
        return None
    page = browser.send("review_get", "GET", review)
    if page.status != 200:
        return failed(page, "review GET")
    sha, revision = SHA_RE.search(page.text), REVISION_RE.search(page.text)
    if not sha or not revision:
        out.result = "review_blocked"
        return None
    out.sha256 = sha.group(1)
    confirmed = browser.send(
        "confirm_post",
        "POST",
        review,
        fields=[
            ("csrfmiddlewaretoken", csrf.group(1)),
            ("revision", revision.group(1)),
            ("sha256", out.sha256),
        ],
    )
    number = VERSION_RE.search(confirmed.location)
    if confirmed.status == 302 and number:
        out.result, out.version = "success", int(number.group(1))
    elif confirmed.status == 302 and confirmed.location.endswith(review):
        out.result = "confirm_conflict"
        return None
    else:
        return failed(confirmed, "confirmation POST")
    receipt = browser.send("receipt_get", "GET", confirmed.location)
    out.receipt_ok = receipt.status == 200 and out.sha256 in receipt.text
    if receipt.status is None or receipt.status >= 500:
        out.detail = f"receipt GET: {receipt.status} {receipt.failure}"
    return None


def bare_walk(port: int, who: Signatory, samples: list[Sample], out: Outcome) -> None:
    """The baseline: the same five requests (GET, POST, GET, POST, GET) on the bare view."""
    browser = Browser(port, who.session_key, samples)
    path = "/bench/bare/"
    page = browser.send("bare", "GET", path)
    csrf = CSRF_RE.search(page.text)
    if page.status != 200 or not csrf:
        out.result = "error" if page.status is None or page.status >= 500 else "unexpected"
        out.detail = f"bare GET: {page.status} {page.failure}"
        return
    token = [("csrfmiddlewaretoken", csrf.group(1))]
    for method in ("POST", "GET", "POST", "GET"):
        answer = browser.send("bare", method, path, fields=token if method == "POST" else None)
        if answer.status != 200:
            out.result = "error" if answer.status is None or answer.status >= 500 else "unexpected"
            out.detail = f"bare {method}: {answer.status} {answer.failure}"
            return
    out.result = "success"


def schedule(world: World) -> list[tuple[float, Signatory]]:
    """Arrival times drawn in advance: a state's first signatory at a uniform moment of the
    window, its second at most STAGGER seconds later (which one comes first: random)."""
    rng = random.Random(SEED)
    by_state: dict[int, list[Signatory]] = defaultdict(list)
    for who in world.signatories:
        by_state[who.state_id].append(who)
    plan = []
    for pair in by_state.values():
        rng.shuffle(pair)
        at = rng.uniform(0, SECONDS)
        plan.append((at, pair[0]))
        plan.append((at + rng.uniform(0, STAGGER), pair[1]))
    return sorted(plan, key=lambda item: item[0])


def run_phase(world: World, port: int, walk) -> tuple[list[Sample], list[Outcome], float]:  # noqa: ANN001
    """Open loop: every logical submission in its own thread, started at its time."""
    samples: list[Sample] = []
    outcomes: list[Outcome] = []
    threads = []
    begin = time.perf_counter() + 1.0

    def run(at: float, who: Signatory, out: Outcome) -> None:
        delay = begin + at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        out.late_start = time.perf_counter() - (begin + at)
        try:
            walk(port, who, samples, out)
        except Exception as exc:  # noqa: BLE001 - a client bug must show, not hang the run
            out.result, out.detail = "error", f"client: {exc!r}"

    for at, who in schedule(world):
        out = Outcome(who)
        outcomes.append(out)
        threads.append(threading.Thread(target=run, args=(at, who, out), daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 10 * TIMEOUT)
    return samples, outcomes, time.perf_counter() - begin


def p(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


def describe(samples: list[Sample], kind: str) -> str:
    values = [s.seconds * 1000 for s in samples if s.kind == kind]
    if not values:
        return f"{kind:>12}: none"
    return (
        f"{kind:>12}: n={len(values):4d} p50={p(values, 50):7.1f}ms p95={p(values, 95):7.1f}ms "
        f"max={max(values):7.1f}ms"
    )


def warm_up(world: World, port: int) -> None:
    """Each worker imports and compiles what the pages need before anything is timed."""
    samples: list[Sample] = []
    edit = f"/circulars/{world.circular_id}/reply/"

    def hit(i: int) -> None:
        who = world.signatories[i % len(world.signatories)]
        browser = Browser(port, who.session_key, samples)
        for _ in range(3):
            browser.send("warm", "GET", "/bench/bare/")
            browser.send("warm", "GET", edit)
            browser.send("warm", "GET", f"{edit}review/")  # no reply yet: a redirect

    threads = [threading.Thread(target=hit, args=(i,)) for i in range(2 * WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bad = [s for s in samples if s.status is None or s.status >= 400]
    if bad:
        sys.exit(f"warm-up failed: {bad[:3]}")


def check_database(world: World, outcomes: list[Outcome]) -> dict:
    from django.db.models import Count

    from consultation.models import Notification, Reply, ReplyVersion, ReplyVersionPosition

    replies = {r.member_state_id: r for r in Reply.objects.filter(circular_id=world.circular_id)}
    versions: dict[int, dict[int, ReplyVersion]] = defaultdict(dict)
    for v in ReplyVersion.objects.filter(reply__circular_id=world.circular_id).select_related(
        "reply"
    ):
        versions[v.reply.member_state_id][v.number] = v
    successes = [o for o in outcomes if o.result == "success"]
    lost = 0
    backed_states = set()
    acknowledged = set()
    for o in successes:
        v = versions[o.who.state_id].get(o.version)
        if v is None or v.sha256 != o.sha256 or not o.receipt_ok:
            lost += 1
            why = (
                "not stored"
                if v is None
                else "other content"
                if v.sha256 != o.sha256
                else "receipt"
            )
            print(f"  lost: {o.who.email} version {o.version} ({why})")
            continue
        backed_states.add(o.who.state_id)
        acknowledged.add((o.who.state_id, o.version))
    for state_id in {o.who.state_id for o in successes}:
        reply = replies.get(state_id)
        if reply is None or reply.status != Reply.Status.SUBMITTED:
            lost += 1
            print(f"  lost: state {state_id}: reply {'missing' if reply is None else reply.status}")
    duplicated = sum(len(vs) - len({v.sha256 for v in vs.values()}) for vs in versions.values())
    too_many = sum(1 for vs in versions.values() if len(vs) > 2)
    unacknowledged = sum(
        1 for state_id, vs in versions.items() for n in vs if (state_id, n) not in acknowledged
    )
    wrong_latest = sum(
        1
        for state_id, vs in versions.items()
        if replies[state_id].version != max(vs) or replies[state_id].is_late
    )
    position_counts = dict(
        ReplyVersionPosition.objects.filter(version__reply__circular_id=world.circular_id)
        .values_list("version_id")
        .annotate(n=Count("pk"))
        .values_list("version_id", "n")
    )
    submitted = sum(
        position_counts.get(versions[s][replies[s].version].pk, 0)
        for s in backed_states
        if replies[s].version in versions[s]
    )
    all_positions = sum(position_counts.values())
    receipts = Counter(
        (ms, key, kind)
        for ms, key, kind in Notification.objects.filter(circular_id=world.circular_id).values_list(
            "member_state_id", "key", "kind"
        )
    )
    receipts_ok = sum(
        1
        for state_id, vs in versions.items()
        for n in vs
        if receipts[(state_id, f"v{n}", Notification.Kind.RECEIPT)] == 1
        and receipts[(state_id, f"v{n}", Notification.Kind.RECEIPT_COPY)] == 1
    )
    version_count = sum(len(vs) for vs in versions.values())
    return {
        "lost": lost,
        "duplicated": duplicated,
        "submitted": submitted,
        "replies": len(replies),
        "versions": version_count,
        "states_with_two_versions": sum(1 for vs in versions.values() if len(vs) == 2),
        "states_with_a_version": len(versions),
        "too_many": too_many,
        "unacknowledged": unacknowledged,
        "wrong_latest": wrong_latest,
        "positions_all_versions": all_positions,
        "receipts_ok": receipts_ok,
        "notifications": sum(receipts.values()),
    }


def scan_log(log: Path) -> dict[str, int]:
    text = log.read_text(errors="replace") if log.exists() else ""
    return {
        "database is locked": text.count("database is locked"),
        "Traceback": text.count("Traceback"),
        "WORKER TIMEOUT": text.count("WORKER TIMEOUT"),
        "broker unreachable": text.count("broker unreachable"),
    }


def child(db: str, database_url: str, tmp: Path) -> None:
    started = time.perf_counter()
    setup_django(database_url, tmp)
    from django.core.management import call_command
    from django.db import connections

    from accounts.models import User

    call_command("migrate", verbosity=0)
    world = build()
    users = {u.pk: u for u in User.objects.filter(pk__in=[s.user_id for s in world.signatories])}
    for who in world.signatories:
        who.session_key = sign_in(users[who.user_id])
    connections.close_all()
    setup_seconds = time.perf_counter() - started
    print(
        f"[{db}] built {STATES} states x 2 signatories, {DRAFTS} drafts, sessions "
        f"in {setup_seconds:.1f}s; gunicorn {WORKERS} x {WORKER_CLASS}"
    )
    proc, port, log = start_gunicorn(tmp)
    try:
        warm_up(world, port)
        probe_samples, probe_outcomes = probe(world, port)
        time.sleep(1)
        database = "" if db == "sqlite" else database_url.rpartition("/")[2]
        before = cpu_snapshot(proc.pid, database)
        bare_samples, bare_outcomes, bare_seconds = run_phase(world, port, bare_walk)
        bare_cpu = cpu_note(before, cpu_snapshot(proc.pid, database), bare_seconds)
        time.sleep(2)
        before = cpu_snapshot(proc.pid, database)
        samples, outcomes, rush_seconds = run_phase(
            world, port, lambda port, who, s, out: submit(world, port, who, s, out)
        )
        rush_cpu = cpu_note(before, cpu_snapshot(proc.pid, database), rush_seconds)
        time.sleep(1)  # the after-commit publishes of the last receipts
    finally:
        stop_gunicorn(proc)
    check = check_database(world, outcomes)
    logs = scan_log(log)

    bare = [s.seconds for s in bare_samples if s.kind == "bare"]
    form_get = [s.seconds for s in samples if s.kind == "form_get"]
    confirm = [s.seconds for s in samples if s.kind == "confirm_post"]
    every = bare_samples + samples
    errors = sum(1 for s in every if s.status is None or s.status >= 500)
    unexpected = sum(1 for o in bare_outcomes + outcomes if o.result == "unexpected")
    results = Counter(o.result for o in outcomes)
    late = max(o.late_start for o in bare_outcomes + outcomes)
    print(
        f"[{db}] baseline phase {bare_seconds:.1f}s, rush phase {rush_seconds:.1f}s; "
        f"latest thread start {late * 1000:.0f}ms after its scheduled time"
    )
    probe_bare = p([s.seconds for s in probe_samples if s.kind == "bare"], 50)
    print(
        f"[{db}] unloaded, one request at a time ({PROBES} submissions on another circular, "
        f"{PROBES} bare walks): {dict(Counter(o.result for o in probe_outcomes))}"
    )
    for kind in ("bare", "form_get", "form_post", "review_get", "confirm_post", "receipt_get"):
        values = [s.seconds for s in probe_samples if s.kind == kind]
        print(
            f"{kind:>12}: p50={p(values, 50) * 1000:6.1f}ms p95={p(values, 95) * 1000:6.1f}ms "
            f"p50 / bare p50 = {p(values, 50) / probe_bare:.2f}"
        )
    print(f"[{db}] baseline phase: {bare_cpu}")
    print(f"[{db}] rush phase:     {rush_cpu}")
    print(describe(bare_samples, "bare"))
    for kind in ("form_get", "form_post", "review_get", "confirm_post", "receipt_get"):
        print(describe(samples, kind))
    print(
        f"[{db}] outcomes of {len(outcomes)} logical submissions: {dict(results)}; "
        f"conflict pages on save: {sum(o.save_conflicts for o in outcomes)}; "
        f"unexpected answers: {unexpected}; errors (5xx, failures): {errors}"
    )
    for o in [o for o in bare_outcomes + outcomes if o.detail][:10]:
        print(f"  {o.who.email}: {o.result} {o.detail}")
    print(
        f"[{db}] database: replies={check['replies']} versions={check['versions']} "
        f"(states with a version {check['states_with_a_version']}, with two "
        f"{check['states_with_two_versions']}, more than two {check['too_many']}); "
        f"version positions={check['positions_all_versions']}; counted positions="
        f"{check['submitted']}; versions acknowledged by no success={check['unacknowledged']}; "
        f"latest not counted={check['wrong_latest']}; receipts exactly once (receipt + copy) "
        f"for {check['receipts_ok']}/{check['versions']} versions "
        f"({check['notifications']} notification rows)"
    )
    print(f"[{db}] gunicorn log: {logs}")
    bare_p95 = p(bare, 95)
    result = {
        "db": db,
        "submitted": check["submitted"],
        "lost": check["lost"],
        "duplicated": check["duplicated"],
        "errors": errors,
        "p95_ratio": p(confirm, 95) / bare_p95,
        "page_p95_ratio": p(form_get, 95) / bare_p95,
        "setup_seconds": setup_seconds,
    }
    (tmp / "result.json").write_text(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--run":
        child(sys.argv[2], sys.argv[3], Path(sys.argv[4]))
    else:
        main()
