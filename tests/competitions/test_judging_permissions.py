"""Who gets what from every URL of the judging, the live screen, the results, their admin
views, exports and API: anonymous visitors, an applicant holding their project's private link,
judge A (assigned the project), judge B (assigned other projects of the round), and staff
(学院管理员), by GET and by POST. A judge asking for another judge's assignment gets 404, as
for one that does not exist; nothing is written by a refused POST."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from competitions import services
from competitions.models import Assignment, Objection, Round, Score

from .factories import JudgeFactory, ProjectFactory, RoundFactory
from .judging_helpers import staff_user, submit

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "applicant", "judge_a", "judge_b", "staff")
SITE_LOGIN, ADMIN_LOGIN = "site login", "admin login"


@pytest.fixture(autouse=True)
def _chinese(site_tree):
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def world():
    round_ = RoundFactory(is_live=True)
    mine, theirs = (ProjectFactory(competition=round_.competition) for _ in range(2))
    judge_a, judge_b = JudgeFactory(), JudgeFactory()
    assignment = services.assign(round_, project=mine, judge=judge_a, by=None)
    services.assign(round_, project=theirs, judge=judge_b, by=None)
    submit(services.assign(round_, project=mine, judge=judge_b, by=None), 70)
    closed = RoundFactory(competition=round_.competition)
    services.assign(closed, project=mine, judge=judge_a, by=None)
    Round.objects.filter(pk=closed.pk).update(status=Round.Status.CLOSED)
    closed.refresh_from_db()
    now = timezone.now()
    publication = services.publish_results(
        round_.competition,
        round_=closed,
        title="初审结果公示",
        notice_starts_at=now - datetime.timedelta(days=1),
        notice_ends_at=now + datetime.timedelta(days=6),
        by=None,
    )
    return {
        "round": round_,
        "assignment": assignment,
        "project": mine,
        "publication": publication,
        "users": {"judge_a": judge_a, "judge_b": judge_b, "staff": staff_user()},
    }


def urls(w) -> dict[str, str]:
    round_, assignment = w["round"], w["assignment"]
    return {
        "judging": reverse("competitions:judging"),
        "judging_score": reverse("competitions:judging_score", args=[assignment.pk]),
        "judging_conflict": reverse("competitions:judging_conflict", args=[assignment.pk]),
        "judging_round": reverse("competitions:judging_round", args=[round_.pk]),
        "live": reverse("competitions:live", args=[round_.pk]),
        "live_data": reverse("competitions:live_data", args=[round_.pk]),
        "results": reverse("competitions:results", args=[w["publication"].pk]),
        "admin_round": reverse("competitions_results:round", args=[round_.pk]),
        "ranking_xlsx": reverse("competitions_results:ranking_xlsx", args=[round_.pk]),
        "score_sheets_xlsx": reverse("competitions_results:score_sheets_xlsx", args=[round_.pk]),
        "funding_xlsx": reverse("competitions_results:funding_xlsx", args=[round_.competition_id]),
        "api_ranking": reverse("round-ranking", args=[round_.pk]),
    }


def row(anonymous, judge_a, judge_b, staff):
    """An applicant on their private link is an anonymous visitor to every one of these."""
    return {
        "anonymous": anonymous,
        "applicant": anonymous,
        "judge_a": judge_a,
        "judge_b": judge_b,
        "staff": staff,
    }


GETS = {
    "judging": row(SITE_LOGIN, 200, 200, 200),
    "judging_score": row(SITE_LOGIN, 200, 404, 404),
    "judging_conflict": row(SITE_LOGIN, 200, 404, 404),
    # Both judges are in the round (open: their own scores only); staff are not.
    "judging_round": row(SITE_LOGIN, 200, 200, 404),
    "live": row(200, 200, 200, 200),
    "live_data": row(200, 200, 200, 200),
    "results": row(200, 200, 200, 200),
    # Judges have no admin access at all: the admin sends them to its login.
    "admin_round": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
    "ranking_xlsx": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
    "score_sheets_xlsx": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
    "funding_xlsx": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200),
    "api_ranking": row(401, 403, 403, 200),
}
POSTS = {
    # A draft saved, a conflict declared: each a redirect for judge A alone.
    "judging_score": row(SITE_LOGIN, 302, 404, 404),
    "judging_conflict": row(SITE_LOGIN, 302, 404, 404),
    "judging": row(405, 405, 405, 405),
    "live_data": row(405, 405, 405, 405),
    "api_ranking": row(401, 403, 403, 405),
}


def outcome(response):
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("login")):
            return SITE_LOGIN
        if location.startswith(reverse("wagtailadmin_login")):
            return ADMIN_LOGIN
    return response.status_code


def client_for(client, role, w):
    if role == "applicant":
        assert client.get(w["project"].get_absolute_url()).status_code == 200
    elif role != "anonymous":
        client.force_login(w["users"][role])
    return client


def test_every_url_has_a_row():
    assert set(GETS) == set(urls({"round": _Stub(), "assignment": _Stub(), "publication": _Stub()}))


class _Stub:
    pk = 1
    competition_id = 1


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_expected(client, world, role):
    client = client_for(client, role, world)
    wrong = []
    for name, url in urls(world).items():
        got = outcome(client.get(url))
        if got != GETS[name][role]:
            wrong.append(f"GET {name} {url}: {got}, not {GETS[name][role]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_posts_change_only_what_judge_a_may(client, world, role):
    client = client_for(client, role, world)
    assignment = world["assignment"]
    criteria = list(world["round"].criteria.all())
    data = {"action": "draft", "reason": "我是该机构的理事。"} | {
        f"criterion_{c.pk}": "10" for c in criteria
    }
    wrong = []
    for name in ("judging_score", "judging_conflict", "judging", "live_data", "api_ranking"):
        url = urls(world)[name]
        got = outcome(client.post(url, data))
        if got != POSTS[name][role]:
            wrong.append(f"POST {name} {url}: {got}, not {POSTS[name][role]}")
    assert not wrong, "\n".join(wrong)
    assignment.refresh_from_db()
    score = Score.objects.filter(assignment=assignment).first()
    if role == "judge_a":
        assert assignment.has_conflict
        assert score.status == Score.Status.DRAFT
    else:
        assert not assignment.has_conflict
        assert score is None


def test_an_api_token_of_judge_b_reads_no_ranking(client, world):
    token = Token.objects.create(user=world["users"]["judge_b"])

    response = client.get(urls(world)["api_ranking"], HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 403


def test_an_objection_posted_by_anyone_during_the_notice_is_taken(client, world):
    response = client.post(
        urls(world)["results"], {"name": "王芳", "phone": "13900001234", "text": "异议"}
    )

    assert response.status_code == 302
    assert Objection.objects.count() == 1


def test_a_withdrawn_assignment_is_not_found_even_by_its_judge(client, world):
    assignment = world["assignment"]
    Assignment.objects.filter(pk=assignment.pk).update(withdrawn_at=timezone.now())
    client.force_login(world["users"]["judge_a"])

    for name in ("judging_score", "judging_conflict"):
        assert client.get(urls(world)[name]).status_code == 404
