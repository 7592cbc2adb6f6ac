"""Evaluations (评教): once per attended session, averages in public only from three answers,
comments only for staff and the session's lecturer."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import Attendance, Evaluation
from attendance.services_evaluations import (
    AlreadyEvaluated,
    NotAttended,
    Scores,
    evaluate,
    sessions_to_evaluate,
)
from tests.bookings.factories import (
    CohortFactory,
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    SessionFactory,
    register_trainees,
)
from tests.factories import CoursePageFactory, LecturerPageFactory, SuperuserFactory

from .visits_factories import attend, rate, user_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(site_tree):
    ProgrammeIndexPageFactory()
    return CohortFactory(programme=ProgrammePageFactory(title="社区书记培训班"), title="第1期")


@pytest.fixture
def lecturer(site_tree):
    return LecturerPageFactory(title="王建国")


@pytest.fixture
def course(site_tree, lecturer):
    return CoursePageFactory(title="红色物业")


@pytest.fixture
def session(cohort, lecturer, course):
    return SessionFactory(cohort=cohort, course=course, title="", lecturers=[lecturer])


# -- the service ----------------------------------------------------------------------------------


def test_evaluate_records_an_attended_session_once(cohort, session):
    [registration] = register_trainees(cohort, 1)
    attend(registration, session, Attendance.Status.LATE)

    evaluation = evaluate(
        registration, session, scores=Scores(5, 4, 3, 2, comment="  案例很实用  ")
    )
    with pytest.raises(AlreadyEvaluated):
        evaluate(registration, session, scores=Scores(1, 1, 1, 1))

    assert Evaluation.objects.count() == 1
    assert (evaluation.content, evaluation.delivery, evaluation.usefulness) == (5, 4, 3)
    assert (evaluation.organisation, evaluation.comment) == (2, "案例很实用")
    assert evaluation.average == Decimal("3.5")


@pytest.mark.parametrize("status", [None, Attendance.Status.ABSENT, Attendance.Status.EXCUSED])
def test_evaluate_refuses_a_session_not_attended(cohort, session, status):
    [registration] = register_trainees(cohort, 1)
    if status:
        attend(registration, session, status)

    with pytest.raises(NotAttended):
        evaluate(registration, session, scores=Scores(5, 5, 5, 5))

    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("score", [0, 6])
def test_evaluate_refuses_a_score_off_the_scale(cohort, session, score):
    [registration] = register_trainees(cohort, 1)
    attend(registration, session)

    with pytest.raises(ValidationError):
        evaluate(registration, session, scores=Scores(score, 3, 3, 3))

    assert not Evaluation.objects.exists()


def test_sessions_to_evaluate_are_the_attended_ones_not_yet_rated(cohort, session):
    [registration] = register_trainees(cohort, 1)
    second = SessionFactory(cohort=cohort)
    missed = SessionFactory(cohort=cohort)
    attend(registration, session)
    attend(registration, second)
    attend(registration, missed, Attendance.Status.ABSENT)
    rate(registration, session)

    assert sessions_to_evaluate(registration) == [second]


def test_summary_averages_each_criterion_and_overall(cohort, session):
    registrations = register_trainees(cohort, 3)
    for registration, scores in zip(
        registrations, [(5, 5, 4, 3), (4, 3, 4, 3), (3, 4, 5, 3)], strict=True
    ):
        attend(registration, session)
        rate(registration, session, scores)

    summary = Evaluation.objects.summary()

    assert summary == {
        "count": 3,
        "content": Decimal("4.00"),
        "delivery": Decimal("4.00"),
        "usefulness": Decimal("4.33"),
        "organisation": Decimal("3.00"),
        "overall": Decimal("3.83"),
    }


# -- the trainee's side ---------------------------------------------------------------------------


def test_private_page_links_each_attended_session_by_token_not_phone(client, cohort, session):
    [registration] = register_trainees(cohort, 1)
    attend(registration, session)

    response = client.get(registration.get_absolute_url())

    url = reverse("evaluation:rate", args=[registration.token, session.pk])
    html = response.content.decode()
    assert url in html
    assert registration.phone not in url
    assert "评价课程" in html


def test_private_page_shows_no_evaluations_before_any_attendance(client, cohort, session):
    [registration] = register_trainees(cohort, 1)

    response = client.get(registration.get_absolute_url())

    assert "registration-evaluations" not in response.content.decode()


def test_rating_form_records_and_returns_to_the_private_page(client, cohort, session):
    [registration] = register_trainees(cohort, 1)
    attend(registration, session)
    url = reverse("evaluation:rate", args=[registration.token, session.pk])

    form = client.get(url)
    response = client.post(
        url,
        {"content": "5", "delivery": "4", "usefulness": "5", "organisation": "4", "comment": "好"},
    )
    again = client.post(
        url, {"content": "1", "delivery": "1", "usefulness": "1", "organisation": "1"}
    )
    page = client.get(registration.get_absolute_url()).content.decode()

    assert form.status_code == 200
    assert response.status_code == 302
    assert response["Location"].startswith(registration.get_absolute_url())
    assert again.status_code == 302
    assert list(Evaluation.objects.values_list("content", "comment")) == [(5, "好")]
    assert url not in page
    assert "您已评价 1 次课程" in page


def test_rating_form_without_scores_answers_400(client, cohort, session):
    [registration] = register_trainees(cohort, 1)
    attend(registration, session)
    url = reverse("evaluation:rate", args=[registration.token, session.pk])

    response = client.post(url, {"content": "5"})

    assert response.status_code == 400
    assert "请选择 1 到 5 分。" in response.content.decode()
    assert not Evaluation.objects.exists()


def test_rating_form_of_a_session_not_attended_goes_back_without_a_form(client, cohort, session):
    [registration] = register_trainees(cohort, 1)
    url = reverse("evaluation:rate", args=[registration.token, session.pk])

    response = client.post(
        url, {"content": "5", "delivery": "5", "usefulness": "5", "organisation": "5"}
    )

    assert response.status_code == 302
    assert not Evaluation.objects.exists()


def test_rating_form_answers_404_for_another_cohorts_session_or_an_old_token(
    client, cohort, session
):
    [registration] = register_trainees(cohort, 1)
    other = SessionFactory(cohort=CohortFactory(programme=cohort.programme))

    wrong_session = client.get(reverse("evaluation:rate", args=[registration.token, other.pk]))
    wrong_token = client.get(reverse("evaluation:rate", args=["no-such-token", session.pk]))

    assert (wrong_session.status_code, wrong_token.status_code) == (404, 404)


# -- public pages: averages from three answers, never comments ------------------------------------


def rated_by(cohort, session, count: int, comment="讲得太快，没听懂") -> None:
    for registration in register_trainees(cohort, count):
        attend(registration, session)
        rate(registration, session, (4, 5, 4, 3), comment=comment)


@pytest.mark.parametrize("count", [0, 2])
def test_lecturer_and_course_pages_hide_ratings_below_three(
    client, no_page_cache, cohort, session, lecturer, course, count
):
    rated_by(cohort, session, count)

    for page in (lecturer, course):
        html = client.get(page.url).content.decode()
        assert "学员评价" not in html


def test_lecturer_and_course_pages_show_averages_from_three_never_comments(
    client, no_page_cache, cohort, session, lecturer, course
):
    rated_by(cohort, session, 3)

    for page in (lecturer, course):
        html = client.get(page.url).content.decode()
        assert "学员评价" in html
        assert "<strong>4.00</strong> / 5" in html
        assert "（3 份评价）" in html
        assert "讲得太快" not in html


# -- the admin: staff see everything, a lecturer their own ---------------------------------------


def test_staff_read_every_evaluation_with_its_comment(client, cohort, session):
    rated_by(cohort, session, 1, comment="希望多些案例")
    other = SessionFactory(cohort=cohort, title="另一讲")
    [registration] = register_trainees(cohort, 1)
    attend(registration, other)
    rate(registration, other, comment="场地太小")
    client.force_login(user_in("教务"))

    html = client.get(reverse("evaluations:index")).content.decode()

    assert "希望多些案例" in html
    assert "场地太小" in html


def test_a_lecturer_reads_only_their_own_sessions_evaluations(client, cohort, session, lecturer):
    rated_by(cohort, session, 1, comment="希望多些案例")
    other = SessionFactory(cohort=cohort, title="另一讲", lecturers=[LecturerPageFactory()])
    [registration] = register_trainees(cohort, 1)
    attend(registration, other)
    rate(registration, other, comment="场地太小")
    user = user_in("讲师")
    lecturer.user = user
    lecturer.save()
    client.force_login(user)

    html = client.get(reverse("evaluations:index")).content.decode()

    assert "希望多些案例" in html
    assert "场地太小" not in html


def test_a_lecturer_without_a_page_reads_none(client, cohort, session):
    rated_by(cohort, session, 1, comment="希望多些案例")
    client.force_login(user_in("讲师"))

    response = client.get(reverse("evaluations:index"))

    assert response.status_code == 200
    assert "希望多些案例" not in response.content.decode()


@pytest.mark.parametrize("group", ["内容编辑", "基地联系人", "评委"])
def test_other_roles_may_not_read_evaluations(client, cohort, session, group):
    rated_by(cohort, session, 1)
    client.force_login(user_in(group))
    url = reverse("evaluations:index")

    response = client.get(url)

    # Judges have no admin access at all (issue 12): the admin's login page, not its refusal.
    refused = f"/admin/login/?next={url}" if group == "评委" else reverse("wagtailadmin_home")
    assert (response.status_code, response["Location"]) == (302, refused)


def test_evaluation_export_has_scores_and_comments_but_no_trainee(client, cohort, session):
    rated_by(cohort, session, 1, comment="=HYPERLINK(1)")
    registration = Evaluation.objects.get().registration
    client.force_login(SuperuserFactory())

    # The listing's export is the `evaluations` spreadsheet kind's (tests/sheets).
    response = client.get(reverse("core_imports:export", args=["evaluations", "csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))

    assert rows[1][4:] == ["4", "5", "4", "3", "4.0", "'=HYPERLINK(1)", rows[1][10]]
    assert registration.name not in text
    assert registration.phone not in text


def listing_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_evaluation_listing_runs_the_same_queries_for_one_row_or_many(client, cohort, session):
    client.force_login(user_in("教务"))
    url = reverse("evaluations:index")
    rated_by(cohort, session, 1)
    one = listing_queries(client, url)
    for _ in range(3):
        other = SessionFactory(
            cohort=cohort, course=CoursePageFactory(), lecturers=[LecturerPageFactory()]
        )
        rated_by(cohort, other, 1)

    assert listing_queries(client, url) == one
