"""The trainee's evaluation form (评教), reached from their private page by its token."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from bookings.models import Registration, Session

from .models import Evaluation
from .services_evaluations import (
    AlreadyEvaluated,
    EvaluationError,
    NotAttended,
    Scores,
    evaluate,
    may_evaluate,
    sessions_to_evaluate,
)

SCORE_HELP = gettext_lazy("1 is the lowest, 5 the highest.")


def score_field(label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=SCORE_HELP,
        error_messages={"required": gettext_lazy("Please choose a score from 1 to 5.")},
    )


class EvaluationForm(forms.Form):
    content = score_field(gettext_lazy("Content of the session"))
    delivery = score_field(gettext_lazy("The lecturer's delivery"))
    usefulness = score_field(gettext_lazy("Usefulness for your work"))
    organisation = score_field(gettext_lazy("Organisation and service"))
    comment = forms.CharField(
        label=gettext_lazy("Comments and suggestions"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Optional, at most 500 characters. Only the academy's staff and the lecturer read it."
        ),
    )

    def scores(self) -> Scores:
        return Scores(**self.cleaned_data)


@never_cache
def rate_session(request, token: str, session_id: int):
    """Rate one attended session: the form, then back to the private page."""
    registration = get_object_or_404(
        Registration.objects.select_related("cohort__programme"), token=token
    )
    session = get_object_or_404(
        Session.objects.filter(cohort=registration.cohort_id)
        .select_related("course", "base")
        .prefetch_related("lecturers"),
        pk=session_id,
    )
    back = redirect(registration.get_absolute_url() + "#registration-evaluations")
    if Evaluation.objects.filter(registration=registration, session=session).exists():
        messages.info(request, AlreadyEvaluated.default_message)
        return back
    if not may_evaluate(registration, session):
        messages.error(request, NotAttended.default_message)
        return back
    form = EvaluationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                evaluate(registration, session, scores=form.scores())
            except EvaluationError as error:
                messages.info(request, error.message)
            else:
                messages.success(
                    request, _("Thank you for rating %(session)s.") % {"session": session}
                )
            return back
        status = 400
    context = {"registration": registration, "session": session, "form": form}
    response = TemplateResponse(request, "attendance/evaluation_form.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


def registration_section(request, registration) -> str:
    """The private page's part: the attended sessions still to rate, each with its form's
    link (the private token in the URL, never the phone). Nothing before a first attendance."""
    sessions = sessions_to_evaluate(registration)
    rated = registration.evaluations.count()
    if not sessions and not rated:
        return ""
    context = {"registration": registration, "sessions": sessions, "rated": rated}
    return render_to_string(
        "attendance/includes/evaluations_section.html", context, request=request
    )


def summary_section(request, evaluations, *, heading_id: str) -> str:
    """Averages of `evaluations` for a public page, only from PUBLIC_MINIMUM answers up."""
    summary = evaluations.public_summary()
    if summary is None:
        return ""
    context = {"summary": summary, "heading_id": heading_id}
    return render_to_string("attendance/includes/evaluation_summary.html", context, request=request)


def lecturer_section(request, page) -> str:
    taught = Session.objects.filter(lecturers=page).values("pk")
    return summary_section(
        request, Evaluation.objects.filter(session__in=taught), heading_id="lecturer-ratings"
    )


def course_section(request, page) -> str:
    return summary_section(
        request, Evaluation.objects.filter(session__course=page), heading_id="course-ratings"
    )
