"""Judges, their assignments to projects in a round, and their scores.

A judge is a user in the 评委 group; their profile declares the organisations they belong to,
which no assignment may cross (回避). Scores are written only through `competitions.services`
(`save_draft`, `submit_score`, `reopen_score`): a submitted score is locked.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.validators import normalize_digits, normalize_name, validate_credit_code

# The group migrations create (academy/migrations/0002_roles.py); judges have no admin access.
JUDGES_GROUP = "评委"


def judges():
    """Every user who may be assigned projects: active members of the judges' group."""
    return get_user_model().objects.filter(is_active=True, groups__name=JUDGES_GROUP)


def judge_name(user) -> str:
    """How the admin and the judges' pages name a judge: their name, else their username."""
    return user.get_full_name() or user.get_username()


def organisation_key(value: str) -> str:
    """What two spellings of one organisation share: no spaces, full-width forms made ASCII,
    capitals (credit codes)."""
    return normalize_digits(normalize_name(value))


class JudgeProfile(models.Model):
    """A judge's organisation and declared affiliations: no project of any of them is ever
    assigned to the judge."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("judge"),
        on_delete=models.CASCADE,
        related_name="judge_profile",
    )
    title = models.CharField(
        _("title or expertise"), max_length=60, blank=True, help_text=_("For example 高校教授.")
    )
    organisation_name = models.CharField(_("organisation"), max_length=120, blank=True)
    credit_code = models.CharField(
        _("organisation's unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
    )
    affiliations = models.TextField(
        _("declared affiliations"),
        blank=True,
        help_text=_(
            "Other organisations the judge works for, advises or sits on the board of: one per "
            "line, by name or unified social credit code."
        ),
    )

    class Meta:
        verbose_name = _("judge profile")
        verbose_name_plural = _("judge profiles")

    def __str__(self):
        return judge_name(self.user)

    def clean_fields(self, exclude=None):
        self.credit_code = normalize_digits(self.credit_code)
        super().clean_fields(exclude=exclude)

    def organisation_keys(self) -> set[str]:
        """The judge's own organisation and affiliations, by name and by code."""
        keys = {self.organisation_name, self.credit_code, *self.affiliations.splitlines()}
        return {organisation_key(key) for key in keys} - {""}

    def conflicts_with(self, project) -> bool:
        """Whether `project` comes from the judge's organisation or a declared affiliation."""
        keys = self.organisation_keys()
        return bool(
            keys
            & {organisation_key(project.credit_code), organisation_key(project.organisation_name)}
        )


def judge_conflicts_with(judge, project) -> bool:
    """Whether `judge` (a user) may not score `project`: their profile names its organisation."""
    try:
        profile = judge.judge_profile
    except JudgeProfile.DoesNotExist:
        return False
    return profile.conflicts_with(project)


CONFLICT_MESSAGE = _(
    "This judge belongs to or is affiliated with the project's organisation and may not "
    "score it (回避)."
)


class AssignmentQuerySet(models.QuerySet):
    def active(self):
        """Assignments that count: not withdrawn after a conflict or a reassignment."""
        return self.filter(withdrawn_at__isnull=True)

    def conflicts_waiting(self):
        """Conflicts a judge declared that staff have not yet reassigned."""
        return self.active().filter(conflict_declared_at__isnull=False)


class Assignment(models.Model):
    """A judge's task to score one project in one round; never a project of the judge's own
    organisation. Staff withdraw it (and assign another judge) after a declared conflict."""

    round = models.ForeignKey(
        "competitions.Round",
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    project = models.ForeignKey(
        "competitions.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("judge"),
        on_delete=models.PROTECT,
        related_name="competition_assignments",
    )
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    conflict_declared_at = models.DateTimeField(_("conflict declared"), null=True, blank=True)
    conflict_reason = models.CharField(_("conflict"), max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["round", "project", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [models.Index(fields=["judge", "round"])]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "project", "judge"],
                name="assignment_unique_judge_per_project",
                violation_error_message=_("This judge is already assigned this project."),
            )
        ]

    def __str__(self):
        return f"{self.project} · {judge_name(self.judge)}"

    def save(self, *args, **kwargs):
        # Every path that saves a new assignment, or changes its judge or project (services,
        # admin, shell), refuses a conflict; `auto_assign` checks the same rule before its bulk
        # insert. Withdrawing one or declaring a conflict (update_fields) checks nothing.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"judge", "project", "round"} & set(update_fields):
            self.check_rules()
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    @property
    def has_conflict(self) -> bool:
        return self.conflict_declared_at is not None

    def clean(self):
        super().clean()
        self.check_rules()
        if self.round_id and self.round.status == self.round.Status.CLOSED:
            raise ValidationError(_("This round is closed; its assignments can no longer change."))
        if self.project_id and self.project.status != "eligible":
            raise ValidationError(
                {
                    "project": _("Only eligible projects are judged: %(title)s is not.")
                    % {"title": self.project.title}
                }
            )

    def check_rules(self) -> None:
        """The rules every path that assigns obeys: the project is of the round's competition,
        the judge is a judge, and the project is not of the judge's own organisation."""
        if not (self.round_id and self.project_id and self.judge_id):
            return
        if self.project.competition_id != self.round.competition_id:
            raise ValidationError(
                {"project": _("The project was not submitted to this round's competition.")}
            )
        if not self.judge.groups.filter(name=JUDGES_GROUP).exists():
            raise ValidationError({"judge": _("Only members of the judges' group (评委) judge.")})
        if judge_conflicts_with(self.judge, self.project):
            raise ValidationError({"judge": ValidationError(CONFLICT_MESSAGE, code="conflict")})


class Score(models.Model):
    """A judge's score of one assignment: a draft until submitted, then locked; only staff
    reopen it (logged). Written only through `competitions.services`. `total` is the weighted
    sum of its criterion scores, kept by the service that writes them."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    assignment = models.OneToOneField(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="score",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    total = models.DecimalField(_("total"), max_digits=8, decimal_places=2, default=Decimal(0))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reopened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["assignment", "pk"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        permissions = [("reopen_score", _("Can reopen a submitted score"))]
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="score_submitted_has_time",
            )
        ]

    def __str__(self):
        return str(self.assignment)

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class CriterionScore(models.Model):
    """A judge's score on one criterion of the rubric: from 0 to the criterion's maximum."""

    score = models.ForeignKey(
        Score, verbose_name=_("score"), on_delete=models.CASCADE, related_name="values"
    )
    criterion = models.ForeignKey(
        "competitions.Criterion",
        verbose_name=_("criterion"),
        on_delete=models.PROTECT,
        related_name="scores",
    )
    value = models.DecimalField(
        _("score"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        ordering = ["score", "criterion__sort_order"]
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        constraints = [
            models.UniqueConstraint(
                fields=["score", "criterion"], name="criterion_score_once_per_criterion"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="criterion_score_not_negative"),
        ]

    def __str__(self):
        return f"{self.criterion.name}: {self.value}"

    def clean(self):
        super().clean()
        if self.value is not None and self.criterion_id and self.value > self.criterion.maximum:
            raise ValidationError(
                {
                    "value": _("%(criterion)s: at most %(maximum)s points.")
                    % {"criterion": self.criterion.name, "maximum": self.criterion.maximum}
                }
            )
