"""Public views of competitions: the submission form on a competition's page, and the
organisation's private page (status, changes until the deadline). Judges' pages, the live
screen and the results page are in their own modules."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from core.locking import LockTimeout
from core.ratelimit import retry_after, too_many_attempts

from .forms import EditProjectForm, SubmitProjectForm
from .models import Project
from .services import CompetitionError, submit_project, update_project

TOO_MANY = gettext_lazy("Too many attempts from this network or number. Please wait a few minutes.")


def add_refusal(form, error) -> None:
    """A service's refusal on the form: a field's where it names one."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    else:
        form.add_error(None, error.message)


@never_cache
def submit_page(request, competition):
    """An organisation submits a project while submissions are open; then its private page."""
    form = SubmitProjectForm(request.POST or None, request.FILES or None, competition=competition)
    status, wait = 200, 0
    is_open = competition.accepts_submissions()
    if request.method == "POST":
        if wait := too_many_attempts(
            request, group="competition_submit", phone=request.POST.get("contact_phone", "")
        ):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            try:
                project = submit_project(
                    competition,
                    details=form.details(),
                    attachments=form.cleaned_data["attachments"],
                )
            except (CompetitionError, ValidationError, LockTimeout) as error:
                add_refusal(form, error)
                status = 409 if isinstance(error, CompetitionError) else 400
            else:
                messages.success(
                    request,
                    _(
                        "Your project has been received. Keep this page's address: it is your "
                        "private link (we have also sent it by SMS and mail)."
                    ),
                )
                return redirect(project.get_absolute_url())
        else:
            status = 400
    context = {"page": competition, "self": competition, "form": form, "is_open": is_open}
    return TemplateResponse(
        request,
        "competitions/submit_page.html",
        context,
        status=status,
        headers=retry_after(wait),
    )


@never_cache
def project_page(request, token: str):
    """The organisation's private page: the project's status and, until submissions close and
    while staff have not reviewed it, the form to change it."""
    project = get_object_or_404(
        Project.objects.select_related("competition", "category"), token=token
    )
    competition = project.competition
    editable = project.can_be_edited()
    form, status = None, 200
    if editable:
        form = EditProjectForm(
            request.POST or None, request.FILES or None, instance=project, competition=competition
        )
        if request.method == "POST":
            if form.is_valid():
                try:
                    update_project(
                        project,
                        details=form.details(),
                        attachments=form.cleaned_data["attachments"],
                        remove_attachments=[
                            attachment.pk
                            for attachment in form.cleaned_data.get("remove_attachments", [])
                        ],
                    )
                except (CompetitionError, ValidationError, LockTimeout) as error:
                    add_refusal(form, error)
                    status = 409 if isinstance(error, CompetitionError) else 400
                else:
                    messages.success(request, _("Your changes have been saved."))
                    return redirect(project.get_absolute_url())
            else:
                status = 400
    elif request.method == "POST":
        messages.error(
            request,
            _("This project can no longer be changed."),
        )
        return redirect(project.get_absolute_url())
    project.refresh_from_db()
    context = {
        "project": project,
        "competition": competition,
        "attachments": project.attachments.all(),
        "form": form,
        "editable": editable,
        "max_attachments": settings.COMPETITIONS_MAX_ATTACHMENTS,
    }
    response = TemplateResponse(request, "competitions/project_page.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


def too_many_objections(request, phone: str) -> int:
    """Count an objection against the client address's and the mobile number's budgets (the
    competition's rates): the seconds to wait once one is spent, else 0. For the results
    page's objection form."""
    return too_many_attempts(
        request,
        group="competition_objection",
        phone=phone,
        phone_rate=settings.COMPETITIONS_OBJECTION_RATE_PER_PHONE,
        ip_rate=settings.COMPETITIONS_OBJECTION_RATE_PER_IP,
    )
