"""A judge on a phone (390 x 844): logs in on the site's own page, scores a project against the
rubric, saves a draft, submits, and finds the score locked; the live roadshow's big screen
shows a project's score as soon as its last judge submits; staff publish a round's results."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from competitions import services
from competitions.models import ResultPublication, Round, Score
from tests.competitions.factories import JudgeFactory, ProjectFactory, RoundFactory
from tests.competitions.judging_helpers import PASSWORD, submit
from tests.factories import SuperuserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def judged(site_tree):
    round_ = RoundFactory(title="决赛路演", is_live=True)
    project = ProjectFactory(competition=round_.competition, title="银龄互助之家", running_order=1)
    judges = [JudgeFactory(username=f"judge{n:02d}") for n in range(1, 6)]
    assignments = [
        services.assign(round_, project=project, judge=judge, by=None) for judge in judges
    ]
    return round_, project, judges, assignments


def test_judge_logs_in_scores_submits_and_cannot_edit_afterwards(page, live_server, judged):
    round_, project, judges, assignments = judged

    page.goto(live_server.url + "/competitions/judging/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("用户名").fill("judge01")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page.locator("h1")).to_have_text("我的评审任务")
    expect(page.get_by_text("已提交 0 / 1")).to_be_visible()
    page.get_by_role("link", name=re.compile("银龄互助之家")).click()

    expect(page.locator("h1")).to_have_text("银龄互助之家")
    expect(page.get_by_text("0–30 分")).to_be_visible()
    page.get_by_label("需求分析").fill("18")
    page.get_by_label("项目设计").fill("27.5")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()
    expect(page.get_by_label("项目设计")).to_have_value("27.5")

    page.get_by_role("button", name="提交评分").click()
    expect(page.get_by_text("可行性").first).to_be_visible()
    assert not Score.objects.filter(status=Score.Status.SUBMITTED).exists()

    page.get_by_label("可行性").fill("16")
    page.get_by_label("预算合理性").fill("12")
    page.get_by_label("创新性").fill("13")
    page.get_by_role("button", name="提交评分").click()

    expect(page.get_by_text("评分已提交，谢谢！")).to_be_visible()
    expect(page.get_by_text("已提交，已锁定")).to_be_visible()
    expect(page.locator(".score-table__total")).to_have_text("86.50")
    expect(page.locator("input[name^=criterion_]")).to_have_count(0)
    expect(page.get_by_role("button", name="提交评分")).to_have_count(0)
    score = Score.objects.get(assignment=assignments[0])
    assert (score.status, score.total) == (Score.Status.SUBMITTED, 86.5)

    page.goto(live_server.url + "/competitions/judging/")
    expect(page.get_by_text("已提交 1 / 1")).to_be_visible()
    # Another judge's assignment is not there for this judge, even by its address.
    response = page.goto(f"{live_server.url}/competitions/judging/{assignments[1].pk}/")
    assert response.status == 404


def test_live_screen_shows_the_score_when_the_last_judge_submits(
    page, live_server, judged, settings
):
    settings.COMPETITIONS_LIVE_POLL_SECONDS = 0.5
    round_, project, judges, assignments = judged
    for assignment, total in zip(assignments[:4], [86, 90, 72, 95], strict=True):
        submit(assignment, total)
    page.set_viewport_size({"width": 1280, "height": 720})
    messages = []
    page.on("console", lambda message: messages.append(message.text))

    page.goto(f"{live_server.url}/competitions/live/{round_.pk}/")

    expect(page.locator(".live__current-title")).to_have_text("1. 银龄互助之家")
    expect(page.locator(".live__current-progress")).to_have_text("5 位评委中已有 4 位评分")
    expect(page.locator(".live-ranking__empty")).to_be_visible()

    submit(assignments[4], 88)

    # (86 + 90 + 88) / 3, the highest and the lowest dropped: without reloading the page.
    expect(page.locator(".live-order__score")).to_have_text("88.00", timeout=10_000)
    expect(page.locator(".live-ranking__score")).to_have_text("88.00")
    expect(page.locator(".live__current-title")).to_have_text("所有项目均已评分。")
    assert not [m for m in messages if "Content Security Policy" in m]


def test_staff_publish_a_rounds_results(page, live_server, judged):
    round_, project, judges, assignments = judged
    for assignment, total in zip(assignments, [86, 90, 72, 95, 88], strict=True):
        submit(assignment, total)
    Round.objects.filter(pk=round_.pk).update(status=Round.Status.CLOSED)
    SuperuserFactory(username="staff", password=PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill("staff")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto(f"{live_server.url}/admin/competitions/results/rounds/{round_.pk}/")
    expect(page.get_by_text("88.00").first).to_be_visible()
    expect(page.get_by_text("评委一致性")).to_be_visible()

    page.goto(live_server.url + "/admin/snippets/competitions/resultpublication/add/")
    page.locator("select[name=competition]").select_option(str(round_.competition_id))
    page.locator("select[name=round]").select_option(str(round_.pk))
    page.locator("input[name=title]").fill("决赛路演结果公示")
    now = timezone.localtime()
    page.locator("input[name=notice_starts_at]").fill(
        (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    )
    page.locator("input[name=notice_ends_at]").fill(
        (now + datetime.timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    )
    page.keyboard.press("Escape")
    page.get_by_role("button", name=re.compile("保存|发布")).first.click()
    expect(page.locator(".messages")).to_be_visible()
    publication = ResultPublication.objects.get()

    page.goto(f"{live_server.url}/competitions/results/{publication.pk}/")
    expect(page.locator("h1")).to_have_text("决赛路演结果公示")
    expect(page.get_by_text("公示中")).to_be_visible()
    expect(page.locator(".ranking-table__score").first).to_have_text("88.00")
    expect(page.get_by_role("heading", name="提出异议")).to_be_visible()
