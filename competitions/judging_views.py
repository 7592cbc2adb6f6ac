"""The judges' pages on the site (not the admin: judges have no admin access), phone first.

Every view looks an assignment up among the signed-in judge's own (`selectors.judge_assignment`):
another judge's assignment, a withdrawn one or one in a round being prepared is a 404 like an
id that does not exist, so a judge learns nothing by trying ids. Scores are written only
through the services (`save_draft`, `submit_score`, `declare_conflict`), which check the same
again under a lock. A judge sees only their own scores until the round closes; then the round's
results with every judge's totals (`round_results`).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.locking import LockTimeout

from .models import Assignment, Round, Score
from .selectors import judge_assignment, judge_progress, judge_rounds, round_ranking
from .services import (
    CompetitionError,
    InvalidScore,
    declare_conflict,
    save_draft,
    submit_score,
)

DRAFT, SUBMIT = "draft", "submit"


class ScoreForm(forms.Form):
    """One field per criterion of the round's rubric, and a comment. The values are checked by
    the service (`checked_values`): a draft may leave blanks, a submission may not."""

    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, criteria, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        fields = {}
        for criterion in self.criteria:
            fields[self.field_name(criterion)] = forms.CharField(
                label=criterion.name,
                required=False,
                max_length=8,
                help_text=criterion.description,
                widget=forms.NumberInput(
                    attrs={
                        "min": "0",
                        "max": f"{criterion.maximum.normalize():f}",
                        "step": "0.1",
                        "inputmode": "decimal",
                        "class": "score-input",
                    }
                ),
            )
        # The criteria first, in the rubric's order, then the comment.
        self.fields = fields | {"comment": self.fields["comment"]}

    @staticmethod
    def field_name(criterion) -> str:
        return f"criterion_{criterion.pk}"

    def values(self) -> dict[int, str]:
        return {
            criterion.pk: self.cleaned_data.get(self.field_name(criterion), "")
            for criterion in self.criteria
        }

    def add_service_errors(self, errors: dict) -> None:
        by_pk = {criterion.pk: criterion for criterion in self.criteria}
        for pk, message in errors.items():
            self.add_error(self.field_name(by_pk[int(pk)]), message)

    def rows(self):
        """(criterion, bound field) in the rubric's order, for the template."""
        return [(criterion, self[self.field_name(criterion)]) for criterion in self.criteria]


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why you should not score this project"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "For example: you work for, advise or sit on the board of the organisation."
        ),
    )


def own_assignment(request, pk) -> Assignment:
    try:
        return judge_assignment(request.user, pk)
    except Assignment.DoesNotExist:
        raise Http404 from None


def score_of(assignment: Assignment) -> Score | None:
    try:
        return assignment.score
    except Score.DoesNotExist:
        return None


@require_safe
@never_cache
@login_required
def home(request):
    """The judge's assignments, round by round, with their progress."""
    return TemplateResponse(
        request, "competitions/judging/home.html", {"rounds": judge_progress(request.user)}
    )


@never_cache
@login_required
def score_page(request, pk):
    """The scoring form of one assignment: the rubric with each criterion's description and
    maximum; save a draft or submit. A submitted score is shown read-only."""
    assignment = own_assignment(request, pk)
    round_ = assignment.round
    criteria = list(round_.criteria.all())
    score = score_of(assignment)
    saved = {row.criterion_id: row.value for row in score.values.all()} if score else {}
    editable = round_.is_open and not assignment.has_conflict and not (score and score.is_submitted)
    status = 200
    if request.method == "POST":
        form = ScoreForm(criteria, request.POST)
        action = SUBMIT if request.POST.get("action") == SUBMIT else DRAFT
        if form.is_valid():
            write = submit_score if action == SUBMIT else save_draft
            try:
                write(
                    assignment,
                    values=form.values(),
                    comment=form.cleaned_data["comment"],
                    by=request.user,
                )
            except InvalidScore as error:
                form.add_service_errors(error.errors)
                status = 400
            except (CompetitionError, LockTimeout) as error:
                messages.error(request, error.message)
                return redirect("competitions:judging_score", pk=assignment.pk)
            else:
                messages.success(
                    request,
                    _("Your score is submitted. Thank you.")
                    if action == SUBMIT
                    else _("Draft saved. You can come back and finish it later."),
                )
                return redirect("competitions:judging_score", pk=assignment.pk)
        else:
            status = 400
    else:
        initial = {ScoreForm.field_name(c): saved.get(c.pk, "") for c in criteria}
        initial = {
            name: (f"{value.normalize():f}" if value != "" else "")
            for name, value in initial.items()
        }
        initial["comment"] = score.comment if score else ""
        form = ScoreForm(criteria, initial=initial)
    context = {
        "assignment": assignment,
        "round": round_,
        "project": assignment.project,
        "score": score,
        "form": form,
        "editable": editable,
        "saved": [(criterion, saved.get(criterion.pk)) for criterion in criteria],
        "maximum": sum(c.maximum * c.weight for c in criteria),
        "conflict_form": ConflictForm(),
        "may_declare_conflict": editable,
    }
    return TemplateResponse(request, "competitions/judging/score.html", context, status=status)


@never_cache
@login_required
def conflict_page(request, pk):
    """Declare a conflict of interest (回避) on an assignment: staff see it and reassign."""
    assignment = own_assignment(request, pk)
    form = ConflictForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                declare_conflict(assignment, reason=form.cleaned_data["reason"], by=request.user)
            except (CompetitionError, LockTimeout) as error:
                messages.error(request, error.message)
                return redirect("competitions:judging_score", pk=assignment.pk)
            messages.success(
                request,
                _("Conflict of interest declared. Staff will assign the project to another judge."),
            )
            return redirect("competitions:judging")
        status = 400
    return TemplateResponse(
        request,
        "competitions/judging/conflict.html",
        {"assignment": assignment, "project": assignment.project, "form": form},
        status=status,
    )


@require_safe
@never_cache
@login_required
def round_results(request, round_id):
    """A closed round's results with every judge's totals, for the judges of that round; while
    it is open, only a word that they will be shown when it closes."""
    round_ = get_object_or_404(
        judge_rounds(request.user).exclude(status=Round.Status.DRAFT).select_related("competition"),
        pk=round_id,
    )
    ranking = round_ranking(round_) if round_.is_closed else None
    return TemplateResponse(
        request, "competitions/judging/round.html", {"round": round_, "ranking": ranking}
    )
