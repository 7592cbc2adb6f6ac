"""The competitions' spreadsheet kinds: projects and assignments in and out through the
competitions' services, a round's scores and ranking out (competitions/resources.py)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from competitions import services
from competitions.models import Assignment, Project
from competitions.selectors import round_ranking
from core.imports.models import ImportRecord
from tests.competitions.factories import (
    CompetitionPageFactory,
    JudgeFactory,
    ProjectFactory,
    RoundFactory,
    categories,
    project_details,
)
from tests.competitions.judging_helpers import make_round, submit, values
from tests.factories import UserFactory, valid_credit_code

from .conftest import csv_bytes, upload, xlsx_bytes
from .helpers import exported, exported_xlsx, import_file, messages

pytestmark = pytest.mark.django_db

PROJECT_HEADERS = [
    "大赛",
    "类别",
    "项目名称",
    "申报单位",
    "统一社会信用代码",
    "联系人",
    "联系人手机号",
    "电子邮箱",
    "项目简介",
    "项目需求",
    "实施方案",
    "受益对象",
    "受益人数",
    "申请资金（元）",
]
ASSIGNMENT_HEADERS = ["轮次", "项目", "评委"]


@pytest.fixture(autouse=True)
def _site(site_tree):
    return site_tree


@pytest.fixture
def competition():
    return CompetitionPageFactory()


def project_row(competition, serial=1, **overrides):
    details = project_details(serial)
    row = {
        "大赛": competition.title,
        "类别": details["category"].name,
        "项目名称": details["title"],
        "申报单位": details["organisation_name"],
        "统一社会信用代码": details["credit_code"],
        "联系人": details["contact_name"],
        "联系人手机号": details["contact_phone"],
        "电子邮箱": details["email"],
        "项目简介": details["summary"],
        "项目需求": details["need"],
        "实施方案": details["plan"],
        "受益对象": details["beneficiaries"],
        "受益人数": "120",
        "申请资金（元）": "50000",
    } | overrides
    return [row[header] for header in PROJECT_HEADERS]


def projects():
    return sorted(
        Project.objects.values_list(
            "competition_id",
            "credit_code",
            "title",
            "contact_phone",
            "summary",
            "plan",
            "status",
            "budget_requested",
            "updated_at",
        )
    )


def assignments():
    return sorted(
        Assignment.objects.values_list(
            "round_id", "project_id", "judge_id", "assigned_at", "withdrawn_at"
        )
    )


def refused(kind, name, content, user, snapshot):
    before = snapshot()
    record = import_file(kind, name, content, user)
    assert record.status == ImportRecord.Status.FAILED
    assert snapshot() == before
    return messages(record)


# -- projects ------------------------------------------------------------------------------------


def test_projects_import_submits_through_the_service(competition, admin_user):
    content = xlsx_bytes(
        [PROJECT_HEADERS, project_row(competition, 1), project_row(competition, 2)]
    )

    record = import_file("projects", "项目.xlsx", content, admin_user)

    assert record.status == ImportRecord.Status.APPLIED, messages(record)
    assert (record.new, record.updated, record.unchanged) == (2, 0, 0)
    assert sorted(Project.objects.values_list("title", "status", "contact_phone")) == [
        ("银龄互助之家1", "submitted", "13900000001"),
        ("银龄互助之家2", "submitted", "13900000002"),
    ]
    created = ModelLogEntry.objects.filter(action="wagtail.create", user=admin_user)
    assert created.count() == 2


def test_projects_round_trip_changes_nothing(competition, admin_user):
    ProjectFactory(competition=competition, plan="第一步：走访。\n第二步：建队。")
    ProjectFactory(competition=competition, status=Project.Status.SUBMITTED)
    ProjectFactory(competition=competition, status="ineligible", ineligible_reason="超出范围")
    ProjectFactory(competition=competition, title="=1+1", organisation_name="-某中心")
    before = projects()

    content = exported_xlsx("projects", admin_user)
    record = import_file("projects", "项目.xlsx", content, admin_user)

    assert record.status == ImportRecord.Status.APPLIED, messages(record)
    assert (record.new, record.updated, record.unchanged) == (0, 0, 4)
    assert projects() == before


def test_projects_update_by_natural_key(competition, admin_user):
    project = services.submit_project(competition, details=project_details(1))
    row = project_row(competition, 1, 项目简介="改为：为独居老人提供上门服务。")

    record = import_file("projects", "项目.xlsx", xlsx_bytes([PROJECT_HEADERS, row]), admin_user)

    assert (record.status, record.new, record.updated) == ("applied", 0, 1), messages(record)
    project.refresh_from_db()
    assert project.summary == "改为：为独居老人提供上门服务。"
    assert Project.objects.count() == 1
    assert ModelLogEntry.objects.filter(action="wagtail.edit", user=admin_user).count() == 1


def test_projects_gbk_csv(competition, admin_user):
    content = csv_bytes([PROJECT_HEADERS, project_row(competition, 3)], "gbk")

    record = import_file("projects", "项目.csv", content, admin_user)

    assert record.status == ImportRecord.Status.APPLIED, messages(record)
    assert list(Project.objects.values_list("title", "organisation_name")) == [
        ("银龄互助之家3", "福山区阳光社会工作服务中心3")
    ]


def test_projects_refuse_an_unknown_competition_with_a_suggestion(competition, admin_user):
    wrong = competition.title[:-1]
    content = xlsx_bytes([PROJECT_HEADERS, project_row(competition, 1, 大赛=wrong)])

    assert refused("projects", "项目.xlsx", content, admin_user, projects) == [
        f"2: 大赛：未找到“{wrong}”。您是不是要找“{competition.title}”？"
    ]


def test_projects_refuse_a_key_twice_in_the_file(competition, admin_user):
    rows = [project_row(competition, 1), project_row(competition, 1, 联系人="王五")]

    assert refused(
        "projects", "项目.xlsx", xlsx_bytes([PROJECT_HEADERS, *rows]), admin_user, projects
    ) == ["3: 与第 2 行的 大赛、统一社会信用代码、项目名称 相同：每项只能出现一次。"]


def test_projects_refuse_changing_a_reviewed_project(competition, admin_user):
    project = services.submit_project(competition, details=project_details(1))
    services.review_project(project, eligible=True, by=admin_user)
    row = project_row(competition, 1, 项目简介="改过的简介")

    assert refused(
        "projects", "项目.xlsx", xlsx_bytes([PROJECT_HEADERS, row]), admin_user, projects
    ) == ["2: 工作人员已审查此项目，项目不能再修改。"]


def test_projects_refuse_a_new_project_while_submissions_are_closed(admin_user):
    closed = CompetitionPageFactory(
        submissions_close_at=timezone.now() - datetime.timedelta(hours=1)
    )
    content = xlsx_bytes([PROJECT_HEADERS, project_row(closed, 1), project_row(closed, 2)])

    assert refused("projects", "项目.xlsx", content, admin_user, projects) == [
        "2: 本大赛现在不接受申报。",
        "3: 本大赛现在不接受申报。",
    ]


def test_projects_refuse_a_category_the_competition_does_not_take(competition, admin_user):
    competition.categories.set(categories()[:1])
    competition.save()
    row = project_row(competition, 1, 类别=categories()[1].name)

    assert refused(
        "projects", "项目.xlsx", xlsx_bytes([PROJECT_HEADERS, row]), admin_user, projects
    ) == ["2: 类别：本大赛不受理此类别的项目。"]


def test_projects_export_neutralises_formula_like_text(competition, admin_user):
    ProjectFactory(competition=competition, title="=1+1", organisation_name="@SUM(A1)")

    [header, row] = exported("projects", admin_user)

    values = dict(zip(header, row, strict=True))
    assert (values["项目名称"], values["申报单位"]) == ("'=1+1", "'@SUM(A1)")


def test_projects_export_masks_the_mobile_without_the_personal_data_permission(
    competition, admin_user
):
    ProjectFactory(competition=competition, contact_phone="13812345678")
    clerk = UserFactory(username="clerk")
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="competitions",
            codename__in=["view_project", "change_project"],
        )
    )

    [header, row] = exported("projects", clerk)
    assert dict(zip(header, row, strict=True))["联系人手机号"] == "138****5678"
    [header, row] = exported("projects", admin_user)
    assert dict(zip(header, row, strict=True))["联系人手机号"] == "13812345678"

    # The masked file imported back leaves the stored number as it is.
    before = projects()
    record = import_file("projects", "项目.xlsx", exported_xlsx("projects", clerk), clerk)
    assert (record.status, record.unchanged) == ("applied", 1), messages(record)
    assert projects() == before


def test_projects_refuse_a_masked_mobile_for_a_new_project(competition, admin_user):
    row = project_row(competition, 1, 联系人手机号="139****0001")

    assert refused(
        "projects", "项目.xlsx", xlsx_bytes([PROJECT_HEADERS, row]), admin_user, projects
    ) == ["2: 联系人手机号：手机号已打码；请填写完整的 11 位号码。"]


def test_projects_export_follows_the_listing_filters(competition, admin_user):
    other = CompetitionPageFactory()
    mine = ProjectFactory(competition=competition)
    ProjectFactory(competition=other)

    rows = exported("projects", admin_user, {"competition": str(competition.pk)})

    assert [row[2] for row in rows[1:]] == [mine.title]


def test_projects_listing_has_the_kind_buttons(client, admin_user, competition):
    client.force_login(admin_user)

    response = client.get(
        reverse("wagtailsnippets_competitions_project:list"),
        {"competition": competition.pk},
    )

    content = response.content.decode()
    assert reverse("core_imports:upload", args=["projects"]) in content
    export = reverse("core_imports:export", args=["projects", "xlsx"])
    assert f"{export}?competition={competition.pk}" in content


def test_import_data_command_imports_projects(competition, admin_user, tmp_path):
    path = tmp_path / "项目.xlsx"
    path.write_bytes(xlsx_bytes([PROJECT_HEADERS, project_row(competition, 1)]))

    call_command("import_data", "projects", str(path), "--user", "admin", verbosity=0)

    assert list(Project.objects.values_list("title", flat=True)) == ["银龄互助之家1"]


# -- assignments ---------------------------------------------------------------------------------


@pytest.fixture
def judging():
    round_, project_list, judge_list, made = make_round(judges=2, projects=2)
    return round_, project_list, judge_list, made


def test_assignments_round_trip_changes_nothing(judging, admin_user):
    round_, project_list, judge_list, made = judging
    services.reassign(made[judge_list[0].pk, project_list[0].pk], judge=JudgeFactory(), by=None)
    Project.objects.filter(pk=project_list[1].pk).update(title="=1+1")
    before = assignments()

    content = exported_xlsx("assignments", admin_user)
    record = import_file("assignments", "分配.xlsx", content, admin_user)

    assert record.status == ImportRecord.Status.APPLIED, messages(record)
    assert (record.new, record.updated, record.unchanged) == (0, 0, 5)
    assert assignments() == before


def test_assignments_import_assigns_by_name_or_username(judging, admin_user):
    round_, project_list, _judges, _made = judging
    first = JudgeFactory(first_name="王芳")
    second = JudgeFactory(first_name="赵磊")
    rows = [
        [str(round_), project_list[0].title, "王芳"],
        [str(round_), project_list[1].title, second.username],
    ]

    record = import_file(
        "assignments", "分配.xlsx", xlsx_bytes([ASSIGNMENT_HEADERS, *rows]), admin_user
    )

    assert (record.status, record.new) == ("applied", 2), messages(record)
    assert set(
        Assignment.objects.filter(judge__in=[first, second]).values_list("project_id", "judge_id")
    ) == {(project_list[0].pk, first.pk), (project_list[1].pk, second.pk)}
    assert ModelLogEntry.objects.filter(action="wagtail.create", user=admin_user).count() == 2


def test_assignments_existing_key_is_unchanged_not_duplicated(judging, admin_user):
    round_, project_list, judge_list, _made = judging
    newcomer = JudgeFactory()
    rows = [
        [str(round_), project_list[0].title, judge_list[0].first_name],
        [str(round_), project_list[0].title, newcomer.first_name],
    ]

    record = import_file(
        "assignments", "分配.xlsx", xlsx_bytes([ASSIGNMENT_HEADERS, *rows]), admin_user
    )

    assert (record.status, record.new, record.updated, record.unchanged) == ("applied", 1, 0, 1)
    assert Assignment.objects.filter(round=round_).count() == 5


def test_assignments_gbk_csv(judging, admin_user):
    round_, project_list, _judges, _made = judging
    newcomer = JudgeFactory(first_name="孙丽")
    content = csv_bytes([ASSIGNMENT_HEADERS, [str(round_), project_list[1].title, "孙丽"]], "gbk")

    record = import_file("assignments", "分配.csv", content, admin_user)

    assert record.status == ImportRecord.Status.APPLIED, messages(record)
    assert Assignment.objects.filter(judge=newcomer, project=project_list[1]).exists()


def test_assignments_refuse_an_unknown_round_with_a_suggestion(judging, admin_user):
    round_, project_list, _judges, _made = judging
    newcomer = JudgeFactory()
    wrong = str(round_) + "x"
    content = xlsx_bytes([ASSIGNMENT_HEADERS, [wrong, project_list[0].title, newcomer.first_name]])

    assert refused("assignments", "分配.xlsx", content, admin_user, assignments) == [
        f"2: 轮次：未找到“{wrong}”。您是不是要找“{round_}”？"
    ]


def test_assignments_refuse_an_unknown_judge_with_a_suggestion(judging, admin_user):
    round_, project_list, _judges, _made = judging
    JudgeFactory(first_name="欧阳明")
    content = xlsx_bytes([ASSIGNMENT_HEADERS, [str(round_), project_list[0].title, "欧阳明明"]])

    assert refused("assignments", "分配.xlsx", content, admin_user, assignments) == [
        "2: 评委：未找到“欧阳明明”。您是不是要找“欧阳明”？"
    ]


def test_assignments_refuse_an_unknown_project_with_a_suggestion(judging, admin_user):
    round_, project_list, _judges, _made = judging
    newcomer = JudgeFactory()
    wrong = project_list[0].title + "号"
    content = xlsx_bytes([ASSIGNMENT_HEADERS, [str(round_), wrong, newcomer.username]])

    assert refused("assignments", "分配.xlsx", content, admin_user, assignments) == [
        f"2: 项目：未找到“{wrong}”。您是不是要找“{project_list[0].title}”？"
    ]


def test_assignments_refuse_a_key_twice_in_the_file(judging, admin_user):
    round_, project_list, _judges, _made = judging
    newcomer = JudgeFactory()
    rows = [
        [str(round_), project_list[0].title, newcomer.first_name],
        [str(round_), project_list[0].title, newcomer.username],
    ]

    assert refused(
        "assignments", "分配.xlsx", xlsx_bytes([ASSIGNMENT_HEADERS, *rows]), admin_user, assignments
    ) == ["3: 与第 2 行的 轮次、项目、评委 相同：每项只能出现一次。"]


def test_assignments_refuse_a_conflict_of_interest_in_the_services_words(judging, admin_user):
    round_, project_list, _judges, _made = judging
    insider = JudgeFactory(profile__organisation_name=project_list[0].organisation_name)
    outsider = JudgeFactory()
    rows = [
        [str(round_), project_list[1].title, outsider.username],
        [str(round_), project_list[0].title, insider.username],
    ]

    assert refused(
        "assignments", "分配.xlsx", xlsx_bytes([ASSIGNMENT_HEADERS, *rows]), admin_user, assignments
    ) == ["3: 该评委属于或隶属于项目申报单位，不得评审该项目（回避）。"]


def test_assignments_refuse_an_ineligible_project(judging, admin_user):
    round_, _projects, _judges, _made = judging
    pending = ProjectFactory(competition=round_.competition, status=Project.Status.SUBMITTED)
    newcomer = JudgeFactory()
    content = xlsx_bytes([ASSIGNMENT_HEADERS, [str(round_), pending.title, newcomer.username]])

    assert refused("assignments", "分配.xlsx", content, admin_user, assignments) == [
        f"2: 只有通过资格审查的项目才能参加评审：“{pending.title}”未通过。"
    ]


def test_assignments_listing_has_the_kind_buttons(client, admin_user, judging):
    round_, *_ = judging
    client.force_login(admin_user)

    response = client.get(
        reverse("wagtailsnippets_competitions_assignment:list"), {"round": round_.pk}
    )

    content = response.content.decode()
    assert reverse("core_imports:upload", args=["assignments"]) in content
    export = reverse("core_imports:export", args=["assignments", "csv"])
    assert f"{export}?round={round_.pk}" in content


def test_import_data_command_imports_assignments(judging, admin_user, tmp_path):
    round_, project_list, _judges, _made = judging
    newcomer = JudgeFactory()
    path = tmp_path / "分配.csv"
    path.write_bytes(
        csv_bytes([ASSIGNMENT_HEADERS, [str(round_), project_list[0].title, newcomer.username]])
    )

    call_command("import_data", "assignments", str(path), "--user", "admin", verbosity=0)

    assert Assignment.objects.filter(judge=newcomer, project=project_list[0]).count() == 1


# -- scores and rankings -------------------------------------------------------------------------


@pytest.fixture
def scored():
    """Two judges, two projects: A gets 86 and 100 (mean 93), B 50 from the first judge
    only; the second judge's score of B is a draft. The first advances."""
    round_, project_list, judge_list, made = make_round(judges=2, projects=2, advance_count=1)
    a, b = project_list
    first, second = judge_list
    Project.objects.filter(pk=b.pk).update(title="=1+1")
    submit(made[first.pk, a.pk], (18, 27, 16, 12, 13))
    services.submit_score(
        made[second.pk, a.pk],
        values=values(round_, 20, 30, 20, 15, 15),
        comment="很好",
        by=second,
    )
    submit(made[first.pk, b.pk], (10, 10, 10, 10, 10))
    services.save_draft(made[second.pk, b.pk], values={}, comment="草稿意见", by=second)
    return round_, project_list, judge_list


def test_scores_export_one_row_per_judge_and_project(scored, admin_user):
    round_, (a, b), (first, second) = scored

    rows = exported("scores", admin_user, {"round": str(round_.pk)})

    assert rows[0] == [
        "轮次",
        "项目",
        "申报单位",
        "评委",
        "需求分析",
        "项目设计",
        "可行性",
        "预算合理性",
        "创新性",
        "总分",
        "评分状态",
        "评语",
        "提交时间",
    ]
    by_key = {(row[1], row[3]): row for row in rows[1:]}
    assert len(rows) == 5
    assert by_key[a.title, first.first_name][4:12] == [18, 27, 16, 12, 13, 86, "已提交", ""]
    assert by_key[a.title, second.first_name][4:12] == [20, 30, 20, 15, 15, 100, "已提交", "很好"]
    assert by_key["'=1+1", first.first_name][4:10] == [10, 10, 10, 10, 10, 50]
    # A draft is the judge's own: neither its values nor its comment are shown.
    assert by_key["'=1+1", second.first_name][4:13] == ["", "", "", "", "", "", "草稿", "", ""]
    assert by_key[a.title, first.first_name][0] == str(round_)


def test_rankings_export_has_the_selectors_numbers(scored, admin_user):
    round_, (a, b), _judges = scored

    rows = exported("rankings", admin_user, {"round": str(round_.pk)})

    assert rows == [
        [
            "轮次",
            "名次",
            "项目",
            "申报单位",
            "类别",
            "得分",
            "已提交评分",
            "分配评委",
            "声明回避",
            "晋级",
        ],
        [str(round_), 1, a.title, a.organisation_name, "为老服务", Decimal("93.00"), 2, 2, 0, "是"],
        [str(round_), 2, "'=1+1", b.organisation_name, "为老服务", Decimal("50.00"), 1, 2, 0, "否"],
    ]
    ranking = round_ranking(round_.pk)
    assert [(line.rank, line.aggregate) for line in ranking.lines] == [
        (row[1], row[5]) for row in rows[1:]
    ]


def test_rankings_export_agrees_with_the_api(client, scored, admin_user):
    round_, *_ = scored
    client.force_login(admin_user)

    api = client.get(f"/api/v1/rounds/{round_.pk}/ranking/").json()["results"]
    rows = exported("rankings", admin_user, {"round": str(round_.pk)})[1:]

    assert [
        (line["rank"], Decimal(line["aggregate"]), line["submitted"], line["assigned"])
        for line in api
    ] == [(row[1], row[5], row[6], row[7]) for row in rows]


def test_round_results_page_links_to_the_kinds_exports(client, scored, admin_user):
    round_, *_ = scored
    client.force_login(admin_user)

    response = client.get(reverse("competitions_results:round", args=[round_.pk]))

    content = response.content.decode()
    for kind in ("scores", "rankings"):
        url = reverse("core_imports:export", args=[kind, "xlsx"])
        assert f"{url}?round={round_.pk}" in content


def test_scores_and_rankings_download(client, scored, admin_user):
    round_, *_ = scored
    client.force_login(admin_user)
    for kind in ("scores", "rankings"):
        url = reverse("core_imports:export", args=[kind, "csv"]) + f"?round={round_.pk}"
        response = client.get(url)
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        assert "'=1+1" in text


# -- who may do what -----------------------------------------------------------------------------

ROLES = ("学院管理员", "内容编辑", "教务", "评委", "讲师", "基地联系人")
COMPETITION_STAFF = {"学院管理员", "教务"}


def role_user(role):
    user = UserFactory(username=f"role-{Group.objects.get(name=role).pk}")
    user.groups.add(Group.objects.get(name=role))
    return user


def outcome(response) -> str:
    if response.status_code == 200:
        return "ok"
    if response.status_code == 403:
        return "denied"
    if response.status_code == 302:
        if reverse("wagtailadmin_login") in response["Location"]:
            return "login"
        if response["Location"].rstrip("/") == reverse("wagtailadmin_home").rstrip("/"):
            return "denied"  # Wagtail's permission-denied redirect to the dashboard
    return f"unexpected {response.status_code}"


def answers(client, kind):
    return {
        "upload": outcome(client.get(reverse("core_imports:upload", args=[kind]))),
        "template": outcome(client.get(reverse("core_imports:template", args=[kind]))),
        "export": outcome(client.get(reverse("core_imports:export", args=[kind, "csv"]))),
    }


@pytest.mark.parametrize("kind", ["projects", "assignments", "scores", "rankings"])
def test_kind_roles(client, kind, judging):
    imports = kind in ("projects", "assignments")
    expected = {}
    for role in ROLES:
        if role == "评委":
            # Judges have no admin access: sent to the login page, never given a file.
            expected[role] = dict.fromkeys(("upload", "template", "export"), "login")
        elif role in COMPETITION_STAFF:
            ok_import = "ok" if imports else "denied"
            expected[role] = {"upload": ok_import, "template": ok_import, "export": "ok"}
        else:
            expected[role] = dict.fromkeys(("upload", "template", "export"), "denied")

    actual = {}
    for role in ROLES:
        client.force_login(role_user(role))
        actual[role] = answers(client, kind)
        client.logout()
    assert actual == expected
    assert answers(client, kind) == dict.fromkeys(("upload", "template", "export"), "login")


def test_judges_cannot_import_even_by_post(client, judging):
    round_, project_list, judge_list, _made = judging
    client.force_login(judge_list[0])
    content = xlsx_bytes(
        [ASSIGNMENT_HEADERS, [str(round_), project_list[0].title, judge_list[1].username]]
    )
    before = assignments()

    response = client.post(
        reverse("core_imports:upload", args=["assignments"]),
        {"file": upload("分配.xlsx", content)},
    )

    assert outcome(response) == "login"
    assert assignments() == before
    assert not ImportRecord.objects.exists()


def test_rankings_without_a_round_list_every_round(admin_user):
    first = RoundFactory()
    second = RoundFactory(competition=first.competition)
    for round_ in (first, second):
        project = ProjectFactory(competition=round_.competition, serial=None)
        judge = JudgeFactory()
        submit(services.assign(round_, project=project, judge=judge, by=None), 80)

    rows = exported("rankings", admin_user)

    assert [(row[0], row[1], row[5]) for row in rows[1:]] == [
        (str(first), 1, Decimal("80.00")),
        (str(second), 1, Decimal("80.00")),
    ]


def test_project_credit_codes_are_normalised_for_the_key(competition, admin_user):
    code = valid_credit_code(50_001)
    services.submit_project(competition, details=project_details(1))
    row = project_row(competition, 1, 统一社会信用代码=code.lower())

    record = import_file("projects", "项目.xlsx", xlsx_bytes([PROJECT_HEADERS, row]), admin_user)

    assert (record.status, record.new, record.unchanged) == ("applied", 0, 1), messages(record)


def test_assignments_refuse_a_blank_judge(judging, admin_user):
    round_, project_list, _judges, _made = judging
    content = csv_bytes([ASSIGNMENT_HEADERS, [str(round_), project_list[0].title, ""]])

    assert refused("assignments", "分配.csv", content, admin_user, assignments) == [
        "2: 评委：该字段是必填项。"
    ]


def test_rounds_listing_links_to_the_kinds_exports(client, scored, admin_user):
    round_, *_ = scored
    client.force_login(admin_user)

    response = client.get(reverse("wagtailsnippets_competitions_round:list"))

    content = response.content.decode()
    for kind in ("scores", "rankings"):
        url = reverse("core_imports:export", args=[kind, "xlsx"])
        assert f"{url}?round={round_.pk}" in content


def test_assignments_refuse_a_name_two_judges_share(judging, admin_user):
    round_, project_list, _judges, _made = judging
    one = JudgeFactory(first_name="张伟")
    JudgeFactory(first_name="张伟")
    content = xlsx_bytes([ASSIGNMENT_HEADERS, [str(round_), project_list[0].title, "张伟"]])

    assert refused("assignments", "分配.xlsx", content, admin_user, assignments) == [
        "2: 评委：有多位评委名为“张伟”；请改填其用户名。"
    ]
    # Such a judge's assignments export under the username, and import back unchanged.
    services.assign(round_, project=project_list[0], judge=one, by=None)
    rows = exported("assignments", admin_user, {"judge": str(one.pk)})
    assert [row[3] for row in rows[1:]] == [one.username]


def test_assignments_refuse_a_title_two_projects_share(judging, admin_user):
    round_, project_list, _judges, _made = judging
    ProjectFactory(competition=round_.competition, title=project_list[0].title)
    newcomer = JudgeFactory()
    content = xlsx_bytes(
        [ASSIGNMENT_HEADERS, [str(round_), project_list[0].title, newcomer.username]]
    )

    assert refused("assignments", "分配.xlsx", content, admin_user, assignments) == [
        f"2: 项目：本大赛有多个名为“{project_list[0].title}”的项目；请在后台分配该项目。"
    ]
