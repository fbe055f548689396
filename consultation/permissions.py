"""Who may see and do what. Every object view starts with one of these getters.

- TSB staff with the view permission see every circular.
- An official sees the published and closed circulars whose electorate includes their
  Member State, and only their own Member State's reply; anything else is 404, so that the
  existence of other states' replies is not disclosed.
- An observer (on the copy list) reads the circulars copied to their category; replying is
  403 for them.
- A deactivated official or user reaches nothing (404 everywhere).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import ObserverCategory, Official
from accounts.selectors import observer_for_user, official_for_user
from consultation import rules
from consultation.models import Circular

# Copy-list categories tied to the circular's study group.
STUDY_GROUP_CATEGORIES = {ObserverCategory.ASSOCIATE, ObserverCategory.SG_CHAIR}


def is_tsb_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def circular_visible_to_official(circular: Circular, official: Official) -> bool:
    if circular.status == Circular.Status.DRAFT:
        return False
    day = rules.electorate_date(issued_on=circular.issued_on, deadline=circular.deadline)
    return day is not None and official.member_state.is_member_on(day)


def circular_visible_to_observer(circular: Circular, observer: Any) -> bool:
    if circular.status == Circular.Status.DRAFT:
        return False
    for copy in circular.copies.all():
        if copy.category != observer.category:
            continue
        if copy.category in STUDY_GROUP_CATEGORIES and (
            observer.study_group_number != circular.study_group.number
        ):
            continue
        return True
    return False


#: A circular's long texts in every language, which the reply pages never show.
LONG_TEXTS = tuple(
    f.name
    for f in Circular._meta.concrete_fields
    if f.name.startswith(("body", "legal_basis", "addressees"))
)


def get_circular_for_user(user: Any, pk: int, *, texts: bool = True) -> Circular:
    """The circular if `user` may read it; Http404 otherwise. Without its long texts
    (LONG_TEXTS, read on demand) when `texts` is False."""
    queryset = Circular.objects.select_related("study_group", "meeting")
    if not texts:
        queryset = queryset.defer(*LONG_TEXTS)
    try:
        circular = queryset.get(pk=pk)
    except Circular.DoesNotExist:
        raise Http404 from None
    if is_tsb_staff(user) and user.has_perm("consultation.view_circular"):
        return circular
    official = official_for_user(user)
    if official is not None and circular_visible_to_official(circular, official):
        return circular
    observer = observer_for_user(user)
    if observer is not None and circular_visible_to_observer(circular, observer):
        return circular
    raise Http404


def get_circular_for_reply(user: Any, pk: int, *, texts: bool = True) -> tuple[Circular, Official]:
    """The circular and the official, for the reply pages of the official's own state.

    Http404 when the user may not see the circular; PermissionDenied (403) for a reader who
    may see it but never reply (an observer, TSB staff without an official role).
    """
    circular = get_circular_for_user(user, pk, texts=texts)
    if circular.is_notice:
        raise Http404  # an approval notice takes no replies
    official = official_for_user(user)
    if official is None or not circular_visible_to_official(circular, official):
        raise PermissionDenied
    return circular, official


def can_submit(official: Official) -> bool:
    return official.is_active and official.role == Official.Role.SIGNATORY
