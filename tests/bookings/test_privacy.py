"""Personal data is purged once a cohort ended longer ago than the retention period (PIPL)."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import ModelLogEntry

from bookings.models import Cohort, Registration, RegistrationGroup
from bookings.models.cohorts import academy_today
from bookings.services import GroupContact, purge_personal_data, register
from tests.factories import SuperuserFactory

from .factories import ApplicantFactory, CohortFactory, mobile, register_trainees, valid_id_number

pytestmark = pytest.mark.django_db


def ended(cohort, days_ago: int) -> Cohort:
    last_day = academy_today() - datetime.timedelta(days=days_ago)
    Cohort.objects.filter(pk=cohort.pk).update(
        starts_on=last_day - datetime.timedelta(days=2), ends_on=last_day
    )
    return cohort


@pytest.fixture
def old(programme):
    cohort = CohortFactory(programme=programme, asks_id_number=True)
    register(
        cohort.pk,
        applicants=[
            ApplicantFactory(
                name="张三明",
                phone=mobile(1),
                email="zhang@example.com",
                id_number=valid_id_number(1),
                position="书记",
            )
        ],
        by=SuperuserFactory(),
        source=Registration.Source.STAFF,
    )
    register(
        cohort.pk,
        applicants=[ApplicantFactory(phone=mobile(2))],
        source=Registration.Source.GROUP,
        group=GroupContact(unit="向阳街道", contact_name="王老师", contact_phone=mobile(3)),
    )
    return ended(cohort, days_ago=400)


def test_purge_clears_names_and_numbers_of_cohorts_that_ended_before_the_day(programme, old):
    running = CohortFactory(programme=programme)
    [kept] = register_trainees(running, 1)
    code = Registration.objects.get(phone=mobile(1)).code

    count = purge_personal_data(ended_before=academy_today() - datetime.timedelta(days=365))

    assert (count.cohorts, count.registrations, count.groups) == (1, 2, 1)
    zhang = Registration.objects.get(code=code)
    assert (zhang.name, zhang.email, zhang.id_number, zhang.position, zhang.party_organisation) == (
        "已清除",
        "",
        "",
        "",
        "",
    )
    assert zhang.purged_at is not None
    assert zhang.masked_phone == "已清除"
    assert mobile(1) not in zhang.phone
    assert not Registration.objects.filter(cohort=old, name="张三明").exists()
    group = RegistrationGroup.objects.get(cohort=old)
    assert (group.contact_name, group.contact_email, group.masked_contact_phone) == (
        "已清除",
        "",
        "已清除",
    )
    phone = kept.phone
    kept.refresh_from_db()
    assert (kept.purged_at, kept.phone, kept.masked_phone[:3]) == (None, phone, phone[:3])
    assert kept.name != "已清除"


def test_purge_keeps_what_counts_and_a_person_counted_once(programme, old):
    again = CohortFactory(programme=programme)
    register(again.pk, applicants=[ApplicantFactory(phone=mobile(1))])
    ended(again, days_ago=500)
    statuses = dict(Registration.objects.values_list("code", "status"))

    purge_personal_data(ended_before=academy_today() - datetime.timedelta(days=365))

    purged = Registration.objects.filter(purged_at__isnull=False)
    assert purged.count() == 3
    assert dict(purged.values_list("code", "status")) == statuses
    # The same mobile in two cohorts: one person, still.
    assert purged.values("phone").distinct().count() == 2


def test_purge_rewrites_the_audit_logs_labels_and_logs_each_cohort(programme, old):
    zhang = Registration.objects.get(phone=mobile(1))
    assert ModelLogEntry.objects.filter(object_id=str(zhang.pk), label__contains="张三明").exists()

    purge_personal_data(ended_before=academy_today())

    assert not ModelLogEntry.objects.filter(label__contains="张三明").exists()
    entry = ModelLogEntry.objects.get(action="bookings.cohort.purge_personal_data")
    assert entry.object_id == str(old.pk)
    assert entry.data == {"registrations": 2, "groups": 1}


def test_purge_twice_purges_nothing_more(programme, old):
    purge_personal_data(ended_before=academy_today())
    first = list(Registration.objects.values_list("phone", "purged_at"))

    count = purge_personal_data(ended_before=academy_today())

    assert (count.cohorts, count.registrations) == (0, 0)
    assert list(Registration.objects.values_list("phone", "purged_at")) == first


def test_private_page_of_a_purged_registration_shows_no_personal_data(client, old):
    zhang = Registration.objects.get(phone=mobile(1))
    purge_personal_data(ended_before=academy_today())

    page = client.get(zhang.get_absolute_url()).content.decode()

    assert "张三明" not in page
    assert "已清除" in page


def test_a_purged_registration_is_not_edited_in_the_admin(client, old):
    zhang = Registration.objects.get(phone=mobile(1))
    purge_personal_data(ended_before=academy_today())
    zhang.refresh_from_db()
    before = Registration.objects.values().get(pk=zhang.pk)
    client.force_login(SuperuserFactory())
    edit = reverse(Registration.snippet_viewset.get_url_name("edit"), args=[zhang.pk])
    listing = reverse(Registration.snippet_viewset.get_url_name("list"))

    shown = client.get(edit, follow=True)
    posted = client.post(edit, {"name": "李四", "unit": "某局"})

    assert shown.redirect_chain[-1][0] == listing
    assert "该报名的个人信息已在保存期满后清除，不能再编辑。" in shown.content.decode()
    assert posted.status_code == 302
    assert Registration.objects.values().get(pk=zhang.pk) == before


def test_command_purges_after_the_retention_period_only(settings, programme, old):
    recent = CohortFactory(programme=programme)
    register_trainees(recent, 1)
    ended(recent, days_ago=10)
    settings.PERSONAL_DATA_RETENTION_DAYS = 365
    out = StringIO()

    call_command("purge_personal_data", "--dry-run", stdout=out)
    assert "1 cohorts" in out.getvalue()
    assert not Registration.objects.filter(purged_at__isnull=False).exists()

    call_command("purge_personal_data", stdout=out)
    assert Registration.objects.filter(purged_at__isnull=False).count() == 2
    assert not Registration.objects.filter(cohort=recent, purged_at__isnull=False).exists()


def test_privacy_notice_states_the_retention_period(client, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 3 * 365
    assert "班次结束之日起满 3 年后" in client.get("/privacy/").content.decode()

    settings.PERSONAL_DATA_RETENTION_DAYS = 400
    assert "班次结束之日起满 400 天后" in client.get("/privacy/").content.decode()
