"""Factories for programmes, cohorts, sessions and the applicants the booking services take.

Registrations are only ever written through `bookings.services.register`, so there is no
registration factory: tests register `ApplicantFactory` trainees with `register_trainees`.
"""

import datetime

import factory
from django.utils import timezone

from academy.models import HomePage
from bookings.models import Cohort, ProgrammeIndexPage, ProgrammePage, Registration, Session
from bookings.services import Applicant, register
from core.validators import id_number_check_char
from tests.factories import PageFactory


def valid_id_number(serial: int = 1) -> str:
    """A GB 11643 number for someone born in Zhifu, Yantai on 1 January 1990."""
    first17 = f"37060219900101{serial % 1000:03d}"
    return first17 + id_number_check_char(first17)


def mobile(serial: int) -> str:
    return f"138{serial:08d}"


def at_local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class ProgrammeIndexPageFactory(PageFactory):
    class Meta:
        model = ProgrammeIndexPage

    parent = factory.LazyFunction(lambda: HomePage.objects.get())
    title = "培训班"
    slug = "programmes"
    introduction = "学院开设的培训班。"


class ProgrammePageFactory(PageFactory):
    class Meta:
        model = ProgrammePage

    parent = factory.LazyFunction(lambda: ProgrammeIndexPage.objects.get())
    title = factory.Sequence(lambda n: f"基层党组织书记培训班{n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    summary = "面向基层党组织书记的专题培训。"


class CohortFactory(factory.django.DjangoModelFactory):
    """A cohort a month away with 10 seats, registration open now and a waiting list."""

    class Meta:
        model = Cohort

    programme = factory.LazyFunction(lambda: ProgrammePage.objects.order_by("pk").first())
    title = factory.Sequence(lambda n: f"第{n + 1}期")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    ends_on = factory.LazyAttribute(lambda cohort: cohort.starts_on + datetime.timedelta(days=2))
    capacity = 10
    registration_opens_at = factory.LazyFunction(
        lambda: timezone.now() - datetime.timedelta(days=1)
    )
    registration_closes_at = factory.LazyFunction(
        lambda: timezone.now() + datetime.timedelta(days=20)
    )
    requires_approval = False
    waitlist_enabled = True
    waitlist_capacity = None
    location = "烟台城市党建学院"


class SessionFactory(factory.django.DjangoModelFactory):
    """A two-hour morning session on the cohort's first day; `lecturers=[...]` are saved."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    cohort = factory.SubFactory(CohortFactory)
    title = factory.Sequence(lambda n: f"专题讲座{n}")
    room = "学院301教室"
    starts_at = factory.LazyAttribute(lambda session: at_local(session.cohort.starts_on, 9))
    ends_at = factory.LazyAttribute(lambda session: session.starts_at + datetime.timedelta(hours=2))

    @factory.post_generation
    def lecturers(session, create, extracted, **kwargs):
        if create and extracted:
            session.lecturers.set(extracted)


class ApplicantFactory(factory.Factory):
    class Meta:
        model = Applicant

    name = factory.Sequence(lambda n: f"学员{n}")
    phone = factory.Sequence(lambda n: mobile(n + 1))
    unit = "芝罘区向阳街道党工委"
    position = "支部书记"


def register_trainees(cohort, count: int, **kwargs) -> list[Registration]:
    """Register `count` trainees one by one, each alone, in order."""
    registrations = []
    for _ in range(count):
        registrations += register(cohort.pk, applicants=[ApplicantFactory()], **kwargs)
    return registrations
