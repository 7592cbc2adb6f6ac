"""The live roadshow's big screen: running order, the current project, a project's score once
every judge has submitted (never a judge's own), the live ranking; cached between submissions."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from competitions import services
from competitions.models import Round
from tests.factories import SuperuserFactory

from .judging_helpers import make_round, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese(site_tree):
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def live():
    """A live round of three projects in running order and five judges."""
    round_, projects, judges, assignments = make_round(judges=5, projects=3, is_live=True)
    return round_, projects, judges, assignments


def data_url(round_):
    return reverse("competitions:live_data", kwargs={"round_id": round_.pk})


def screen_url(round_):
    return reverse("competitions:live", kwargs={"round_id": round_.pk})


def get_data(client, round_):
    response = client.get(data_url(round_))
    assert response.status_code == 200
    return json.loads(response.content)


def score_project(project, judges, assignments, totals, capture):
    for judge, total in zip(judges, totals, strict=True):
        with capture(execute=True):
            submit(assignments[judge.pk, project.pk], total)


def test_the_screen_shows_the_running_order_and_the_first_project_presenting(client, live):
    round_, projects, _judges, _assignments = live

    data = get_data(client, round_)

    assert [(p["order"], p["title"], p["state"]) for p in data["projects"]] == [
        (1, projects[0].title, "presenting"),
        (2, projects[1].title, "waiting"),
        (3, projects[2].title, "waiting"),
    ]
    assert data["current"]["title"] == projects[0].title
    assert data["current"]["progress_label"] == "5 位评委中已有 0 位评分"
    assert data["ranking"] == []
    assert data["summary_label"] == "共 3 个项目，已评出 0 个"


def test_a_project_shows_its_trimmed_mean_only_once_the_last_judge_submits(
    client, live, django_capture_on_commit_callbacks
):
    round_, projects, judges, assignments = live
    # 72 and 95 dropped: (86 + 90 + 88) / 3 = 88.00
    score_project(
        projects[0], judges[:4], assignments, [86, 90, 72, 95], django_capture_on_commit_callbacks
    )

    data = get_data(client, round_)
    assert data["projects"][0]["score"] is None
    assert data["projects"][0]["state"] == "presenting"
    assert data["current"]["progress_label"] == "5 位评委中已有 4 位评分"
    assert data["ranking"] == []

    score_project(projects[0], judges[4:], assignments, [88], django_capture_on_commit_callbacks)

    data = get_data(client, round_)
    assert (data["projects"][0]["state"], data["projects"][0]["score"]) == ("scored", "88.00")
    assert data["current"]["title"] == projects[1].title
    assert data["ranking"] == [
        {
            "rank": 1,
            "title": projects[0].title,
            "organisation": projects[0].organisation_name,
            "score": "88.00",
        }
    ]


def test_no_judges_own_total_is_on_the_screen(client, live, django_capture_on_commit_callbacks):
    round_, projects, judges, assignments = live
    score_project(
        projects[0], judges, assignments, [86, 90, 72, 95, 88], django_capture_on_commit_callbacks
    )

    body = client.get(data_url(round_)).content.decode()
    page = client.get(screen_url(round_)).content.decode()

    for total in ("86", "90", "72", "95"):
        assert f"{total}.00" not in body and f"{total}.00" not in page
    for judge in judges:
        assert judge.username not in body and judge.first_name not in page


def test_the_live_ranking_orders_the_scored_projects(
    client, live, django_capture_on_commit_callbacks
):
    round_, projects, judges, assignments = live
    score_project(projects[0], judges, assignments, [80] * 5, django_capture_on_commit_callbacks)
    score_project(projects[1], judges, assignments, [90] * 5, django_capture_on_commit_callbacks)

    data = get_data(client, round_)

    assert [(line["rank"], line["title"], line["score"]) for line in data["ranking"]] == [
        (1, projects[1].title, "90.00"),
        (2, projects[0].title, "80.00"),
    ]
    assert data["current"]["title"] == projects[2].title


def test_a_conflict_waiting_for_reassignment_keeps_a_project_unscored(
    client, live, django_capture_on_commit_callbacks
):
    round_, projects, judges, assignments = live
    score_project(
        projects[0], judges[:4], assignments, [80] * 4, django_capture_on_commit_callbacks
    )
    services.declare_conflict(
        assignments[judges[4].pk, projects[0].pk], reason="本机构理事", by=judges[4]
    )

    data = get_data(client, round_)

    assert data["projects"][0]["score"] is None
    assert data["ranking"] == []


def test_the_screen_page_renders_the_state_and_loads_its_script(client, live):
    round_, projects, _judges, _assignments = live

    response = client.get(screen_url(round_))

    content = response.content.decode()
    assert response.status_code == 200
    assert projects[0].title in content
    assert 'src="/static/js/live-screen.js"' in content
    assert f'data-live-url="{data_url(round_)}"' in content
    assert "<script>" not in content and "style=" not in content
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("change", ["not_live", "draft", "unknown"])
def test_only_a_public_live_round_has_a_screen(client, live, change):
    round_, *_ = live
    if change == "not_live":
        Round.objects.filter(pk=round_.pk).update(is_live=False)
    elif change == "draft":
        Round.objects.filter(pk=round_.pk).update(status=Round.Status.DRAFT)
    round_id = 999999 if change == "unknown" else round_.pk

    assert client.get(reverse("competitions:live", args=[round_id])).status_code == 404
    assert client.get(reverse("competitions:live_data", args=[round_id])).status_code == 404


def test_the_screen_is_served_from_the_cache_until_a_score_is_submitted(
    client, live, django_capture_on_commit_callbacks
):
    round_, projects, judges, assignments = live
    get_data(client, round_)

    with CaptureQueriesContext(connection) as queries:
        get_data(client, round_)
        client.get(screen_url(round_))
    assert len(queries.captured_queries) == 0

    # A draft changes nothing public: still cached.
    services.save_draft(assignments[judges[0].pk, projects[0].pk], values={}, by=judges[0])
    with CaptureQueriesContext(connection) as queries:
        get_data(client, round_)
    assert len(queries.captured_queries) == 0

    score_project(projects[0], judges, assignments, [70] * 5, django_capture_on_commit_callbacks)

    with CaptureQueriesContext(connection) as queries:
        data = get_data(client, round_)
    assert len(queries.captured_queries) > 0
    assert data["projects"][0]["score"] == "70.00"


def test_a_change_to_the_running_order_shows_at_once(client, live):
    round_, projects, _judges, _assignments = live
    get_data(client, round_)

    first, third = projects[0], projects[2]
    for project, place in ((first, None), (third, 1), (first, 3)):
        project.running_order = place
        project.save(update_fields=["running_order"])

    data = get_data(client, round_)

    assert data["current"]["title"] == third.title


def test_a_client_with_the_current_version_gets_304(client, live):
    round_, *_ = live
    response = client.get(data_url(round_))
    etag = response["ETag"]

    again = client.get(data_url(round_), HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again["ETag"] == etag
    assert "no-cache" in again["Cache-Control"]


def test_a_reopened_score_takes_the_projects_score_off_the_screen(
    client, live, django_capture_on_commit_callbacks
):
    round_, projects, judges, assignments = live
    score_project(projects[0], judges, assignments, [70] * 5, django_capture_on_commit_callbacks)
    assert get_data(client, round_)["projects"][0]["score"] == "70.00"
    with django_capture_on_commit_callbacks(execute=True):
        services.reopen_score(
            assignments[judges[0].pk, projects[0].pk].score, reason="笔误", by=SuperuserFactory()
        )

    assert get_data(client, round_)["projects"][0]["score"] is None
