"""Every URL pattern of the project, requested by every kind of user, GET and POST.

For the portal's own pages each cell's status is stated exactly. For the admin and the
account pages (allauth) the rule is stated per kind of user. In every cell: no server error,
and a request that is refused, or that is a GET, writes nothing to the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import ObserverCategory, Official
from consultation import services
from consultation.models import CircularCopy
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

USERS = [
    "anonymous",
    "official_a",
    "official_b",
    "drafter_a",
    "observer",
    "deactivated",
    "staff_noperm",
]

# Django's own session tables change with every login and request; they are not "writes".
# The audit trail records every refusal, by design (accounts.audit).
IGNORED_MODELS = {"sessions.session", "usersessions.usersession", "accounts.auditevent"}


def fingerprint() -> str:
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.label_lower in IGNORED_MODELS or not model._meta.managed:
            continue
        rows = model._default_manager.order_by("pk").values_list()
        digest.update(f"{model._meta.label_lower}:{list(rows)!r}".encode())
    return digest.hexdigest()


def walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, ns)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def arguments(pattern: URLPattern) -> list[str]:
    if hasattr(pattern.pattern, "converters"):
        names = list(pattern.pattern.converters)
        if names:
            return names
    return list(pattern.pattern.regex.groupindex)


@pytest.fixture
def cast(open_circular, official_a, official_b, state_a, tsb_staff):
    CircularCopy.objects.create(
        circular=open_circular, category=ObserverCategory.SECTOR_MEMBER, label="Sector Members"
    )
    hidden = factories.CircularFactory()  # a draft circular: nobody outside TSB sees it
    factories.DraftFactory(circular=hidden, order=1)
    drafter = factories.OfficialFactory(member_state=state_a, role=Official.Role.DRAFTER)
    deactivated = factories.OfficialFactory(member_state=state_a, is_active=False)
    observer = factories.ObserverFactory(category=ObserverCategory.SECTOR_MEMBER)
    staff_noperm = factories.UserFactory(is_staff=True)
    draft = open_circular.drafts.get()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from consultation.attachments import validate_upload

    file = SimpleUploadedFile("notes.pdf", b"%PDF-1.4\n%%EOF\n")
    services.reply_save_draft(
        circular_id=open_circular.pk,
        official=official_a,
        expected_revision=0,
        header={"from_name": official_a.user.get_full_name(), "from_title": "T"},
        positions={draft.pk: {"decision": "authorize_comments"}},
        uploads=[
            services.AttachmentUpload(
                file=file, validated=validate_upload(file), kind="comments", draft_id=draft.pk
            )
        ],
    )
    services.reply_submit(circular_id=open_circular.pk, official=official_a, expected_revision=1)
    from consultation.models import Attachment

    return {
        "users": {
            "anonymous": None,
            "official_a": official_a.user,
            "official_b": official_b.user,
            "drafter_a": drafter.user,
            "observer": observer.user,
            "deactivated": deactivated.user,
            "staff_noperm": staff_noperm,
        },
        "circular": open_circular,
        "hidden": hidden,
        "attachment": Attachment.objects.get(),
        "staff": tsb_staff,
    }


def concrete(name: str, pattern: URLPattern, cast: dict[str, Any], variant: str = "") -> str | None:
    """A URL for the pattern, with arguments that point at the cast's objects."""
    kwargs: dict[str, Any] = {}
    for arg in arguments(pattern):
        if arg == "pk" and name.startswith("consultation:attachment"):
            kwargs[arg] = cast["attachment"].pk
        elif (arg == "pk" and name in DRAFT_PAGES) or arg == "draft_pk":
            kwargs[arg] = cast["hidden" if variant == "hidden" else "circular"].drafts.get().pk
        elif arg == "pk":
            kwargs[arg] = cast["hidden" if variant == "hidden" else "circular"].pk
        elif arg == "number":
            kwargs[arg] = 1
        elif arg == "object_id":
            model = admin_model(name)
            obj = model._default_manager.order_by("pk").first() if model else None
            kwargs[arg] = str(obj.pk) if obj else "1"
        elif arg == "app_label":
            kwargs[arg] = "consultation"
        elif arg == "content_type_id":
            kwargs[arg] = 1
        elif arg in {"uidb36", "uidb64"}:
            kwargs[arg] = "zz"
        elif arg in {"key", "token"}:
            kwargs[arg] = "not-a-key"
        elif arg == "url":
            kwargs[arg] = "no-such-page/"
        else:
            kwargs[arg] = "1"
    try:
        return reverse(name, kwargs=kwargs)
    except Exception:  # noqa: BLE001 - a pattern we cannot fill is reported below
        return None


#: Pages whose pk is a draft Recommendation's, not a circular's.
DRAFT_PAGES = {"consultation:draft-life", "consultation:notice-generate", "public:draft-life"}


def admin_model(name: str) -> Any:
    if not name.startswith("admin:"):
        return None
    for model in apps.get_models():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return model
    return None


# Exact statuses of the portal's own pages: GET, and POST with an empty form.
P = {
    #                          anon  A    B    drafter obs  deact staff
    "home": [200, 200, 200, 200, 200, 302, 200],
    "consultation:circular-detail": [302, 200, 200, 200, 200, 302, 404],
    "consultation:circular-detail/hidden": [302, 404, 404, 404, 404, 302, 404],
    "consultation:reply-edit": [302, 200, 200, 200, 403, 302, 404],
    "consultation:reply-edit/hidden": [302, 404, 404, 404, 404, 302, 404],
    "consultation:reply-review": [302, 200, 302, 200, 403, 302, 404],
    "consultation:reply-review/hidden": [302, 404, 404, 404, 404, 302, 404],
    "consultation:reply-receipt": [302, 200, 404, 200, 403, 302, 404],
    "consultation:reply-receipt/hidden": [302, 404, 404, 404, 404, 302, 404],
    # The printable PDFs: the access of the reply form page and of the receipt page.
    "consultation:annex2-pdf": [302, 200, 200, 200, 403, 302, 404],
    "consultation:annex2-pdf/hidden": [302, 404, 404, 404, 404, 302, 404],
    "consultation:reply-receipt-pdf": [302, 200, 404, 200, 403, 302, 404],
    "consultation:reply-receipt-pdf/hidden": [302, 404, 404, 404, 404, 302, 404],
    "consultation:attachment-download": [302, 200, 404, 200, 404, 302, 404],
    "consultation:circular-results": [302, 403, 403, 403, 403, 302, 403],
    "consultation:circular-results/hidden": [302, 403, 403, 403, 403, 302, 403],
    # Frozen results as data: staff with permission only (404 while nothing is frozen).
    "consultation:circular-results-json": [302, 403, 403, 403, 403, 302, 403],
    "consultation:circular-results-json/hidden": [302, 403, 403, 403, 403, 302, 403],
    "consultation:comments-td": [302, 403, 403, 403, 403, 302, 403],
    "consultation:comments-td/hidden": [302, 403, 403, 403, 403, 302, 403],
    "consultation:comments-td-pdf": [302, 403, 403, 403, 403, 302, 403],
    "consultation:comments-td-pdf/hidden": [302, 403, 403, 403, 403, 302, 403],
    # Stage two: the formal opposition exists only for a state that asked for more time at
    # the meeting (none has, in the cast): 404 for officials, 403 for readers who never reply.
    "consultation:opposition": [302, 404, 404, 404, 403, 302, 404],
    "consultation:opposition/hidden": [302, 404, 404, 404, 404, 302, 404],
    "consultation:opposition-receipt": [302, 404, 404, 404, 403, 302, 404],
    "consultation:opposition-receipt/hidden": [302, 404, 404, 404, 404, 302, 404],
    # TSB's page of a draft and the notice it generates: staff with permission only.
    "consultation:draft-life": [302, 403, 403, 403, 403, 302, 403],
    "consultation:draft-life/hidden": [302, 403, 403, 403, 403, 302, 403],
    "consultation:notice-generate": [302, 405, 405, 405, 405, 302, 405],
    "consultation:notice-generate/hidden": [302, 405, 405, 405, 405, 302, 405],
    # Public pages: everyone reads them (a deactivated official's session is ended first).
    "public:circular-list": [200, 200, 200, 200, 200, 302, 200],
    "public:circular-detail": [200, 200, 200, 200, 200, 302, 200],
    "public:deadlines-ics": [200, 200, 200, 200, 200, 302, 200],
    # A draft's life in public: of a published circular; never of a draft circular's.
    "public:draft-life": [200, 200, 200, 200, 200, 302, 200],
}
POST_DIFFERS = {
    # An empty POST to the review page is an incomplete confirmation: back to the page.
    "consultation:reply-review": [302, 302, 302, 302, 403, 302, 404],
    # The TD is a download: GET only.
    "consultation:comments-td": [302, 405, 405, 405, 405, 302, 405],
    "consultation:comments-td/hidden": [302, 405, 405, 405, 405, 302, 405],
    "consultation:comments-td-pdf": [302, 405, 405, 405, 405, 302, 405],
    "consultation:comments-td-pdf/hidden": [302, 405, 405, 405, 405, 302, 405],
    # The PDFs are downloads: GET only.
    "consultation:annex2-pdf": [302, 405, 405, 405, 405, 302, 405],
    "consultation:annex2-pdf/hidden": [302, 405, 405, 405, 405, 302, 405],
    "consultation:reply-receipt-pdf": [302, 405, 405, 405, 405, 302, 405],
    "consultation:reply-receipt-pdf/hidden": [302, 405, 405, 405, 405, 302, 405],
    "consultation:notice-generate": [302, 403, 403, 403, 403, 302, 403],
    "consultation:notice-generate/hidden": [302, 403, 403, 403, 403, 302, 403],
    # The public pages are GET only.
    "public:circular-list": [405, 405, 405, 405, 405, 302, 405],
    "public:circular-detail": [405, 405, 405, 405, 405, 302, 405],
    "public:deadlines-ics": [405, 405, 405, 405, 405, 302, 405],
    "public:draft-life": [405, 405, 405, 405, 405, 302, 405],
}


def expected(key: str, user: str, method: str) -> int | None:
    row = (POST_DIFFERS if method == "post" else {}).get(key) or P.get(key)
    return None if row is None else row[USERS.index(user)]


def login_redirect(response: Any) -> bool:
    return response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("user_kind", USERS)
def test_every_url_for_every_user(user_kind: str, cast: dict[str, Any]) -> None:
    user = cast["users"][user_kind]
    patterns = sorted(walk(get_resolver().url_patterns), key=lambda item: item[0])
    failures: list[str] = []
    seen = 0
    for name, pattern in patterns:
        variants = [""]
        if name.startswith("consultation:") and "attachment" not in name:
            variants.append("hidden")
        for variant in variants:
            url = concrete(name, pattern, cast, variant)
            if url is None:
                failures.append(f"{name}: could not build a URL")
                continue
            key = f"{name}/{variant}" if variant else name
            for method in ("get", "post"):
                client = Client()
                if user is not None:
                    sign_in(client, user)
                before = fingerprint()
                response = getattr(client, method)(url)
                after = fingerprint()
                seen += 1
                status = response.status_code
                cell = f"{user_kind} {method.upper()} {url} ({key}) -> {status}"
                if status >= 500:
                    failures.append(f"{cell}: server error")
                if before != after:
                    failures.append(f"{cell}: the database changed")
                want = expected(key, user_kind, method)
                if want is not None and status != want:
                    failures.append(f"{cell}: expected {want}")
                if name.startswith("admin:") and name not in {"admin:login", "admin:logout"}:
                    if user_kind != "staff_noperm" and not login_redirect(response):
                        failures.append(f"{cell}: expected a redirect to the login page")
                    model = admin_model(name)
                    # Django's admin answers a missing object with a redirect to its index
                    # before it checks permissions; no object is shown either way.
                    missing = model is not None and not model._default_manager.exists()
                    allowed = (302, 403, 404) if missing else (403, 404)
                    if user_kind == "staff_noperm" and model and status not in allowed:
                        failures.append(f"{cell}: expected 403 or 404 without permission")
    assert seen > 100
    assert not failures, "\n".join(failures)
