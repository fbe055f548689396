from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from accounts.models import MemberState, Observer, ObserverCategory, Official, Region, User
from consultation.models import (
    Circular,
    DraftRecommendation,
    Meeting,
    Reply,
    ReplyPosition,
    StudyGroup,
)


def _future_deadline() -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(days=30)).replace(microsecond=0)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified_email(self, create: bool, extracted: object, **kwargs: object) -> None:
        # Real accounts have a verified address: TSB's invitation proves it.
        if create:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class MemberStateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberState
        django_get_or_create = ("alpha3",)

    # A digit first: never a real ISO code, nor one the fixtures spell out ("QA", "CH"...),
    # whatever the sequence has reached after hundreds of tests (260 codes before it wraps).
    alpha2 = factory.Sequence(lambda n: f"{n // 26 % 10}{chr(65 + n % 26)}")
    alpha3 = factory.Sequence(lambda n: f"X{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    name = factory.Sequence(lambda n: f"Test State {n}")
    region = Region.B


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official

    user = factory.SubFactory(UserFactory)
    member_state = factory.SubFactory(MemberStateFactory)
    role = Official.Role.SIGNATORY
    official_title = "Director of international affairs"


class ObserverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Observer

    user = factory.SubFactory(UserFactory)
    category = ObserverCategory.SECTOR_MEMBER


class StudyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudyGroup
        django_get_or_create = ("number",)

    number = 11
    title = (
        "Signalling requirements, protocols, test specifications and combating counterfeit products"
    )


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    study_group = factory.SubFactory(StudyGroupFactory)
    place = "Geneva"
    starts_on = factory.LazyFunction(lambda: (timezone.now() + datetime.timedelta(days=120)).date())
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + datetime.timedelta(days=9))


class CircularFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Circular

    number = factory.Sequence(lambda n: 300 + n)
    study_period = "2025-2028"
    reference = "SG11/DA"
    study_group = factory.SubFactory(StudyGroupFactory)
    meeting = factory.SubFactory(MeetingFactory, study_group=factory.SelfAttribute("..study_group"))
    subject = "Member State consultation on a draft Recommendation"
    deadline = factory.LazyFunction(_future_deadline)
    director_name = "Director of TSB"


class DraftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DraftRecommendation

    circular = factory.SubFactory(CircularFactory)
    order = factory.Sequence(lambda n: n + 1)
    number = factory.Sequence(lambda n: f"ITU-T Q.{5000 + n}")
    title = factory.Sequence(lambda n: f"Draft number {n}")


class ReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reply

    circular = factory.SubFactory(CircularFactory)
    member_state = factory.SubFactory(MemberStateFactory)


class SubmittedReplyFactory(ReplyFactory):
    status = Reply.Status.SUBMITTED
    version = 1
    submitted_at = factory.LazyFunction(timezone.now)


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReplyPosition

    reply = factory.SubFactory(ReplyFactory)
    draft = factory.SubFactory(DraftFactory, circular=factory.SelfAttribute("..reply.circular"))
    decision = ReplyPosition.Decision.AUTHORIZE_NO_COMMENTS
