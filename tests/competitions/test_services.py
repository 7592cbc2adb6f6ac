"""The competition services: submissions and their deadline, eligibility, assignment and its
conflicts of interest, the lock on submitted scores, the budget cap, results and objections."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry

from competitions import services
from competitions.models import Assignment, Award, Objection, Project, Round, Score
from core.sms import MemorySMSBackend
from tests.factories import SuperuserFactory

from .factories import (
    CompetitionPageFactory,
    JudgeFactory,
    ProjectFactory,
    RoundFactory,
    project_details,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


@pytest.fixture(autouse=True)
def _chinese(site_tree):
    MemorySMSBackend.outbox.clear()
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def staff():
    return SuperuserFactory(username="staff")


def actions(instance) -> list[str]:
    return list(
        ModelLogEntry.objects.for_instance(instance).order_by("pk").values_list("action", flat=True)
    )


def full_marks(round_: Round) -> dict[int, Decimal]:
    return {criterion.pk: criterion.maximum for criterion in round_.criteria.all()}


# -- submissions ---------------------------------------------------------------------------------


def test_submit_project_saves_it_logs_it_and_tells_the_applicant(
    django_capture_on_commit_callbacks,
):
    competition = CompetitionPageFactory()
    upload = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")

    with django_capture_on_commit_callbacks(execute=True):
        project = services.submit_project(
            competition, details=project_details(1), attachments=[upload]
        )

    assert project.status == Project.Status.SUBMITTED
    assert [a.kind for a in project.attachments.all()] == ["pdf"]
    assert actions(project) == ["wagtail.create"]
    assert [m.to for m in mail.outbox] == [["org1@example.org"]]
    assert project.get_absolute_url() in mail.outbox[0].body
    [(phone, text)] = MemorySMSBackend.outbox
    assert phone == "13900000001"
    assert project.token in text


def test_submit_project_after_the_deadline_is_refused():
    competition = CompetitionPageFactory(
        submissions_open_at=timezone.now() - datetime.timedelta(days=10),
        submissions_close_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    with pytest.raises(services.SubmissionClosed) as refusal:
        services.submit_project(competition, details=project_details(1))

    assert str(refusal.value.message) == "本大赛现在不接受申报。"
    assert Project.objects.count() == 0


def test_an_invalid_credit_code_is_refused_in_chinese():
    competition = CompetitionPageFactory()

    with pytest.raises(ValidationError) as refusal:
        services.submit_project(
            competition, details=project_details(1, credit_code="91370602000050001X")
        )

    assert refusal.value.message_dict["credit_code"] == ["统一社会信用代码校验位不正确，请核对。"]


def test_update_project_before_the_deadline_changes_it():
    competition = CompetitionPageFactory()
    project = services.submit_project(competition, details=project_details(1))

    services.update_project(project, details={"title": "银龄互助之家（修订）"})

    project.refresh_from_db()
    assert project.title == "银龄互助之家（修订）"
    assert actions(project) == ["wagtail.create", "wagtail.edit"]


def test_update_project_after_the_deadline_is_refused():
    competition = CompetitionPageFactory()
    project = services.submit_project(competition, details=project_details(1))
    CompetitionPageFactory._meta.model.objects.filter(pk=competition.pk).update(
        submissions_close_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    with pytest.raises(services.SubmissionClosed):
        services.update_project(project, details={"title": "迟到的修改"})

    project.refresh_from_db()
    assert project.title == "银龄互助之家1"


def test_review_ineligible_needs_a_reason_and_tells_the_applicant(
    staff, django_capture_on_commit_callbacks
):
    project = services.submit_project(CompetitionPageFactory(), details=project_details(1))

    with pytest.raises(services.CompetitionError):
        services.review_project(project, eligible=False, reason=" ", by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_project(project, eligible=False, reason="非本区注册的社会组织", by=staff)

    project.refresh_from_db()
    assert (project.status, project.ineligible_reason) == ("ineligible", "非本区注册的社会组织")
    assert actions(project)[-1] == "competitions.project.review"
    assert "非本区注册的社会组织" in mail.outbox[0].body


# -- assignments and conflicts of interest -------------------------------------------------------


def test_assign_refuses_a_judge_of_the_projects_organisation_by_credit_code(staff):
    round_ = RoundFactory()
    project = ProjectFactory(competition=round_.competition)
    judge = JudgeFactory(profile__credit_code=project.credit_code)

    with pytest.raises(services.ConflictOfInterest):
        services.assign(round_, project=project, judge=judge, by=staff)

    assert Assignment.objects.count() == 0


def test_assign_refuses_a_judge_affiliated_with_the_organisation_by_name(staff):
    round_ = RoundFactory()
    project = ProjectFactory(competition=round_.competition)
    judge = JudgeFactory(profile__affiliations=f"烟台大学\n {project.organisation_name} ")

    with pytest.raises(services.ConflictOfInterest):
        services.assign(round_, project=project, judge=judge, by=staff)


def test_a_conflicting_assignment_is_refused_even_when_saved_directly():
    round_ = RoundFactory()
    project = ProjectFactory(competition=round_.competition)
    judge = JudgeFactory(profile__organisation_name=project.organisation_name)

    with pytest.raises(ValidationError) as refusal:
        Assignment.objects.create(round=round_, project=project, judge=judge)

    assert refusal.value.message_dict["judge"] == [
        "该评委属于或隶属于项目申报单位，不得评审该项目（回避）。"
    ]


def test_auto_assign_gives_each_project_k_judges_with_balanced_loads_and_no_conflict(staff):
    round_ = RoundFactory(judges_per_project=3)
    projects = [ProjectFactory(competition=round_.competition) for _ in range(10)]
    panel = [JudgeFactory() for _ in range(6)]
    # This judge sits on the board of the first project's organisation.
    panel[0].judge_profile.affiliations = projects[0].credit_code
    panel[0].judge_profile.save()

    created = services.auto_assign(round_, by=staff)

    assert len(created) == 30
    per_project = {p.pk: p.assignments.count() for p in projects}
    assert set(per_project.values()) == {3}
    loads = sorted(judge.competition_assignments.count() for judge in panel)
    assert loads == [5, 5, 5, 5, 5, 5]
    assert not projects[0].assignments.filter(judge=panel[0]).exists()


def test_auto_assign_refuses_when_too_few_judges_are_free_of_conflict(staff):
    round_ = RoundFactory(judges_per_project=2)
    project = ProjectFactory(competition=round_.competition)
    JudgeFactory()
    JudgeFactory(profile__credit_code=project.credit_code)

    with pytest.raises(services.NotEnoughJudges):
        services.auto_assign(round_, by=staff)

    assert Assignment.objects.count() == 0


def test_declare_conflict_then_reassign_withdraws_the_assignment(staff):
    round_ = RoundFactory()
    project = ProjectFactory(competition=round_.competition)
    first, second = JudgeFactory(), JudgeFactory()
    assignment = services.assign(round_, project=project, judge=first, by=staff)

    services.declare_conflict(assignment, reason="曾担任该机构顾问", by=first)
    replacement = services.reassign(assignment, judge=second, by=staff)

    assignment.refresh_from_db()
    assert assignment.withdrawn_at is not None
    assert replacement.judge == second
    assert list(Assignment.objects.active().values_list("judge", flat=True)) == [second.pk]
    assert actions(assignment) == [
        "wagtail.create",
        "competitions.assignment.conflict",
        "competitions.assignment.reassign",
    ]


# -- scores ---------------------------------------------------------------------------------------


@pytest.fixture
def assignment(staff):
    round_ = RoundFactory()
    project = ProjectFactory(competition=round_.competition)
    return services.assign(round_, project=project, judge=JudgeFactory(), by=staff)


def test_a_draft_keeps_partial_values_and_submitting_locks_the_score(assignment):
    judge, round_ = assignment.judge, assignment.round
    criteria = list(round_.criteria.all())

    services.save_draft(assignment, values={criteria[0].pk: "18"}, by=judge)
    score = services.submit_score(assignment, values=full_marks(round_), by=judge)

    assert score.status == Score.Status.SUBMITTED
    assert score.total == Decimal("100.00")
    with pytest.raises(services.ScoreLocked) as refusal:
        services.save_draft(assignment, values={criteria[0].pk: "1"}, by=judge)
    assert str(refusal.value.message) == "该评分已提交并锁定，只有工作人员可以重新开放。"
    with pytest.raises(services.ScoreLocked):
        services.submit_score(assignment, values=full_marks(round_), by=judge)
    assert score.values.get(criterion=criteria[0]).value == Decimal(20)


def test_a_score_above_a_criterions_maximum_is_refused_in_chinese(assignment):
    judge, round_ = assignment.judge, assignment.round
    values = full_marks(round_)
    need = round_.criteria.get(name="需求分析")
    values[need.pk] = Decimal("20.5")

    with pytest.raises(services.InvalidScore) as refusal:
        services.submit_score(assignment, values=values, by=judge)

    assert refusal.value.errors == {need.pk: "需求分析：请打 0 至 20 分。"}
    assert not Score.objects.filter(status=Score.Status.SUBMITTED).exists()


def test_submitting_needs_every_criterion(assignment):
    judge, round_ = assignment.judge, assignment.round
    values = full_marks(round_)
    innovation = round_.criteria.get(name="创新性")
    del values[innovation.pk]

    with pytest.raises(services.InvalidScore) as refusal:
        services.submit_score(assignment, values=values, by=judge)

    assert refusal.value.errors == {innovation.pk: "创新性：请打分。"}


def test_another_judge_cannot_score_the_assignment(assignment):
    with pytest.raises(services.NotYourAssignment):
        services.save_draft(assignment, values={}, by=JudgeFactory())


def test_staff_reopen_a_submitted_score_and_the_judge_changes_it(assignment, staff):
    judge, round_ = assignment.judge, assignment.round
    score = services.submit_score(assignment, values=full_marks(round_), by=judge)

    services.reopen_score(score, reason="评委申请更正", by=staff)
    values = full_marks(round_) | {round_.criteria.first().pk: Decimal("10")}
    score = services.submit_score(assignment, values=values, by=judge)

    assert score.total == Decimal("90.00")
    assert actions(score) == [
        "competitions.score.submit",
        "competitions.score.reopen",
        "competitions.score.submit",
    ]
    assert score.reopened_by == staff


def test_a_closed_round_takes_no_scores(assignment):
    Round.objects.filter(pk=assignment.round_id).update(status=Round.Status.CLOSED)

    with pytest.raises(services.RoundNotOpen):
        services.save_draft(assignment, values={}, by=assignment.judge)


# -- awards --------------------------------------------------------------------------------------


def test_awards_never_exceed_the_budget(staff):
    competition = CompetitionPageFactory(budget=Decimal("100000"))
    first, second = (ProjectFactory(competition=competition) for _ in range(2))
    services.set_award(first, amount=Decimal("60000"), tier="first", by=staff)

    with pytest.raises(services.OverBudget) as refusal:
        services.set_award(second, amount=Decimal("40000.01"), by=staff)

    assert str(refusal.value.message) == (
        "奖励合计将达 100,000.01 元，超出预算 100,000.00 元：本项目最多还可获得 40,000.00 元。"
    )
    services.set_award(second, amount=Decimal("40000"), by=staff)
    assert sum(award.amount for award in Award.objects.all()) == Decimal("100000")


def test_changing_an_award_counts_the_others_only(staff):
    competition = CompetitionPageFactory(budget=Decimal("100000"))
    project = ProjectFactory(competition=competition)
    services.set_award(project, amount=Decimal("90000"), by=staff)

    award = services.set_award(project, amount=Decimal("100000"), by=staff)

    assert award.amount == Decimal("100000")
    assert Award.objects.count() == 1


# -- results and objections ----------------------------------------------------------------------


def test_objections_are_taken_only_during_the_notice_period(staff):
    competition = CompetitionPageFactory()
    now = timezone.now()
    publication = services.publish_results(
        competition,
        title="2026年公益创投大赛评审结果公示",
        notice_starts_at=now - datetime.timedelta(days=1),
        notice_ends_at=now + datetime.timedelta(days=6),
        by=staff,
    )

    objection = services.lodge_objection(
        publication, name="张三", phone="+86 139 0000 0009", text="评分不公。"
    )
    with pytest.raises(services.NoticePeriodOver):
        services.lodge_objection(
            publication,
            name="张三",
            phone="13900000009",
            text="再次提出。",
            at=now + datetime.timedelta(days=7),
        )

    assert objection.phone == "13900000009"
    assert Objection.objects.count() == 1


def test_a_round_is_published_only_once_closed(staff):
    round_ = RoundFactory()
    now = timezone.now()

    with pytest.raises(services.CompetitionError) as refusal:
        services.publish_results(
            round_.competition,
            round_=round_,
            title="初审结果",
            notice_starts_at=now,
            notice_ends_at=now + datetime.timedelta(days=5),
            by=staff,
        )

    assert str(refusal.value.message) == "请先结束本轮评审，再公布结果。"
