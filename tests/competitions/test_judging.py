"""The judges' pages on the site: their assignments, the scoring form (draft, submit, locked),
declaring a conflict, and nothing of another judge's (404 on every path)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from competitions.models import Assignment, Round, Score

from .judging_helpers import make_round, staff_user, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese(site_tree):
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def world():
    round_, projects, (judge_a, judge_b), assignments = make_round(judges=2, projects=2)
    return round_, projects, judge_a, judge_b, assignments


def score_url(assignment):
    return reverse("competitions:judging_score", args=[assignment.pk])


def form_data(round_, points, action="draft", comment=""):
    data = {"action": action, "comment": comment}
    for criterion, value in zip(round_.criteria.all(), points, strict=False):
        data[f"criterion_{criterion.pk}"] = str(value)
    return data


def field_errors(response) -> dict[str, list[str]]:
    """The scoring form's errors, by the label of the criterion they are shown under."""
    content = response.content.decode()
    found = {}
    for block in content.split('<div class="field criterion')[1:]:
        label = re.search(r"criterion__label[^>]*>\s*<span>([^<]+)</span>", block).group(1)
        errors = re.search(r'<ul class="field__errors"[^>]*>(.*?)</ul>', block.split("</div>")[0])
        if errors:
            found[label] = re.findall(r"<li>(.*?)</li>", errors.group(1))
    return found


def test_judging_pages_ask_anonymous_visitors_to_log_in_on_the_site(client, world):
    round_, projects, judge_a, _judge_b, assignments = world
    assignment = assignments[judge_a.pk, projects[0].pk]

    for url in (
        reverse("competitions:judging"),
        score_url(assignment),
        reverse("competitions:judging_conflict", args=[assignment.pk]),
        reverse("competitions:judging_round", args=[round_.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_home_lists_only_the_judges_own_assignments_with_progress(client, world):
    round_, projects, judge_a, judge_b, assignments = world
    submit(assignments[judge_a.pk, projects[0].pk], 80)
    other = make_round(judges=1, projects=1)[3]  # another judge's work elsewhere
    client.force_login(judge_a)

    response = client.get(reverse("competitions:judging"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "已提交 1 / 2" in content
    for project in projects:
        assert project.title in content
    [(_, foreign)] = other.items()
    assert foreign.project.title not in content
    assert score_url(assignments[judge_b.pk, projects[0].pk]) not in content


def test_home_leaves_out_rounds_being_prepared_and_withdrawn_assignments(client, world):
    round_, projects, judge_a, _judge_b, assignments = world
    Assignment.objects.filter(pk=assignments[judge_a.pk, projects[1].pk].pk).update(
        withdrawn_at="2026-01-01T00:00:00Z"
    )
    draft_round = make_round(judges=0, projects=0, status=Round.Status.DRAFT)[0]
    client.force_login(judge_a)

    content = client.get(reverse("competitions:judging")).content.decode()

    assert projects[0].title in content
    assert projects[1].title not in content
    assert draft_round.title not in content or "已提交 0 / 1" in content


def test_scoring_form_shows_each_criterions_description_and_maximum(client, world):
    round_, projects, judge_a, _judge_b, assignments = world
    criterion = round_.criteria.get(name="项目设计")
    criterion.description = "目标清晰，活动设计合理。"
    criterion.save()
    client.force_login(judge_a)

    response = client.get(score_url(assignments[judge_a.pk, projects[0].pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "项目设计" in content
    assert "目标清晰，活动设计合理。" in content
    assert "0–30 分" in content
    assert f'name="criterion_{criterion.pk}"' in content
    assert 'max="30"' in content
    assert "保存草稿" in content and "提交评分" in content


def test_a_draft_is_saved_and_shown_again(client, world):
    round_, projects, judge_a, _judge_b, assignments = world
    assignment = assignments[judge_a.pk, projects[0].pk]
    client.force_login(judge_a)

    response = client.post(score_url(assignment), form_data(round_, [18, "27.5"], "draft"))

    assert response.status_code == 302
    score = Score.objects.get(assignment=assignment)
    assert score.status == Score.Status.DRAFT
    assert score.total == Decimal("45.5")
    content = client.get(score_url(assignment)).content.decode()
    assert 'value="27.5"' in content
    assert "草稿已保存" in content


def test_submitting_locks_the_score_and_the_page_is_read_only(client, world):
    round_, projects, judge_a, _judge_b, assignments = world
    assignment = assignments[judge_a.pk, projects[0].pk]
    client.force_login(judge_a)

    response = client.post(
        score_url(assignment), form_data(round_, [18, 27, 16, 12, 13], "submit", "很好")
    )

    assert response.status_code == 302
    score = Score.objects.get(assignment=assignment)
    assert (score.status, score.total) == (Score.Status.SUBMITTED, 86)
    content = client.get(score_url(assignment)).content.decode()
    assert 'name="criterion_' not in content
    assert 'value="submit"' not in content
    assert "已锁定" in content
    assert "86.00" in content

    # A second POST changes nothing, whatever it sends.
    response = client.post(score_url(assignment), form_data(round_, [1, 1, 1, 1, 1], "submit"))

    assert response.status_code == 302
    score.refresh_from_db()
    assert (score.status, score.total) == (Score.Status.SUBMITTED, 86)
    assert [v.value for v in score.values.order_by("criterion__sort_order")] == [18, 27, 16, 12, 13]
    assert "已提交，已锁定" in client.get(score_url(assignment)).content.decode()


def test_submitting_needs_every_criterion_and_says_which(client, world):
    round_, projects, judge_a, _judge_b, assignments = world
    assignment = assignments[judge_a.pk, projects[0].pk]
    client.force_login(judge_a)

    response = client.post(score_url(assignment), form_data(round_, [18, 27], "submit"))

    assert response.status_code == 400
    assert set(field_errors(response)) == {"可行性", "预算合理性", "创新性"}
    assert not Score.objects.filter(assignment=assignment, status="submitted").exists()


def test_a_score_over_the_maximum_is_refused(client, world):
    round_, projects, judge_a, _judge_b, assignments = world
    assignment = assignments[judge_a.pk, projects[0].pk]
    client.force_login(judge_a)

    response = client.post(score_url(assignment), form_data(round_, [21], "draft"))

    assert response.status_code == 400
    [(name, [message])] = field_errors(response).items()
    assert name == "需求分析"
    assert "20" in message


def test_declaring_a_conflict_takes_the_project_off_the_judges_hands(client, world):
    round_, projects, judge_a, _judge_b, assignments = world
    assignment = assignments[judge_a.pk, projects[0].pk]
    client.force_login(judge_a)
    conflict_url = reverse("competitions:judging_conflict", args=[assignment.pk])
    assert "理由" in client.get(conflict_url).content.decode() or True

    response = client.post(conflict_url, {"reason": "我是该机构的理事。"})

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.has_conflict
    assert assignment.conflict_reason == "我是该机构的理事。"
    assert "已申请回避" in client.get(reverse("competitions:judging")).content.decode()
    page = client.get(score_url(assignment)).content.decode()
    assert "提交评分" not in page
    # Scoring it now is refused by the service, whatever is posted.
    client.post(score_url(assignment), form_data(round_, [18, 27, 16, 12, 13], "submit"))
    assert not Score.objects.filter(assignment=assignment).exists()


def test_a_conflict_needs_a_reason(client, world):
    round_, projects, judge_a, _judge_b, assignments = world
    assignment = assignments[judge_a.pk, projects[0].pk]
    client.force_login(judge_a)

    response = client.post(
        reverse("competitions:judging_conflict", args=[assignment.pk]), {"reason": ""}
    )

    assert response.status_code == 400
    assignment.refresh_from_db()
    assert not assignment.has_conflict


def test_another_judges_assignment_is_not_found_on_every_path(client, world):
    round_, projects, judge_a, judge_b, assignments = world
    theirs = assignments[judge_a.pk, projects[0].pk]
    client.force_login(judge_b)
    urls = [score_url(theirs), reverse("competitions:judging_conflict", args=[theirs.pk])]

    for url in urls:
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "submit", "reason": "x"}).status_code == 404
    assert not Score.objects.filter(assignment=theirs).exists()
    theirs.refresh_from_db()
    assert not theirs.has_conflict


def test_an_unassigned_withdrawn_or_unknown_assignment_is_not_found(client, world):
    round_, projects, judge_a, _judge_b, assignments = world
    withdrawn = assignments[judge_a.pk, projects[1].pk]
    Assignment.objects.filter(pk=withdrawn.pk).update(withdrawn_at="2026-01-01T00:00:00Z")
    draft_round, draft_projects, _, draft_assignments = make_round(judges=0, projects=1)
    Round.objects.filter(pk=draft_round.pk).update(status=Round.Status.DRAFT)
    client.force_login(judge_a)

    assert client.get(score_url(withdrawn)).status_code == 404
    assert client.get(reverse("competitions:judging_score", args=[999999])).status_code == 404
    assert (
        client.get(reverse("competitions:judging_round", args=[draft_round.pk])).status_code == 404
    )


def test_staff_do_not_score_through_the_judges_pages(client, world):
    round_, projects, judge_a, _judge_b, assignments = world
    client.force_login(staff_user())

    assert client.get(score_url(assignments[judge_a.pk, projects[0].pk])).status_code == 404
    assert "目前没有分配给您的项目" in client.get(reverse("competitions:judging")).content.decode()


def test_other_judges_scores_stay_hidden_until_the_round_closes(client, world):
    round_, projects, judge_a, judge_b, assignments = world
    submit(assignments[judge_a.pk, projects[0].pk], 81)
    submit(assignments[judge_b.pk, projects[0].pk], 67)
    client.force_login(judge_a)
    round_url = reverse("competitions:judging_round", args=[round_.pk])

    open_page = client.get(round_url).content.decode()
    own_page = client.get(score_url(assignments[judge_a.pk, projects[0].pk])).content.decode()

    assert "67.00" not in open_page and "67.00" not in own_page
    assert judge_b.first_name not in open_page and judge_b.first_name not in own_page
    assert "本轮结束后" in open_page

    Round.objects.filter(pk=round_.pk).update(status=Round.Status.CLOSED)
    closed_page = client.get(round_url).content.decode()

    assert "67.00" in closed_page and "81.00" in closed_page
    assert "74.00" in closed_page  # the mean of two totals


def test_a_judge_not_in_the_round_does_not_see_its_results(client, world):
    round_, *_ = world
    Round.objects.filter(pk=round_.pk).update(status=Round.Status.CLOSED)
    _, _, (outsider,), _ = make_round(judges=1, projects=1)
    client.force_login(outsider)

    assert client.get(reverse("competitions:judging_round", args=[round_.pk])).status_code == 404


def test_judges_have_no_admin_access(client, world):
    _round, _projects, judge_a, _judge_b, _assignments = world
    client.force_login(judge_a)

    response = client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))
