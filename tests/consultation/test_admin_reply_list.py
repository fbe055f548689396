"""TSB's list of replies in the admin (issue 14): 50 a page, the demonstration flag in words,
the circular filter by name, and each row's columns read without the circular's texts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consultation.models import Reply
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_fifty_replies_a_page_the_demo_flag_in_words_and_circulars_by_name(
    client, open_circular, tsb_staff
) -> None:
    other = factories.CircularFactory(number=77)
    for i in range(55):
        factories.SubmittedReplyFactory(
            circular=open_circular,
            member_state=factories.MemberStateFactory(name=f"State {i:02d}"),
            is_demo=i == 0,
        )
    sign_in(client, tsb_staff)
    url = reverse("admin:consultation_reply_changelist")
    page = client.get(url)
    assert page.status_code == 200
    changelist = page.context["cl"]
    assert len(changelist.result_list) == 50 and changelist.result_count == 55
    second = client.get(url, {"p": 2})
    assert len(second.context["cl"].result_list) == 5
    html = page.content.decode() + second.content.decode()
    assert "Demonstration data" in html and "icon-yes.svg" not in html
    circular_filter = next(
        s for s in changelist.filter_specs if getattr(s, "field_path", "") == "circular"
    )
    assert {str(other), str(open_circular)} <= {
        label for _pk, label in circular_filter.lookup_choices
    }
    shown = changelist.result_list[0]
    # Newest first (the primary key's index, not a sort of every reply by state name).
    assert shown.pk == Reply.objects.order_by("-pk").first().pk
    # The row's circular holds its number, not its texts (deferred, read on demand).
    assert "body_en" in shown.circular.get_deferred_fields()
    assert Reply.objects.filter(is_demo=True).count() == 1


def test_the_cached_sidebar_marks_the_page_s_model_and_follows_permissions(
    client, tsb_staff
) -> None:
    from django.contrib.auth.models import Permission

    sign_in(client, tsb_staff)

    def sidebar(url: str) -> str:
        page = client.get(url).content.decode()
        start = page.index('<nav class="sticky" id="nav-sidebar"')
        return page[start : page.index("</nav>", start)]

    replies = reverse("admin:consultation_reply_changelist")
    circulars = reverse("admin:consultation_circular_changelist")
    for _ in range(2):  # the second time from the cache
        assert 'class="model-reply current-model"' in sidebar(replies)
        on_circulars = sidebar(circulars)
        assert 'class="model-circular current-model"' in on_circulars
        assert 'class="model-reply current-model"' not in on_circulars
    assert 'href="/admin/accounts/memberstate/"' in on_circulars
    tsb_staff.user_permissions.remove(*Permission.objects.filter(content_type__model="memberstate"))
    assert 'href="/admin/accounts/memberstate/"' not in sidebar(circulars)


def _rows(client, url: str, params: dict[str, str] | None = None, **headers: str) -> str:
    page = client.get(url, params or {}, **headers).content.decode()
    start = page.index('<table id="result_list">')
    return page[start : page.index("</table>", start)]


def test_cached_rows_are_the_rows_and_follow_every_change(client, open_circular, tsb_staff) -> None:
    replies = [
        factories.SubmittedReplyFactory(
            circular=open_circular,
            member_state=factories.MemberStateFactory(name=f"Row State {i}"),
        )
        for i in range(3)
    ]
    sign_in(client, tsb_staff)
    url = reverse("admin:consultation_reply_changelist")
    first = _rows(client, url)
    assert _rows(client, url) == first  # from the cache
    assert first.count('<td class="field-status') == 3

    # A shown value changes: that row is built again.
    reply = replies[0]
    Reply.objects.filter(pk=reply.pk).update(version=7, is_late=True)
    changed = _rows(client, url)
    assert changed != first and "late (not counted)" in changed
    state = reply.member_state
    state.name = "Renamed State"
    state.save()
    assert "Renamed State" in _rows(client, url)

    # The links carry the list's filters; another filter, other links.
    filtered = _rows(client, url, {"status__exact": "submitted"})
    assert "_changelist_filters=status__exact%3Dsubmitted" in filtered
    # Another language, its own rows.
    french = _rows(client, url, HTTP_ACCEPT_LANGUAGE="fr")
    assert french != _rows(client, url)
