"""Spreadsheet kinds of competitions, on `core.imports`: projects and judges' assignments in and
out (written through `competitions.services`, so every rule a service keeps holds for an import
too), and a round's scores and ranking out.

- `projects` (参赛项目): by competition, credit code and title (the model's unique constraint);
  a new one is submitted through `submit_project` (refused while submissions are closed), a
  changed one through `update_project` (refused once reviewed or closed). The contact's mobile
  is masked in exports without `bookings.view_personal_data`, and a masked number imported
  back leaves the stored one as it is.
- `assignments` (评审分配): by round, project (its title in the round's competition) and judge
  (name or username); new ones through `assign`, whose refusal (a conflict of interest, an
  ineligible project, a closed round…) is the row's error, word for word.
- `scores` (评分明细) and `rankings` (排名), export only, for staff who see judges' scores: the
  ranking is `selectors.round_ranking`'s, the numbers of the API and the results page, and the
  ranking workbook (`exports.ranking_workbook`) is built from this kind's rows.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets
from import_export.fields import Field

from core.imports.kinds import ImportKind
from core.imports.resources import (
    AcademyResource,
    BooleanWidget,
    ChoiceWidget,
    DecimalWidget,
    LocalDateTimeWidget,
    MobileWidget,
    ReferenceWidget,
    TextWidget,
    column,
    suggestion,
)
from core.locking import LockTimeout
from core.models import User
from core.validators import mask_phone, normalize_digits

from .models import (
    JUDGES_GROUP,
    Assignment,
    Category,
    CompetitionPage,
    CriterionScore,
    Project,
    Round,
    Score,
)
from .selectors import RankingLine, judge_name, round_ranking
from .services import CompetitionError, assign, submit_project, update_project

# The platform's permission to see full phone numbers (bookings declares it; a string here,
# as in attendance, so competitions imports nothing of bookings).
PERSONAL_DATA_PERMISSION = "bookings.view_personal_data"
VIEW_SCORES = "competitions.view_score"
MASKED_MOBILE = re.compile(r"^1[0-9]{2}\*{4}[0-9]{4}$")


class NumberWidget(widgets.Widget):
    """A number exported as a number (a spreadsheet can add it up), blank when there is none."""

    def clean(self, value, row=None, **kwargs):
        return value

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class CountWidget(DecimalWidget):
    """A whole number of 0 or more, as typed (full-width digits too)."""

    def clean(self, value, row=None, **kwargs):
        number = super().clean(value, row, **kwargs)
        if number is None:
            return None
        if number < 0 or number != number.to_integral_value():
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
        return int(number)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class CreditCodeWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        return normalize_digits(super().clean(value, row, **kwargs))


class ContactMobileWidget(MobileWidget):
    """A mobile number; a masked one (138****5678, as an export without the personal-data
    permission shows it) passes as typed, for the resource to keep the stored number."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if MASKED_MOBILE.match(text):
            return text
        return super().clean(value, row, **kwargs)


class LongTextWidget(TextWidget):
    """Text of several lines (a plan, a summary): only its ends stripped."""

    def clean(self, value, row=None, **kwargs):
        return str(value or "").strip()


def score_of(assignment) -> Score | None:
    """The assignment's score, if the judge has saved one."""
    try:
        return assignment.score
    except Score.DoesNotExist:
        return None


def refusal_error(refusal) -> ValidationError:
    """A service's refusal as the row's error, in the service's own words."""
    if isinstance(refusal, ValidationError):
        return refusal
    return ValidationError(str(getattr(refusal, "message", refusal)))


# -- projects ------------------------------------------------------------------------------------


class ProjectResource(AcademyResource):
    """参赛项目: one row per project; competition, credit code and title find an existing one."""

    competition = column(
        "competition",
        "大赛",
        ReferenceWidget(CompetitionPage, field="title", queryset=CompetitionPage.objects.all()),
    )
    category = column("category", "类别", ReferenceWidget(Category))
    title = column("title", "项目名称")
    organisation_name = column("organisation_name", "申报单位")
    credit_code = column("credit_code", "统一社会信用代码", CreditCodeWidget())
    contact_name = column("contact_name", "联系人")
    contact_phone = column("contact_phone", "联系人手机号", ContactMobileWidget())
    email = column("email", "电子邮箱")
    summary = column("summary", "项目简介", LongTextWidget())
    need = column("need", "项目需求", LongTextWidget())
    plan = column("plan", "实施方案", LongTextWidget())
    beneficiaries = column("beneficiaries", "受益对象", LongTextWidget())
    beneficiary_count = column("beneficiary_count", "受益人数", CountWidget())
    budget_requested = column("budget_requested", "申请资金（元）", DecimalWidget())
    status = column("status", "状态", ChoiceWidget(Project.Status), readonly=True)
    ineligible_reason = column("ineligible_reason", "不符合条件的原因", readonly=True)
    running_order = column("running_order", "路演顺序", NumberWidget(), readonly=True)
    submitted_at = column("submitted_at", "提交时间", LocalDateTimeWidget(), readonly=True)
    reviewed_at = column("reviewed_at", "审查时间", LocalDateTimeWidget(), readonly=True)

    required = (
        "category",
        "organisation_name",
        "contact_name",
        "contact_phone",
        "email",
        "summary",
        "need",
        "plan",
        "beneficiaries",
        "budget_requested",
    )
    personal_fields = ("contact_phone",)
    personal_permission = PERSONAL_DATA_PERMISSION
    # Set by `submit_project`.
    not_validated = ("token", "status", "consented_at", "submitted_at")
    filename = "参赛项目"
    export_params = ("competition", "status", "category", "q")

    class Meta(AcademyResource.Meta):
        model = Project
        import_id_fields = ("competition", "credit_code", "title")
        fields = (
            "competition",
            "category",
            "title",
            "organisation_name",
            "credit_code",
            "contact_name",
            "contact_phone",
            "email",
            "summary",
            "need",
            "plan",
            "beneficiaries",
            "beneficiary_count",
            "budget_requested",
            "status",
            "ineligible_reason",
            "running_order",
            "submitted_at",
            "reviewed_at",
        )

    def example_row(self):
        return {
            "title": "银龄互助之家",
            "organisation_name": "福山区阳光社会工作服务中心",
            "credit_code": "52370611MJD0000000",
            "contact_name": "李娜",
            "contact_phone": "13900000000",
            "email": "org@example.org",
            "summary": "为社区独居老人提供互助服务。",
            "need": "社区独居老人多，缺少日常照护。",
            "plan": "组建志愿者队伍，每周上门探访。",
            "beneficiaries": "福山区清洋街道独居老人",
            "beneficiary_count": "120",
            "budget_requested": "50000",
        }

    def get_instance(self, instance_loader, row):
        competition = self.key_value("competition", row)
        code = self.key_value("credit_code", row)
        title = self.key_value("title", row)
        if competition is None or not code or not title:
            return None
        found = Project.objects.filter(competition=competition, credit_code=code, title=title)
        return found.first()

    def import_instance(self, instance, row, **kwargs):
        stored_phone = instance.contact_phone
        super().import_instance(instance, row, **kwargs)
        if MASKED_MOBILE.match(instance.contact_phone or ""):
            if instance.pk and instance.contact_phone == mask_phone(stored_phone):
                instance.contact_phone = stored_phone
            else:
                raise ValidationError(
                    {"contact_phone": _("The number is masked; type all 11 digits.")}
                )

    def save_instance(self, instance, is_create, row, **kwargs):
        details = {name: getattr(instance, name) for name in Project.APPLICANT_FIELDS}
        try:
            if is_create:
                submit_project(instance.competition, details=details, by=self.user)
            else:
                update_project(instance, details=details, by=self.user)
        except (CompetitionError, ValidationError, LockTimeout) as refusal:
            raise refusal_error(refusal) from refusal

    @classmethod
    def export_queryset(cls, params):
        queryset = Project.objects.select_related("competition", "category").order_by(
            "competition_id", "submitted_at", "pk"
        )
        for name in ("competition", "category"):
            value = params.get(name, "")
            if str(value).isdigit():
                queryset = queryset.filter(**{f"{name}_id": value})
        if params.get("status", "") in Project.Status.values:
            queryset = queryset.filter(status=params["status"])
        query = str(params.get("q", "")).strip()
        if query:
            queryset = queryset.filter(
                Q(title__icontains=query)
                | Q(organisation_name__icontains=query)
                | Q(credit_code__icontains=query)
            )
        return queryset

    @classmethod
    def filename_parts(cls, params) -> list[str]:
        competition = params.get("competition", "")
        if str(competition).isdigit():
            found = CompetitionPage.objects.filter(pk=competition).first()
            if found:
                return [found.title]
        return []


# -- assignments ---------------------------------------------------------------------------------


def round_widget() -> ReferenceWidget:
    """A round as staff see it: "大赛名称 · 初审"."""
    return ReferenceWidget(Round, queryset=Round.objects.select_related("competition"), label=str)


def round_param(params) -> Round | None:
    value = params.get("round", "")
    if not str(value).isdigit():
        return None
    return Round.objects.select_related("competition").filter(pk=value).first()


class JudgeWidget(ReferenceWidget):
    """A judge by name (as the ranking writes it: family name first) or username; a name two
    judges share must be written as the username. Users who hold an assignment count as judges
    even after leaving the group, so their assignments export and import back."""

    def __init__(self):
        super().__init__(User, field="username")

    def get_queryset(self, value, row, *args, **kwargs):
        return (
            User.objects.filter(
                Q(groups__name=JUDGES_GROUP, is_active=True)
                | Q(competition_assignments__isnull=False)
            )
            .distinct()
            .order_by("username")
        )

    @staticmethod
    def names(user) -> set[str]:
        return {
            judge_name(user.first_name, user.last_name, user.username),
            user.get_full_name(),
        } - {""}

    def table(self) -> dict:
        if self._table is None:
            users = list(self.get_queryset(None, None))
            self._table = {user.username: user for user in users}
            by_name = {}
            for user in users:
                for name in self.names(user):
                    by_name.setdefault(name, set()).add(user)
            self._shared = set()
            for name, named in by_name.items():
                if name in self._table:
                    continue  # a username is that user's, whoever else bears it as a name
                if len(named) == 1:
                    self._table[name] = named.pop()
                else:
                    self._shared.add(name)
        return self._table

    def find(self, value: str):
        value = " ".join(value.split())
        self.table()
        if value in self._shared:
            raise ValueError(
                _("Several judges are called “%(name)s”; write the username instead.")
                % {"name": value}
            )
        return super().find(value)

    def key(self, item) -> str:
        name = judge_name(item.first_name, item.last_name, item.username)
        table = self.table()
        return name if table.get(name) == item else item.username


class ProjectInRoundWidget(ReferenceWidget):
    """A project by its title among the projects of the row's round's competition."""

    def __init__(self, round_column: str, round_widget: ReferenceWidget):
        super().__init__(Project, field="title")
        self.round_column = round_column
        self.round_widget = round_widget
        self.by_competition = {}

    def titles(self, competition_id: int) -> dict[str, list[Project]]:
        if competition_id not in self.by_competition:
            titles = {}
            for project in Project.objects.filter(competition_id=competition_id).order_by("pk"):
                titles.setdefault(project.title, []).append(project)
            self.by_competition[competition_id] = titles
        return self.by_competition[competition_id]

    def clean(self, value, row=None, **kwargs):
        value = " ".join(str(value or "").split())
        if not value:
            return None
        try:
            round_ = self.round_widget.clean((row or {}).get(self.round_column))
        except ValueError:
            return None  # the round's column says what is wrong
        if round_ is None:
            return None
        titles = self.titles(round_.competition_id)
        found = titles.get(value)
        if not found:
            raise ValueError(
                _("“%(value)s” was not found.%(hint)s")
                % {"value": value, "hint": suggestion(value, titles)}
            )
        if len(found) > 1:
            raise ValueError(
                _(
                    "Several projects of this competition are called “%(title)s”; "
                    "assign this one in the admin."
                )
                % {"title": value}
            )
        return found[0]

    def key(self, item) -> str:
        return item.title


class AssignmentResource(AcademyResource):
    """评审分配: one row per judge and project of a round; new ones are assigned through
    `assign`, which refuses a judge of the project's organisation (回避), an ineligible
    project and a closed round with its own message. Nothing else of an assignment is
    imported: conflicts are declared by judges, withdrawals made by reassigning."""

    round = column("round", "轮次", round_widget())
    project = column("project", "项目", ProjectInRoundWidget("轮次", round_widget()))
    organisation = column("project__organisation_name", "申报单位", readonly=True)
    judge = column("judge", "评委", JudgeWidget())
    assigned_at = column("assigned_at", "分配时间", LocalDateTimeWidget(), readonly=True)
    conflict_reason = column("conflict_reason", "声明回避", readonly=True)
    withdrawn_at = column("withdrawn_at", "撤回时间", LocalDateTimeWidget(), readonly=True)
    score_status = column(None, "评分状态", readonly=True)

    filename = "评审分配"

    class Meta(AcademyResource.Meta):
        model = Assignment
        import_id_fields = ("round", "project", "judge")
        fields = (
            "round",
            "project",
            "organisation",
            "judge",
            "assigned_at",
            "conflict_reason",
            "withdrawn_at",
            "score_status",
        )

    def dehydrate_score_status(self, assignment):
        score = score_of(assignment)
        if score is None:
            return _("Not scored")
        return score.get_status_display()

    def get_instance(self, instance_loader, row):
        key = [self.key_value(name, row) for name in ("round", "project", "judge")]
        if None in key:
            return None
        round_, project, judge = key
        return Assignment.objects.filter(round=round_, project=project, judge=judge).first()

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for name in self.natural_key():
            blank = not str(row.get(self.fields[name].column_name) or "").strip()
            if blank and name not in errors:
                errors[name] = [ValidationError(_("This field is required."))]
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The rules are `assign`'s (save_instance), refused in its words; only the columns'
        # own errors are reported here.
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        if not is_create:
            return  # nothing of an assignment but its key is imported
        try:
            assign(instance.round, project=instance.project, judge=instance.judge, by=self.user)
        except (CompetitionError, ValidationError, LockTimeout) as refusal:
            raise refusal_error(refusal) from refusal

    @classmethod
    def export_queryset(cls, params):
        queryset = Assignment.objects.select_related(
            "round__competition", "project", "judge", "score"
        ).order_by("round__competition_id", "round__sort_order", "project_id", "judge_id", "pk")
        for name in ("round", "judge"):
            value = params.get(name, "")
            if str(value).isdigit():
                queryset = queryset.filter(**{f"{name}_id": value})
        return queryset

    @classmethod
    def filename_parts(cls, params) -> list[str]:
        round_ = round_param(params)
        return [str(round_)] if round_ else []


# -- scores (export only) ------------------------------------------------------------------------


class ValueField(Field):
    """A column whose value a function of the row gives (a criterion's score)."""

    def __init__(self, column_name: str, value):
        super().__init__(column_name=column_name, widget=NumberWidget(), readonly=True)
        self.value = value

    def export(self, instance, **kwargs):
        return self.widget.render(self.value(instance))


class ScoreResource(AcademyResource):
    """评分明细: one row per judge and project of a round (its active assignments), with the
    score on each criterion of the rubric, the total and the comment, filled in only once the
    judge has submitted (as on the score sheets: drafts are the judge's own)."""

    round = column("round", "轮次", round_widget(), readonly=True)
    project = column("project__title", "项目", readonly=True)
    organisation = column("project__organisation_name", "申报单位", readonly=True)
    judge = column("judge", "评委", JudgeWidget(), readonly=True)
    total = column(None, "总分", NumberWidget(), readonly=True)
    status = column(None, "评分状态", readonly=True)
    comment = column(None, "评语", readonly=True)
    submitted_at = column(None, "提交时间", readonly=True)

    filename = "评分明细"
    comment_permission = VIEW_SCORES

    class Meta(AcademyResource.Meta):
        model = Assignment
        fields = (
            "round",
            "project",
            "organisation",
            "judge",
            "total",
            "status",
            "comment",
            "submitted_at",
        )

    def __init__(self, *, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self.criterion_values = {}
        self.criteria_fields = []

    def export_queryset(self, params):
        """The round's (or every round's) active assignments; also reads the submitted scores'
        values and makes a column of each criterion, named as in the rubric. A method of the
        resource, not of its class as in other kinds: the columns depend on the round, and the
        export asks for the rows before the headers."""
        round_ = round_param(params)
        queryset = (
            Assignment.objects.active()
            .select_related("round__competition", "project", "judge", "score")
            .order_by(
                "round__competition_id",
                "round__sort_order",
                "project__running_order",
                "project__submitted_at",
                "project_id",
                "judge__username",
            )
        )
        if round_ is not None:
            queryset = queryset.filter(round=round_)
        rounds = Round.objects.filter(pk__in=queryset.values("round_id")).prefetch_related(
            "criteria"
        )
        columns = {}
        for each in rounds.order_by("competition_id", "sort_order"):
            for criterion in each.criteria.all():
                columns.setdefault(criterion.name, set()).add(criterion.pk)
        values = CriterionScore.objects.filter(
            score__assignment__in=queryset, score__status=Score.Status.SUBMITTED
        ).values_list("score__assignment_id", "criterion_id", "value")
        for assignment_id, criterion_id, value in values.order_by():
            self.criterion_values.setdefault(assignment_id, {})[criterion_id] = value
        self.criteria_fields = []
        for name, ids in columns.items():
            key = f"criterion_{min(ids)}"
            self.fields[key] = ValueField(name, self.criterion_value(ids))
            self.criteria_fields.append(key)
        return queryset

    def criterion_value(self, ids):
        def value(assignment):
            scores = self.criterion_values.get(assignment.pk, {})
            return next((scores[pk] for pk in ids if pk in scores), None)

        return value

    def get_export_fields(self, selected_fields=None):
        names = list(self._meta.fields)
        at = names.index("total")
        names[at:at] = self.criteria_fields
        return [self.fields[name] for name in names]

    @staticmethod
    def submitted_score(assignment):
        score = score_of(assignment)
        if score is None or not score.is_submitted or assignment.has_conflict:
            return None
        return score

    def dehydrate_total(self, assignment):
        score = self.submitted_score(assignment)
        return score.total if score else ""

    def dehydrate_status(self, assignment):
        if assignment.has_conflict:
            return _("Conflict declared")
        score = score_of(assignment)
        return score.get_status_display() if score else _("Not scored")

    def dehydrate_comment(self, assignment):
        score = self.submitted_score(assignment)
        if score is None or not (self.user and self.user.has_perm(self.comment_permission)):
            return ""
        return score.comment

    def dehydrate_submitted_at(self, assignment):
        score = self.submitted_score(assignment)
        return LocalDateTimeWidget().render(score.submitted_at) if score else ""

    @classmethod
    def filename_parts(cls, params) -> list[str]:
        round_ = round_param(params)
        return [str(round_)] if round_ else []


# -- rankings (export only) ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RankingRow:
    """A line of a round's ranking (`selectors.RankingLine`) with its round, as a row."""

    round: Round
    line: RankingLine

    @property
    def rank(self):
        return self.line.rank

    @property
    def title(self):
        return self.line.project.title

    @property
    def organisation(self):
        return self.line.project.organisation_name

    @property
    def category(self):
        return self.line.project.category

    @property
    def aggregate(self) -> Decimal | None:
        return self.line.aggregate

    @property
    def submitted(self):
        return self.line.submitted

    @property
    def assigned(self):
        return self.line.assigned

    @property
    def conflicts(self):
        return self.line.conflicts

    @property
    def advances(self):
        return self.line.advances


class Rows(list):
    """Rows that are not a queryset, for the export's `queryset.iterator()`."""

    def iterator(self, chunk_size=None):
        return iter(self)


class RankingResource(AcademyResource):
    """排名: a round's ranking as `selectors.round_ranking` computes it (the API's and the
    results page's numbers): rank, project, applicant, score (the round's aggregate), scores
    submitted of judges assigned, conflicts declared, whether it advances."""

    round = column("round", "轮次", round_widget(), readonly=True)
    rank = column("rank", "名次", NumberWidget(), readonly=True)
    title = column("title", "项目", readonly=True)
    organisation = column("organisation", "申报单位", readonly=True)
    category = column("category", "类别", readonly=True)
    aggregate = column("aggregate", "得分", NumberWidget(), readonly=True)
    submitted = column("submitted", "已提交评分", NumberWidget(), readonly=True)
    assigned = column("assigned", "分配评委", NumberWidget(), readonly=True)
    conflicts = column("conflicts", "声明回避", NumberWidget(), readonly=True)
    advances = column("advances", "晋级", BooleanWidget(), readonly=True)

    filename = "排名"

    class Meta(AcademyResource.Meta):
        model = Round
        fields = (
            "round",
            "rank",
            "title",
            "organisation",
            "category",
            "aggregate",
            "submitted",
            "assigned",
            "conflicts",
            "advances",
        )

    @classmethod
    def export_queryset(cls, params):
        """The round's ranking, or every round's in turn."""
        round_ = round_param(params)
        rounds = (
            [round_]
            if round_ is not None
            else Round.objects.select_related("competition").order_by(
                "competition_id", "sort_order", "pk"
            )
        )
        rows = Rows()
        for each in rounds:
            ranking = round_ranking(each)
            rows += [RankingRow(each, line) for line in ranking.lines]
        return rows

    def values(self, row: RankingRow) -> dict:
        """The row's exported values (neutralised) by field name."""
        names = [self.get_field_name(field) for field in self.get_export_fields()]
        return dict(zip(names, self.row_exporter()(row), strict=True))

    @classmethod
    def filename_parts(cls, params) -> list[str]:
        round_ = round_param(params)
        return [str(round_)] if round_ else []


# -- the kinds -----------------------------------------------------------------------------------


def project_kind() -> ImportKind:
    return ImportKind(
        slug="projects",
        label=gettext_lazy("Projects"),
        resource_class=ProjectResource,
        permission="competitions.change_project",
        export_permission="competitions.view_project",
        listing_url_name="wagtailsnippets_competitions_project:list",
    )


def assignment_kind() -> ImportKind:
    return ImportKind(
        slug="assignments",
        label=gettext_lazy("Assignments"),
        resource_class=AssignmentResource,
        permission="competitions.add_assignment",
        export_permission="competitions.view_assignment",
        listing_url_name="wagtailsnippets_competitions_assignment:list",
    )


def score_kind() -> ImportKind:
    return ImportKind(
        slug="scores",
        label=gettext_lazy("Scores"),
        resource_class=ScoreResource,
        permission=VIEW_SCORES,
        export_only=True,
    )


def ranking_kind() -> ImportKind:
    return ImportKind(
        slug="rankings",
        label=gettext_lazy("Rankings"),
        resource_class=RankingResource,
        permission=VIEW_SCORES,
        export_only=True,
    )
