"""A round's results: the ranking selector (submitted scores only, a fixed number of queries),
the staff API, the admin's results page and dashboard panel, and the published results with
their public notice and objections."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from competitions import services
from competitions.models import Objection, Round
from competitions.selectors import round_ranking
from tests.factories import UserFactory

from .factories import JudgeFactory, ProjectFactory
from .judging_helpers import make_round, staff_user, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese(site_tree):
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def scored():
    """Three projects, five judges; P0 and P1 fully scored, P2 by three judges, one a draft."""
    round_, projects, judges, assignments = make_round(judges=5, projects=3, advance_count=1)
    for project, totals in zip(
        projects, ([86, 90, 72, 95, 88], [80, 80, 80, 80, 80]), strict=False
    ):
        for judge, total in zip(judges, totals, strict=True):
            submit(assignments[judge.pk, project.pk], total)
    for judge, total in zip(judges[:3], [60, 70, 65], strict=True):
        submit(assignments[judge.pk, projects[2].pk], total)
    services.save_draft(
        assignments[judges[3].pk, projects[2].pk],
        values={c.pk: c.maximum for c in round_.criteria.all()},
        by=judges[3],
    )
    return round_, projects, judges, assignments


def test_ranking_counts_submitted_scores_only(scored):
    round_, projects, judges, _ = scored

    ranking = round_ranking(round_.pk)

    assert [
        (line.project.id, line.rank, line.aggregate, line.advances) for line in ranking.lines
    ] == [
        (projects[0].pk, 1, Decimal("88.00"), True),  # trimmed: (86 + 90 + 88) / 3
        (projects[1].pk, 2, Decimal("80.00"), False),
        (projects[2].pk, 3, Decimal("65.00"), False),  # the draft of 100 does not count
    ]
    assert [line.submitted for line in ranking.lines] == [5, 5, 3]
    assert [line.assigned for line in ranking.lines] == [5, 5, 5]
    assert ranking.lines[2].totals == [Decimal(60), Decimal(70), Decimal(65), None, None]
    assert [judge.id for judge in ranking.judges] == [j.pk for j in judges]


def test_ranking_leaves_out_withdrawn_assignments(scored):
    round_, projects, judges, assignments = scored
    services.declare_conflict(
        assignments[judges[4].pk, projects[2].pk], reason="本机构理事", by=judges[4]
    )

    ranking = round_ranking(round_.pk)

    line = ranking.lines[2]
    assert (line.assigned, line.submitted, line.conflicts, line.complete) == (5, 3, 1, False)


def test_ranking_runs_a_fixed_number_of_queries(django_assert_num_queries):
    small = make_round(judges=2, projects=1)
    large = make_round(judges=4, projects=3)
    for _round, projects, judges, assignments in (small, large):
        for judge in judges:
            for project in projects:
                submit(assignments[judge.pk, project.pk], 75)

    for round_, *_ in (small, large):
        with django_assert_num_queries(5):
            round_ranking(round_.pk)


def test_ranking_follows_the_rounds_aggregate_and_normalisation(scored):
    round_, *_ = scored
    Round.objects.filter(pk=round_.pk).update(aggregate=Round.Aggregate.MEDIAN)

    ranking = round_ranking(round_.pk)

    assert [line.aggregate for line in ranking.lines] == [
        Decimal("88.00"),
        Decimal("80.00"),
        Decimal("65.00"),
    ]
    Round.objects.filter(pk=round_.pk).update(normalise=True, aggregate=Round.Aggregate.MEAN)
    assert [line.rank for line in round_ranking(round_.pk).lines] == [1, 2, 3]


def test_ranking_breaks_a_tie_on_the_heaviest_criterion():
    round_, projects, judges, assignments = make_round(judges=1, projects=2)
    # Both total 80: P0 with 项目设计 25, P1 with 30 (the heaviest: 30 points).
    submit(assignments[judges[0].pk, projects[0].pk], (20, 25, 20, 15, 0))
    submit(assignments[judges[0].pk, projects[1].pk], (20, 30, 15, 15, 0))

    ranking = round_ranking(round_.pk)

    assert [(line.project.id, line.rank) for line in ranking.lines] == [
        (projects[1].pk, 1),
        (projects[0].pk, 2),
    ]


# -- the staff API ------------------------------------------------------------------------------


def ranking_url(round_):
    return reverse("round-ranking", args=[round_.pk])


def test_api_ranking_for_staff_with_a_token(client, scored):
    round_, projects, judges, _ = scored
    token = Token.objects.create(user=staff_user())

    response = client.get(ranking_url(round_), HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    body = response.json()
    assert body["round"]["id"] == round_.pk
    assert body["round"]["aggregate"] == "trimmed_mean"
    assert body["maximum"] == "100.00"
    assert [j["id"] for j in body["judges"]] == [j.pk for j in judges]
    first = body["results"][0]
    assert (first["project"], first["rank"], first["aggregate"], first["advances"]) == (
        projects[0].pk,
        1,
        "88.00",
        True,
    )
    assert first["totals"] == [
        {"judge": judge.pk, "total": f"{total}.00"}
        for judge, total in zip(judges, [86, 90, 72, 95, 88], strict=True)
    ]
    assert body["results"][2]["totals"] == [
        {"judge": judge.pk, "total": f"{total}.00"}
        for judge, total in zip(judges[:3], [60, 70, 65], strict=True)
    ]
    assert {line["judge"] for line in body["consistency"]} == {j.pk for j in judges}


def test_api_ranking_by_the_admins_session(client, scored):
    round_, *_ = scored
    client.force_login(staff_user())

    assert client.get(ranking_url(round_)).status_code == 200


def test_api_ranking_refuses_anonymous_judges_and_other_staff(client, scored):
    round_, _projects, judges, _ = scored
    editor = UserFactory(username="editor")
    editor.groups.add(Group.objects.get(name="内容编辑"))

    assert client.get(ranking_url(round_)).status_code == 401
    assert client.get(ranking_url(round_), HTTP_AUTHORIZATION="Token nope").status_code == 401
    for user in (judges[0], editor):
        token = Token.objects.create(user=user)
        response = client.get(ranking_url(round_), HTTP_AUTHORIZATION=f"Token {token.key}")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"


def test_api_ranking_of_an_unknown_round_is_404(client):
    token = Token.objects.create(user=staff_user())

    response = client.get(
        reverse("round-ranking", args=[999999]), HTTP_AUTHORIZATION=f"Token {token.key}"
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "没有这个轮次。", "code": "not_found"}


def test_api_ranking_is_in_the_schema_in_chinese(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/api/v1/rounds/{id}/ranking/"]["get"]
    assert operation["summary"] == "轮次排名"
    assert "只计已提交的评分" in operation["description"]
    assert {"tokenAuth", "cookieAuth"} <= {name for item in operation["security"] for name in item}
    assert set(operation["responses"]) == {"200", "401", "403", "404"}


# -- the admin's results page and the dashboard -----------------------------------------------


def test_admin_round_results_show_totals_aggregate_rank_and_consistency(client, scored):
    round_, projects, judges, _ = scored
    client.force_login(staff_user())

    response = client.get(reverse("competitions_results:round", args=[round_.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert projects[0].title in content
    assert "88.00" in content and "95.00" in content
    assert judges[0].first_name in content
    assert "评委一致性" in content
    assert "13 / 15" not in content and "应评 15 份，已提交 13 份。" in content
    assert reverse("competitions_results:ranking_xlsx", args=[round_.pk]) in content


def test_admin_round_results_are_refused_to_roles_that_may_not_see_scores(client, scored):
    round_, *_ = scored
    url = reverse("competitions_results:round", args=[round_.pk])
    editor = UserFactory(username="editor")
    editor.groups.add(Group.objects.get(name="内容编辑"))
    client.force_login(editor)

    response = client.get(url)

    # Wagtail answers a PermissionDenied in its admin with the dashboard and a message.
    assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))


def test_dashboard_panel_shows_judging_progress_of_open_rounds(client, scored):
    round_, projects, judges, assignments = scored
    services.declare_conflict(
        assignments[judges[4].pk, projects[2].pk], reason="本机构理事", by=judges[4]
    )
    closed = make_round(judges=1, projects=1)[0]
    Round.objects.filter(pk=closed.pk).update(status=Round.Status.CLOSED)
    client.force_login(staff_user())

    content = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "评审进度" in content
    assert str(round_) in content
    # 13 submitted of 15; judges 3 and 4 still owe P2 (4 has declared a conflict on it).
    assert "13 / 15" in content
    assert "待改派的回避" in content


# -- published results --------------------------------------------------------------------------


def publish(round_, *, starts=-1, ends=6):
    now = timezone.now()
    return services.publish_results(
        round_.competition,
        round_=round_,
        title=f"{round_} 结果公示",
        notice_starts_at=now + datetime.timedelta(days=starts),
        notice_ends_at=now + datetime.timedelta(days=ends),
        by=None,
    )


def test_results_page_shows_the_ranking_and_the_notice_period(client, scored):
    round_, projects, judges, _ = scored
    Round.objects.filter(pk=round_.pk).update(status=Round.Status.CLOSED)
    round_.refresh_from_db()
    publication = publish(round_)

    response = client.get(reverse("competitions:results", args=[publication.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "公示中" in content and "公示期" in content
    assert projects[0].title in content and "88.00" in content
    assert "95.00" not in content  # no judge's own total
    assert judges[0].first_name not in content
    assert "提出异议" in content


def test_an_objection_is_lodged_during_the_notice(client, scored):
    round_, projects, *_ = scored
    Round.objects.filter(pk=round_.pk).update(status=Round.Status.CLOSED)
    round_.refresh_from_db()
    publication = publish(round_)
    url = reverse("competitions:results", args=[publication.pk])

    response = client.post(
        url,
        {
            "name": " 王 芳 ",
            "phone": "+86 139 0000 1234",
            "project": projects[1].pk,
            "text": "第二名的预算有误。",
        },
    )

    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.name, objection.phone, objection.project) == (
        "王 芳",
        "13900001234",
        projects[1],
    )
    assert "您的异议已收到" in client.get(url).content.decode()


def test_no_objection_after_the_notice_ends(client, scored):
    round_, *_ = scored
    Round.objects.filter(pk=round_.pk).update(status=Round.Status.CLOSED)
    round_.refresh_from_db()
    publication = publish(round_, starts=-10, ends=-1)
    url = reverse("competitions:results", args=[publication.pk])

    assert "提交异议" not in client.get(url).content.decode()
    response = client.post(url, {"name": "王芳", "phone": "13900001234", "text": "异议"})

    assert response.status_code == 302
    assert not Objection.objects.exists()
    assert "公示已结束" in client.get(url).content.decode()


def test_objections_are_rate_limited(client, scored, settings):
    settings.COMPETITIONS_OBJECTION_RATE_PER_PHONE = "1/d"
    round_, *_ = scored
    Round.objects.filter(pk=round_.pk).update(status=Round.Status.CLOSED)
    round_.refresh_from_db()
    url = reverse("competitions:results", args=[publish(round_).pk])
    data = {"name": "王芳", "phone": "13900001234", "text": "异议"}

    assert client.post(url, data).status_code == 302
    response = client.post(url, data)

    assert response.status_code == 429
    assert Objection.objects.count() == 1


def test_funding_results_list_the_awards_and_their_total(client):
    round_, projects, _judges, _ = make_round(judges=1, projects=2)
    services.set_award(projects[0], amount=Decimal("50000"), tier="first", by=None)
    services.set_award(projects[1], amount=Decimal("30000"), tier="second", by=None)
    now = timezone.now()
    publication = services.publish_results(
        round_.competition,
        title="资助结果公示",
        notice_starts_at=now - datetime.timedelta(days=1),
        notice_ends_at=now + datetime.timedelta(days=6),
        by=None,
    )

    content = client.get(reverse("competitions:results", args=[publication.pk])).content.decode()

    assert "资助项目" in content
    assert "50,000.00" in content and "80,000.00" in content
    assert projects[1].title in content


def test_results_of_an_unpublished_competition_are_not_found(client, scored):
    round_, *_ = scored
    Round.objects.filter(pk=round_.pk).update(status=Round.Status.CLOSED)
    round_.refresh_from_db()
    publication = publish(round_)
    round_.competition.unpublish()

    assert client.get(reverse("competitions:results", args=[publication.pk])).status_code == 404


def test_an_extra_judge_in_another_round_changes_nothing(scored):
    round_, *_ = scored
    JudgeFactory()
    ProjectFactory(competition=round_.competition)

    assert len(round_ranking(round_.pk).lines) == 3
