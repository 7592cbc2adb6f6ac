"""Every state change of a competition: submissions, eligibility, assignments, scores, awards,
published results and objections.

Each service takes the acting user (`by`, None for an applicant on their private link or a
member of the public) and writes its audit entry (Wagtail's log) in the transaction of the
change. Locks go through `core.locking`, one kind per service:

- assignments lock their round, so two staff assigning at once balance one set of loads;
- scores lock their assignment, so a submission and a draft never cross;
- awards lock the competition, whose budget they consume, before adding up the others.

Assignments are refused on every path when the judge belongs to the project's organisation
(`Assignment.check_rules`, which the model's `save` also runs); results count only submitted
scores of active assignments.
"""

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.log_actions import log

from core.locking import lock_object, lock_rows
from core.models import User

from .formats import yuan
from .models import (
    CONFLICT_MESSAGE,
    Assignment,
    Award,
    Category,
    CompetitionPage,
    Criterion,
    CriterionScore,
    JudgeProfile,
    Objection,
    Project,
    ProjectAttachment,
    ResultPublication,
    Round,
    Score,
    attachment_kind,
    judges,
    validate_attachment,
)
from .models.judging import organisation_key
from .notifications import Notice, notify_applicant

# Sent after the transaction that submitted or reopened a score commits, with `round_id` and
# `project_id`: what a cache of the live screen or the ranking listens to.
score_changed = Signal()


class CompetitionError(Exception):
    """A change the rules refuse; the message says why, for the person who asked."""

    default_message = _("The change could not be made.")
    code = "competition_error"

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class SubmissionClosed(CompetitionError):
    default_message = _(
        "Submissions to this competition are closed; the project can no longer be changed."
    )
    code = "submission_closed"


class ConflictOfInterest(CompetitionError):
    default_message = CONFLICT_MESSAGE
    code = "conflict_of_interest"


class NotEnoughJudges(CompetitionError):
    code = "not_enough_judges"


class ScoreLocked(CompetitionError):
    default_message = _("This score has been submitted and is locked; only staff can reopen it.")
    code = "score_locked"


class RoundNotOpen(CompetitionError):
    default_message = _("This round is not open for scoring.")
    code = "round_not_open"


class NotYourAssignment(CompetitionError):
    default_message = _("This project is not assigned to you.")
    code = "not_your_assignment"


class InvalidScore(CompetitionError):
    """Some criteria's values are missing or out of range: `errors` by criterion id."""

    code = "invalid_score"

    def __init__(self, errors: dict[int, str]):
        self.errors = errors
        super().__init__(" ".join(str(message) for message in errors.values()))


class OverBudget(CompetitionError):
    code = "over_budget"


class NoticePeriodOver(CompetitionError):
    default_message = _("Objections can only be lodged during the public notice period.")
    code = "notice_period_over"


# -- submissions ---------------------------------------------------------------------------------


def check_request(competition: CompetitionPage, details: Mapping) -> None:
    """What a submission must satisfy beyond its fields: a category the competition offers and
    a request within its limit."""
    category = details.get("category")
    if (
        category is not None
        and not Category.objects.filter(pk=category.pk, competitions=competition).exists()
    ):
        raise ValidationError({"category": _("This competition does not take this category.")})
    requested = details.get("budget_requested")
    if (
        requested is not None
        and competition.max_request is not None
        and requested > competition.max_request
    ):
        raise ValidationError(
            {
                "budget_requested": _("A project may request at most %(limit)s yuan.")
                % {"limit": yuan(competition.max_request)}
            }
        )


def add_attachments(project: Project, files: Sequence) -> list[ProjectAttachment]:
    """Attach `files`, each checked by content and size, up to the number allowed per project."""
    limit = settings.COMPETITIONS_MAX_ATTACHMENTS
    if project.attachments.count() + len(files) > limit:
        raise ValidationError(
            {
                "attachments": ngettext(
                    "A project may have at most %(limit)d attachment.",
                    "A project may have at most %(limit)d attachments.",
                    limit,
                )
                % {"limit": limit}
            }
        )
    attachments = []
    for upload in files:
        validate_attachment(upload)
        attachment = ProjectAttachment(
            project=project,
            name=os.path.basename(upload.name)[:120],
            kind=attachment_kind_of(upload),
            size=upload.size,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
        attachments.append(attachment)
    return attachments


def attachment_kind_of(upload) -> str:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return attachment_kind(head, upload.name) or ""


def submit_project(
    competition: CompetitionPage,
    *,
    details: Mapping,
    attachments: Sequence = (),
    by: User | None = None,
    at=None,
) -> Project:
    """An organisation submits a project while submissions are open.

    1. refuse outside the submission window (SubmissionClosed);
    2. check the category and the request against the competition's;
    3. save the project (validated as the model says) and its attachments (checked by content);
    4. log it, and queue the notice by mail and SMS with the private link.
    """
    now = at or timezone.now()
    if not competition.accepts_submissions(now):
        raise SubmissionClosed(_("Submissions to this competition are not open."))
    check_request(competition, details)
    with transaction.atomic():
        project = Project(competition=competition, submitted_at=now, consented_at=now)
        for name in Project.APPLICANT_FIELDS:
            if name in details:
                setattr(project, name, details[name])
        project.full_clean()
        project.save()
        add_attachments(project, attachments)
        log(project, "wagtail.create", user=by, timestamp=now)
        notify_applicant(project, Notice.SUBMITTED)
    return project


def update_project(
    project: Project,
    *,
    details: Mapping,
    attachments: Sequence = (),
    remove_attachments: Iterable[int] = (),
    by: User | None = None,
    at=None,
) -> Project:
    """The organisation changes its project through the private link, until submissions close
    and while staff have not yet reviewed it."""
    now = at or timezone.now()
    with transaction.atomic():
        project = lock_object(Project.objects.select_related("competition"), project.pk)
        if not project.competition.accepts_submissions(now):
            raise SubmissionClosed()
        if project.status != Project.Status.SUBMITTED:
            raise CompetitionError(
                _("Staff have reviewed this project; it can no longer be changed.")
            )
        check_request(project.competition, details)
        for name in Project.APPLICANT_FIELDS:
            if name in details:
                setattr(project, name, details[name])
        project.full_clean()
        project.save()
        removed = list(project.attachments.filter(pk__in=list(remove_attachments)))
        for attachment in removed:
            attachment.file.delete(save=False)
            attachment.delete()
        add_attachments(project, attachments)
        log(project, "wagtail.edit", user=by, timestamp=now, content_changed=True)
    return project


def review_project(
    project: Project, *, eligible: bool, reason: str = "", by: User | None
) -> Project:
    """Staff decide a project's eligibility (资格审查): eligible, or not with a reason. The
    applicant is told by mail and SMS."""
    reason = reason.strip()
    if not eligible and not reason:
        raise CompetitionError(_("Say why the project is not eligible."))
    now = timezone.now()
    with transaction.atomic():
        project = lock_object(Project.objects.select_related("competition"), project.pk)
        project.status = Project.Status.ELIGIBLE if eligible else Project.Status.INELIGIBLE
        project.ineligible_reason = "" if eligible else reason
        project.reviewed_at = now
        project.save(update_fields=["status", "ineligible_reason", "reviewed_at", "updated_at"])
        log(
            project,
            "competitions.project.review",
            user=by,
            timestamp=now,
            data={"status": project.status, "reason": project.ineligible_reason},
        )
        notify_applicant(project, Notice.REVIEWED)
    return project


# -- assignments ---------------------------------------------------------------------------------


def lock_round(round_id: int) -> Round:
    return lock_object(Round.objects.select_related("competition"), round_id)


def check_assignable(round_: Round, project: Project) -> None:
    if round_.is_closed:
        raise CompetitionError(_("This round is closed; its assignments can no longer change."))
    if project.competition_id != round_.competition_id:
        raise CompetitionError(_("The project was not submitted to this round's competition."))
    if project.status != Project.Status.ELIGIBLE:
        raise CompetitionError(
            _("Only eligible projects are judged: %(title)s is not.") % {"title": project.title}
        )


def create_assignment(round_: Round, project: Project, judge: User) -> Assignment:
    """An assignment through the model's rules (Assignment.check_rules): a ValidationError
    there becomes the service's refusal, a conflict of interest as such."""
    if Assignment.objects.filter(round=round_, project=project, judge=judge).exists():
        raise CompetitionError(_("This judge is already assigned this project."))
    assignment = Assignment(round=round_, project=project, judge=judge)
    try:
        assignment.save()
    except ValidationError as error:
        if any(item.code == "conflict" for item in error.error_dict.get("judge", [])):
            raise ConflictOfInterest() from error
        raise CompetitionError(" ".join(error.messages)) from error
    return assignment


def assign(round_: Round, *, project: Project, judge: User, by: User | None) -> Assignment:
    """Staff assign one judge to one project in a round, by hand."""
    with transaction.atomic():
        round_ = lock_round(round_.pk)
        check_assignable(round_, project)
        assignment = create_assignment(round_, project, judge)
        log(assignment, "wagtail.create", user=by)
    return assignment


def judge_keys(judge_ids: Iterable[int]) -> dict[int, set[str]]:
    """Each judge's organisation keys (name, code, affiliations), in one query."""
    return {
        profile.user_id: profile.organisation_keys()
        for profile in JudgeProfile.objects.filter(user_id__in=list(judge_ids))
    }


def project_keys(project: Project) -> set[str]:
    return {organisation_key(project.credit_code), organisation_key(project.organisation_name)}


def auto_assign(
    round_: Round,
    *,
    k: int | None = None,
    projects: Iterable[Project] | None = None,
    by: User | None,
) -> list[Assignment]:
    """Give each project K judges (the round's `judges_per_project` by default) with balanced
    loads, never a judge of the project's own organisation.

    1. lock the round; read the judges, their organisations and the loads they already carry;
    2. for each project (the competition's eligible ones unless given), counting the active
       assignments it has, pick the least-loaded judges not yet assigned to it and free of
       conflict (ties to the lower id, so a run is reproducible);
    3. refuse the whole run, naming the projects, if some cannot get K judges;
    4. insert the new assignments at once and log each.
    """
    with transaction.atomic():
        round_ = lock_round(round_.pk)
        k = k or round_.judges_per_project
        if projects is None:
            projects = Project.objects.filter(competition_id=round_.competition_id).eligible()
        projects = sorted(projects, key=lambda project: (project.submitted_at, project.pk))
        for project in projects:
            check_assignable(round_, project)
        panel = list(judges().order_by("pk").distinct())
        keys = judge_keys(judge.pk for judge in panel)
        existing = Assignment.objects.filter(round=round_)
        taken = defaultdict(set)  # project id -> judges already assigned (withdrawn too)
        for project_id, judge_id in existing.values_list("project_id", "judge_id"):
            taken[project_id].add(judge_id)
        active = defaultdict(int)
        for project_id in existing.active().values_list("project_id", flat=True):
            active[project_id] += 1
        loads = dict.fromkeys((judge.pk for judge in panel), 0)
        for row in existing.active().values("judge_id").annotate(n=Count("pk")):
            if row["judge_id"] in loads:
                loads[row["judge_id"]] = row["n"]
        new, short = [], []
        for project in projects:
            needed = k - active[project.pk]
            if needed <= 0:
                continue
            organisation = project_keys(project)
            candidates = sorted(
                (
                    judge
                    for judge in panel
                    if judge.pk not in taken[project.pk]
                    and not (keys.get(judge.pk, set()) & organisation)
                ),
                key=lambda judge: (loads[judge.pk], judge.pk),
            )
            if len(candidates) < needed:
                short.append(project.title)
                continue
            for judge in candidates[:needed]:
                loads[judge.pk] += 1
                taken[project.pk].add(judge.pk)
                new.append(Assignment(round=round_, project=project, judge=judge))
        if short:
            raise NotEnoughJudges(
                _(
                    "Not enough judges free of conflict for %(k)d each: %(projects)s. Add judges "
                    "or assign fewer."
                )
                % {"k": k, "projects": "、".join(short)}
            )
        created = Assignment.objects.bulk_create(new)
        now = timezone.now()
        for assignment in created:
            log(assignment, "wagtail.create", user=by, timestamp=now)
    return created


def declare_conflict(assignment: Assignment, *, reason: str, by: User) -> Assignment:
    """A judge declares a conflict of interest (回避) on an assignment of theirs; staff see it
    and reassign the project. A submitted score must be reopened by staff first."""
    reason = reason.strip()
    if not reason:
        raise CompetitionError(_("Say what the conflict of interest is."))
    with transaction.atomic():
        assignment = lock_object(Assignment.objects.select_related("round"), assignment.pk)
        if assignment.judge_id != by.pk:
            raise NotYourAssignment()
        if not assignment.is_active or assignment.round.is_closed:
            raise CompetitionError(_("This assignment can no longer change."))
        score = Score.objects.filter(assignment=assignment).first()
        if score and score.is_submitted:
            raise ScoreLocked()
        assignment.conflict_declared_at = timezone.now()
        assignment.conflict_reason = reason[:300]
        assignment.save(update_fields=["conflict_declared_at", "conflict_reason"])
        log(assignment, "competitions.assignment.conflict", user=by, data={"reason": reason})
    return assignment


def reassign(assignment: Assignment, *, judge: User, by: User | None) -> Assignment:
    """Staff give an assignment to another judge (after a declared conflict, or for any
    reason): the old one is withdrawn, its score no longer counts, the new judge starts anew."""
    with transaction.atomic():
        round_ = lock_round(assignment.round_id)
        assignment = Assignment.objects.select_related("project").get(pk=assignment.pk)
        if not assignment.is_active:
            raise CompetitionError(_("This assignment has already been withdrawn."))
        check_assignable(round_, assignment.project)
        replacement = create_assignment(round_, assignment.project, judge)
        now = timezone.now()
        assignment.withdrawn_at = now
        assignment.save(update_fields=["withdrawn_at"])
        log(
            assignment,
            "competitions.assignment.reassign",
            user=by,
            timestamp=now,
            data={"judge": judge.pk, "assignment": replacement.pk},
        )
        log(replacement, "wagtail.create", user=by, timestamp=now)
    return replacement


# -- scores --------------------------------------------------------------------------------------


def parse_value(raw) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return Decimal("NaN")
    return value


def checked_values(
    criteria: Sequence[Criterion], values: Mapping, *, complete: bool
) -> dict[int, Decimal]:
    """The values by criterion id, each from 0 to its criterion's maximum with one decimal;
    every criterion when `complete`. Raises InvalidScore naming each wrong one."""
    errors, checked = {}, {}
    for criterion in criteria:
        value = parse_value(values.get(criterion.pk, values.get(str(criterion.pk))))
        if value is None:
            if complete:
                errors[criterion.pk] = _("%(criterion)s: enter a score.") % {
                    "criterion": criterion.name
                }
            continue
        if value.is_nan() or value < 0 or value > criterion.maximum:
            errors[criterion.pk] = _("%(criterion)s: a score from 0 to %(maximum)s.") % {
                "criterion": criterion.name,
                "maximum": f"{criterion.maximum.normalize():f}",
            }
        elif value != value.quantize(Decimal("0.1")):
            errors[criterion.pk] = _("%(criterion)s: at most one decimal place.") % {
                "criterion": criterion.name
            }
        else:
            checked[criterion.pk] = value
    if errors:
        raise InvalidScore(errors)
    return checked


def weighted_total(criteria: Sequence[Criterion], values: Mapping[int, Decimal]) -> Decimal:
    return sum(
        (
            criterion.weight * values[criterion.pk]
            for criterion in criteria
            if criterion.pk in values
        ),
        Decimal(0),
    ).quantize(Decimal("0.01"))


def lock_assignment_for_judge(assignment: Assignment, by: User) -> Assignment:
    """The judge's own active assignment in an open round, locked; refused otherwise."""
    assignment = lock_object(Assignment.objects.select_related("round", "project"), assignment.pk)
    if assignment.judge_id != by.pk:
        raise NotYourAssignment()
    if not assignment.is_active:
        raise CompetitionError(_("This assignment has been withdrawn."))
    if not assignment.round.is_open:
        raise RoundNotOpen()
    if assignment.has_conflict:
        raise CompetitionError(
            _("You declared a conflict of interest on this project; staff will reassign it.")
        )
    return assignment


def write_score(
    assignment: Assignment, *, values: Mapping, comment: str, by: User, submit: bool
) -> Score:
    """Save the judge's values (the whole rubric when submitting) and lock when submitting."""
    with transaction.atomic():
        assignment = lock_assignment_for_judge(assignment, by)
        score, _created = Score.objects.get_or_create(assignment=assignment)
        if score.is_submitted:
            raise ScoreLocked()
        criteria = list(assignment.round.criteria.all())
        checked = checked_values(criteria, values, complete=submit)
        existing = {row.criterion_id: row for row in score.values.all()}
        for criterion in criteria:
            row = existing.get(criterion.pk)
            if criterion.pk not in checked:
                if row is not None:
                    row.delete()
                continue
            if row is None:
                CriterionScore.objects.create(
                    score=score, criterion=criterion, value=checked[criterion.pk]
                )
            elif row.value != checked[criterion.pk]:
                row.value = checked[criterion.pk]
                row.save(update_fields=["value"])
        now = timezone.now()
        score.comment = (comment or "").strip()
        score.total = weighted_total(criteria, checked)
        if submit:
            score.status = Score.Status.SUBMITTED
            score.submitted_at = now
        score.save()
        action = "competitions.score.submit" if submit else "competitions.score.draft"
        log(score, action, user=by, timestamp=now)
        if submit:
            announce_score_change(assignment)
    return score


def announce_score_change(assignment: Assignment) -> None:
    transaction.on_commit(
        lambda: score_changed.send(
            sender=Score, round_id=assignment.round_id, project_id=assignment.project_id
        )
    )


def save_draft(assignment: Assignment, *, values: Mapping, comment: str = "", by: User) -> Score:
    """The judge keeps what they have entered so far; blanks are allowed, out-of-range values
    are not. A submitted score refuses (ScoreLocked)."""
    return write_score(assignment, values=values, comment=comment, by=by, submit=False)


def submit_score(assignment: Assignment, *, values: Mapping, comment: str = "", by: User) -> Score:
    """The judge submits a score on every criterion, each from 0 to its maximum; it is then
    locked until staff reopen it."""
    return write_score(assignment, values=values, comment=comment, by=by, submit=True)


def reopen_score(score: Score, *, reason: str = "", by: User) -> Score:
    """Staff reopen a submitted score so the judge can change it; logged with who and why.
    The caller checks `competitions.reopen_score`."""
    with transaction.atomic():
        assignment = lock_object(Assignment.objects.select_related("round"), score.assignment_id)
        score = Score.objects.get(pk=score.pk)
        if not score.is_submitted:
            raise CompetitionError(
                _("This score has not been submitted; there is nothing to reopen.")
            )
        if assignment.round.is_closed:
            raise CompetitionError(_("The round is closed; reopen the round first."))
        now = timezone.now()
        score.status = Score.Status.DRAFT
        score.submitted_at = None
        score.reopened_at = now
        score.reopened_by = by
        score.save(
            update_fields=["status", "submitted_at", "reopened_at", "reopened_by", "updated_at"]
        )
        log(score, "competitions.score.reopen", user=by, timestamp=now, data={"reason": reason})
        announce_score_change(assignment)
    return score


# -- awards, results, objections -----------------------------------------------------------------


def lock_competition(competition_id: int) -> CompetitionPage:
    """The competition, locked: every writer of its awards takes this lock before adding up."""
    lock_rows(CompetitionPage.objects.all(), [competition_id], of=("self",))
    return CompetitionPage.objects.get(pk=competition_id)


def check_budget(competition: CompetitionPage, *, project_id: int | None, amount: Decimal) -> None:
    """Refuse an amount that would take the competition's awards over its budget."""
    others = Award.objects.filter(project__competition_id=competition.pk).exclude(
        project_id=project_id
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    if others + amount > competition.budget:
        raise OverBudget(
            _(
                "The awards would total %(total)s yuan, over the budget of %(budget)s yuan: "
                "%(left)s yuan is left for this project."
            )
            % {
                "total": yuan(others + amount),
                "budget": yuan(competition.budget),
                "left": yuan(max(competition.budget - others, Decimal(0))),
            }
        )


def set_award(
    project: Project,
    *,
    amount: Decimal,
    tier: str = Award.Tier.FUNDED,
    note: str = "",
    by: User | None,
) -> Award:
    """Give a project an award (or change it). The competition is locked, then the other awards
    are added up: the total never exceeds the budget (OverBudget, a clear message)."""
    if amount is None or amount < 0:
        raise CompetitionError(_("Enter an amount of 0 yuan or more."))
    with transaction.atomic():
        competition = lock_competition(project.competition_id)
        project = Project.objects.get(pk=project.pk)
        if project.status != Project.Status.ELIGIBLE:
            raise CompetitionError(_("Only eligible projects receive awards."))
        check_budget(competition, project_id=project.pk, amount=amount)
        award, created = Award.objects.update_or_create(
            project=project, defaults={"amount": amount, "tier": tier, "note": note}
        )
        log(
            award,
            "competitions.award.set",
            user=by,
            data={"amount": str(amount), "tier": tier, "created": created},
        )
    return award


def remove_award(award: Award, *, by: User | None) -> None:
    with transaction.atomic():
        lock_competition(award.project.competition_id)
        log(award, "competitions.award.remove", user=by, data={"amount": str(award.amount)})
        award.delete()


def publish_results(
    competition: CompetitionPage,
    *,
    round_: Round | None = None,
    title: str,
    notice_starts_at,
    notice_ends_at,
    note: str = "",
    by: User | None,
) -> ResultPublication:
    """Publish a round's results (once it is closed) or the competition's final results and
    funding, with the public-notice period (公示) during which objections are taken."""
    if round_ is not None and (round_.competition_id != competition.pk or not round_.is_closed):
        raise CompetitionError(_("Close the round before publishing its results."))
    publication = ResultPublication(
        competition=competition,
        round=round_,
        title=title,
        note=note,
        notice_starts_at=notice_starts_at,
        notice_ends_at=notice_ends_at,
        published_by=by,
    )
    try:
        publication.full_clean()
    except ValidationError as error:
        raise CompetitionError(" ".join(error.messages)) from error
    with transaction.atomic():
        try:
            with transaction.atomic():
                publication.save()
        except IntegrityError as error:
            raise CompetitionError(_("These results are already published.")) from error
        log(publication, "wagtail.create", user=by)
    return publication


def lodge_objection(
    publication: ResultPublication,
    *,
    name: str,
    phone: str,
    text: str,
    project: Project | None = None,
    by: User | None = None,
    at=None,
) -> Objection:
    """Anyone lodges an objection during the public-notice period (the view rate-limits it)."""
    now = at or timezone.now()
    if not publication.in_notice_period(now):
        raise NoticePeriodOver()
    if project is not None and project.competition_id != publication.competition_id:
        raise CompetitionError(_("The project was not submitted to this competition."))
    objection = Objection(
        publication=publication, project=project, name=name, phone=phone, text=text
    )
    objection.full_clean()
    with transaction.atomic():
        objection.save()
        log(objection, "wagtail.create", user=by, timestamp=now)
    return objection
