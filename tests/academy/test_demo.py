"""The demo data `make run` loads: a whole academy, consistent with the platform's own rules."""

import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from PIL import Image, ImageDraw
from wagtail.models import Page

from academy.demo import media
from academy.models import HomePage
from attendance.figures import headline
from attendance.models import Attendance, AttendanceRule, Evaluation, StudyVisit
from bases.models import TrainingBasePage
from bookings.models import Cohort, ProgrammePage, Registration, Session
from bookings.services.timetable import session_conflicts
from core.models import NewsPage
from core.validators import validate_mobile
from courses.models import CoursePage
from lecturers.models import LecturerPage


@pytest.fixture(scope="module")
def demo_academy(django_db_setup, django_db_blocker):
    """The demo academy, seeded once for this module's tests and rolled back after them.

    The seed runs in a transaction left open while the module's tests run: each test's own
    transaction (pytest-django's ``db``) is a savepoint inside it, and the final rollback leaves
    the database empty for the session's other modules, whose ``site_tree`` builds its own site.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--no-progress", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo_academy, db):
    """The demo academy, for one test: what the test writes is rolled back after it."""


def test_seed_demo_builds_the_academy_the_domain_describes(seeded, client):
    assert LecturerPage.objects.live().count() == 100
    assert TrainingBasePage.objects.live().count() == 160
    assert CoursePage.objects.live().count() >= 70
    assert NewsPage.objects.live().exists()
    assert ProgrammePage.objects.live().exists()
    assert Cohort.objects.count() >= 20
    assert Registration.objects.count() > 1000
    assert not Page.objects.filter(live=False).exists()
    for path in ("/", "/courses/", "/programmes/", "/trainers/", "/bases/", "/news/"):
        assert client.get(path).status_code == 200, path


def test_seed_demo_timetables_double_book_nothing(seeded):
    scheduled = Session.objects.scheduled().prefetch_related("lecturers")
    clashes = [
        session.pk
        for session in scheduled
        if session_conflicts(
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            lecturers=list(session.lecturers.all()),
            base=session.base_id,
            room=session.room,
            exclude_pk=session.pk,
        ).exists()
    ]
    assert scheduled.count() > 200
    assert clashes == []


def test_seed_demo_registrations_keep_the_seat_rules(seeded):
    for cohort in Cohort.objects.all():
        confirmed = cohort.registrations.filter(status=Registration.Status.CONFIRMED).count()
        assert confirmed <= cohort.capacity, cohort
    for phone in Registration.objects.values_list("phone", flat=True)[:200]:
        validate_mobile(phone)


def test_seed_demo_if_empty_adds_nothing_the_second_time(seeded):
    counts = (Page.objects.count(), Session.objects.count(), Registration.objects.count())

    call_command("seed_demo", "--if-empty", "--no-progress", verbosity=0)

    assert (Page.objects.count(), Session.objects.count(), Registration.objects.count()) == counts
    assert HomePage.objects.count() == 1


def test_seed_demo_visitors_come_to_about_8100(seeded, client):
    figures = headline()

    assert 8100 <= figures["visitors"] <= 8200
    assert figures["trainees"] > 1000
    assert figures["visitors"] == figures["trainees"] + figures["delegation_visitors"]
    assert set(Attendance.objects.values_list("status", flat=True)) == set(Attendance.Status)
    assert StudyVisit.objects.exclude(province="山东省").exists()
    assert StudyVisit.objects.filter(actual_headcount__isnull=True).exists()  # still to come
    assert f'<span class="figures__number">{figures["visitors"]}</span>' in (
        client.get("/").content.decode()
    )


def test_seed_demo_evaluations_are_of_attended_sessions(seeded):
    attended = Attendance.objects.filter(
        session=OuterRef("session"),
        registration=OuterRef("registration"),
        status__in=Attendance.ATTENDED,
    )

    assert Evaluation.objects.count() > 1000
    assert not Evaluation.objects.exclude(Exists(attended)).exists()


def test_seed_demo_opens_a_running_cohorts_session_for_check_in_today(seeded):
    now = timezone.now()
    today = timezone.localdate(now)
    soon = Session.objects.scheduled().filter(
        starts_at__gte=now - timedelta(minutes=30), starts_at__lte=now + timedelta(hours=1)
    )
    running = [
        session
        for session in soon.select_related("cohort__programme")
        if session.cohort.has_begun
        and not session.cohort.is_finished
        and timezone.localdate(session.starts_at) == today
    ]

    def open_for_check_in(session) -> bool:
        """Open now, with trainees to scan and nobody scanned yet (another of the demo's
        sessions may start in the same hour: it has begun, so it has its attendance)."""
        rule = AttendanceRule.for_programme(session.cohort.programme)
        opens = session.starts_at - timedelta(minutes=rule.opens_minutes_before)
        closes = session.starts_at + timedelta(minutes=rule.closes_minutes_after)
        confirmed = session.cohort.registrations.filter(status=Registration.Status.CONFIRMED)
        return (
            opens <= now <= closes and confirmed.count() >= 20 and not session.attendances.exists()
        )

    assert running
    assert any(open_for_check_in(session) for session in running)


def test_demo_users_get_a_lecturer_and_a_base_with_something_to_do(seeded):
    call_command("demo_users", verbosity=0)

    lecturer = LecturerPage.objects.get(user__username="jiangshi")
    base = TrainingBasePage.objects.get(contact_user__username="jidi")
    assert Evaluation.objects.for_lecturer_user(lecturer.user).exists()
    assert base.study_visits.filter(
        confirmed_at__isnull=True, visited_on__lte=timezone.localdate()
    ).exists()
    # Published as a revision: an editor's next edit keeps the link.
    assert lecturer.get_latest_revision_as_object().user == lecturer.user


def test_search_finds_demo_courses_by_chinese_title_first(seeded, client):
    response = client.get("/search/", {"q": "乡村振兴"})

    first = response.context["results_page"][0]
    assert "乡村振兴" in first["page"].title


def test_demo_pictures_draw_no_boxes_for_chinese_without_a_cjk_font(monkeypatch):
    monkeypatch.setattr(media, "CJK_FONTS", [])
    media.font_path.cache_clear()
    try:
        blank = Image.new("RGB", (200, 100), "white")
        drawn = {}
        for text in ("党建", "Yantai"):
            image = blank.copy()
            media.draw_centred(ImageDraw.Draw(image), (100, 50), text, media.load_font(40), "black")
            drawn[text] = image.tobytes() != blank.tobytes()
    finally:
        media.font_path.cache_clear()

    assert drawn == {"党建": False, "Yantai": True}


def test_demo_scene_is_the_same_for_the_same_seed():
    assert media.scene_image(3, random.Random(7)) == media.scene_image(3, random.Random(7))
