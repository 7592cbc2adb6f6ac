"""The public pages (submission, the private link) and the admin paths that must refuse what
the services refuse: a judge of the project's organisation, an award over the budget."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from competitions import services
from competitions.models import Assignment, Award, CompetitionPage, Project
from tests.factories import UserFactory

from .factories import (
    CompetitionPageFactory,
    JudgeFactory,
    ProjectFactory,
    RoundFactory,
    categories,
    project_details,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n"


@pytest.fixture
def competition(site_tree):
    return CompetitionPageFactory()


def form_data(serial=1, **overrides) -> dict:
    details = project_details(serial)
    details["category"] = details["category"].pk
    details["budget_requested"] = "50000"
    return details | {"consent": "on"} | overrides


def test_an_organisation_submits_and_lands_on_its_private_page(client, competition):
    upload = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")

    response = client.post(
        competition.url + "submit/", form_data(attachments=upload), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/competitions/p/{project.token}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "139****0001" in page.content.decode()
    assert "13900000001" not in page.content.decode()


def test_a_file_that_is_no_pdf_inside_is_refused_whatever_its_name(client, competition):
    fake = SimpleUploadedFile(
        "plan.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf"
    )

    response = client.post(competition.url + "submit/", form_data(attachments=fake))

    assert response.status_code == 400
    assert "此文件不属于其中任何一种" in response.content.decode()
    assert not Project.objects.exists()


def test_an_image_is_taken_by_its_content(client, competition):
    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)

    response = client.post(competition.url + "submit/", form_data(attachments=png))

    assert response.status_code == 302
    assert Project.objects.get().attachments.get().kind == "png"


def test_an_attachment_over_the_size_limit_is_refused(client, competition, settings):
    settings.COMPETITIONS_ATTACHMENT_MAX_BYTES = 10
    upload = SimpleUploadedFile("plan.pdf", PDF)

    response = client.post(competition.url + "submit/", form_data(attachments=upload))

    assert response.status_code == 400
    assert "每个附件不能超过" in response.content.decode()


def test_the_form_says_what_is_missing_in_chinese(client, competition):
    response = client.post(competition.url + "submit/", form_data(title="", credit_code="123"))

    body = response.content.decode()
    assert response.status_code == 400
    assert "请填写项目名称。" in body
    assert "统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z）。" in body


def test_the_submission_page_after_the_deadline_takes_nothing(client, competition):
    CompetitionPage.objects.filter(pk=competition.pk).update(
        submissions_close_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    response = client.post(competition.url + "submit/", form_data())

    assert "现在不在申报时间内" in response.content.decode()
    assert not Project.objects.exists()


def test_the_private_link_edits_until_the_deadline_and_then_only_shows(client, competition):
    project = services.submit_project(competition, details=project_details(1))
    url = project.get_absolute_url()

    client.post(url, form_data(title="银龄互助之家（修订）") | {"consent": ""})
    project.refresh_from_db()
    assert project.title == "银龄互助之家（修订）"

    CompetitionPage.objects.filter(pk=competition.pk).update(
        submissions_close_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.post(url, form_data(title="截止后的修改"))
    project.refresh_from_db()
    assert response.status_code == 302
    assert project.title == "银龄互助之家（修订）"
    assert "项目已不能修改" in client.get(url).content.decode()


def test_an_unknown_private_link_is_not_found(client, site_tree):
    assert client.get("/competitions/p/not-a-token/").status_code == 404


# -- the admin refuses what the services refuse --------------------------------------------------


@pytest.fixture
def registrar(client, site_tree):
    user = UserFactory(username="registrar")
    user.groups.add(Group.objects.get(name="教务"))
    client.force_login(user)
    return user


def test_the_admin_refuses_assigning_a_judge_of_the_projects_organisation(client, registrar):
    round_ = RoundFactory()
    project = ProjectFactory(competition=round_.competition)
    judge = JudgeFactory(profile__credit_code=project.credit_code)

    response = client.post(
        "/admin/snippets/competitions/assignment/add/",
        {"round": round_.pk, "project": project.pk, "judge": judge.pk},
    )

    assert response.status_code == 200
    assert "不得评审该项目（回避）" in response.content.decode()
    assert not Assignment.objects.exists()


def test_the_admin_reassign_refuses_a_conflicting_judge(client, registrar):
    round_ = RoundFactory()
    project = ProjectFactory(competition=round_.competition)
    assignment = services.assign(round_, project=project, judge=JudgeFactory(), by=registrar)
    conflicted = JudgeFactory(profile__affiliations=project.organisation_name)

    response = client.post(
        f"/admin/snippets/competitions/assignment/reassign/{assignment.pk}/",
        {"judge": conflicted.pk},
    )

    assert response.status_code == 200
    assert "不得评审该项目（回避）" in response.content.decode()
    assert list(Assignment.objects.active().values_list("judge", flat=True)) == [
        assignment.judge_id
    ]


def test_the_admin_refuses_an_award_over_the_budget(client, registrar):
    competition = CompetitionPageFactory(budget=Decimal("100000"))
    first, second = ProjectFactory(competition=competition), ProjectFactory(competition=competition)
    services.set_award(first, amount=Decimal("80000"), by=registrar)

    response = client.post(
        "/admin/snippets/competitions/award/add/",
        {"project": second.pk, "tier": "second", "amount": "30000", "note": ""},
    )

    assert response.status_code == 200
    assert "超出预算 100,000.00 元：本项目最多还可获得 20,000.00 元" in response.content.decode()
    assert Award.objects.count() == 1


def test_staff_reopen_a_submitted_score_in_the_admin_and_it_is_logged(client, registrar):
    round_ = RoundFactory()
    project = ProjectFactory(competition=round_.competition)
    judge = JudgeFactory()
    assignment = services.assign(round_, project=project, judge=judge, by=registrar)
    values = {criterion.pk: criterion.maximum for criterion in round_.criteria.all()}
    score = services.submit_score(assignment, values=values, by=judge)

    response = client.post(
        f"/admin/snippets/competitions/score/reopen/{score.pk}/", {"reason": "评委申请更正"}
    )

    score.refresh_from_db()
    assert response.status_code == 302
    assert (score.status, score.reopened_by) == ("draft", registrar)


def test_a_judge_has_no_admin_access(client, site_tree):
    judge = JudgeFactory()
    client.force_login(judge)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_categories_are_the_competitions_six(site_tree):
    assert [category.name for category in categories()] == [
        "为老服务",
        "助残",
        "儿童青少年",
        "社区治理",
        "环境保护",
        "文化",
    ]
