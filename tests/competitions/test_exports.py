"""The xlsx exports: the ranking (and the judges' consistency), each judge's score sheet for
signature, the funding list; text cells neutralised against formulas."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from competitions import services
from competitions.exports import funding_workbook, ranking_workbook, score_sheets_workbook
from competitions.models import Project
from competitions.selectors import round_ranking, round_with_rubric

from .judging_helpers import make_round, staff_user, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese(site_tree):
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def scored():
    round_, projects, judges, assignments = make_round(judges=2, projects=2, advance_count=1)
    Project.objects.filter(pk=projects[1].pk).update(title='=HYPERLINK("http://x","点我")')
    submit(assignments[judges[0].pk, projects[0].pk], (18, 27, 16, 12, 13))  # 86
    submit(assignments[judges[1].pk, projects[0].pk], (20, 30, 20, 15, 15))  # 100
    submit(assignments[judges[0].pk, projects[1].pk], (10, 10, 10, 10, 10))  # 50
    return round_, projects, judges, assignments


def rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_ranking_workbook_lists_totals_score_rank_and_advancing(scored):
    round_, projects, judges, _ = scored

    book = load_workbook(BytesIO(ranking_workbook(round_ranking(round_.pk))))

    ranking, consistency = book.worksheets
    assert ranking.title == "排名"
    table = rows(ranking)
    assert table[3] == [
        "名次",
        "项目",
        "申报单位",
        "类别",
        judges[0].first_name,
        judges[1].first_name,
        "得分",
        "晋级",
    ]
    assert table[4][:2] == [1, projects[0].title]
    assert table[4][4:] == [86, 100, 93, "是"]
    # The title an applicant typed is text, never a formula.
    assert table[5][1] == '\'=HYPERLINK("http://x","点我")'
    # The ranking's own columns are the `rankings` kind's cells: advancing is 是 or 否.
    assert table[5][4:] == [50, None, 50, "否"]
    assert consistency.title == "一致性"
    assert [row[0] for row in rows(consistency)[1:]] == [judges[0].first_name, judges[1].first_name]


def test_score_sheets_have_one_sheet_per_judge_to_sign(scored):
    round_, projects, judges, assignments = scored
    services.save_draft(assignments[judges[1].pk, projects[1].pk], values={}, by=judges[1])

    book = load_workbook(BytesIO(score_sheets_workbook(round_with_rubric(round_.pk))))

    assert book.sheetnames == [judges[0].first_name, judges[1].first_name]
    first = rows(book[judges[0].first_name])
    assert first[0][0] == "评分表"
    assert first[2][0] == f"评委：{judges[0].first_name}"
    assert first[4][3:8] == [
        "需求分析（20）",
        "项目设计（30）",
        "可行性（20）",
        "预算合理性（15）",
        "创新性（15）",
    ]
    assert first[5][1] == projects[0].title
    assert first[5][3:9] == [18, 27, 16, 12, 13, 86]
    assert first[-1][0] == "评委签名：" and first[-1][3] == "日期："
    second = rows(book[judges[1].first_name])
    # The draft is not filled in: only submitted scores are signed for.
    assert second[6][3:10] == [None, None, None, None, None, None, "未提交"]


def test_funding_workbook_adds_up_against_the_budget(scored):
    round_, projects, *_ = scored
    services.set_award(projects[0], amount=Decimal("50000"), tier="first", by=None)

    book = load_workbook(BytesIO(funding_workbook(round_.competition)))

    table = rows(book.active)
    assert table[3][1:7] == [
        projects[0].title,
        projects[0].organisation_name,
        projects[0].credit_code,
        "一等奖",
        50000,
        50000,
    ]
    assert table[-3][1] == "合计" and table[-3][6] == 50000
    assert table[-2][6] == 2000000 and table[-1][6] == 1950000


@pytest.mark.parametrize("name", ["ranking_xlsx", "score_sheets_xlsx"])
def test_exports_download_for_staff(client, scored, name):
    round_, *_ = scored
    client.force_login(staff_user())

    response = client.get(reverse(f"competitions_results:{name}", args=[round_.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    load_workbook(BytesIO(response.content))
