"""Published results (公示): the ranking or the funding list, the public-notice period, and a
form to lodge an objection while it runs."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from core.ratelimit import retry_after

from .forms import ObjectionForm
from .models import Award, ResultPublication
from .selectors import round_ranking
from .services import CompetitionError, lodge_objection
from .views import too_many_objections

TOO_MANY = gettext_lazy(
    "Too many objections from this network or number. Please wait and try again later."
)


def awards(publication):
    return list(
        Award.objects.filter(project__competition=publication.competition)
        .select_related("project")
        .order_by("-amount", "project__title")
    )


@never_cache
def publication(request, pk):
    """The published results of a round (its ranking) or of a competition (its funding), and
    the objection form during the public notice."""
    publication = get_object_or_404(
        ResultPublication.objects.select_related("competition", "round"), pk=pk
    )
    if not publication.competition.live:
        raise Http404
    ranking = round_ranking(publication.round) if publication.round_id else None
    funded = awards(publication) if not publication.round_id else []
    now = timezone.now()
    open_for_objections = publication.in_notice_period(now)
    form = (
        ObjectionForm(request.POST or None, publication=publication)
        if open_for_objections
        else None
    )
    status, wait = 200, 0
    if request.method == "POST":
        if form is None:
            messages.error(request, _("Objections can only be lodged during the public notice."))
            return redirect("competitions:results", pk=publication.pk)
        if wait := too_many_objections(request, request.POST.get("phone", "")):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            try:
                lodge_objection(
                    publication,
                    name=form.cleaned_data["name"],
                    phone=form.cleaned_data["phone"],
                    text=form.cleaned_data["text"],
                    project=form.cleaned_data.get("project"),
                    by=request.user if request.user.is_authenticated else None,
                )
            except CompetitionError as error:
                form.add_error(None, error.message)
                status = 409
            else:
                messages.success(
                    request,
                    _("Your objection has been received. The organisers will reply to you."),
                )
                return redirect("competitions:results", pk=publication.pk)
        else:
            status = 400
    context = {
        "publication": publication,
        "competition": publication.competition,
        "ranking": ranking,
        "awards": funded,
        "awards_total": sum((award.amount for award in funded), 0),
        "open_for_objections": open_for_objections,
        "notice_not_started": now < publication.notice_starts_at,
        "form": form,
    }
    return TemplateResponse(
        request,
        "competitions/results.html",
        context,
        status=status,
        headers=retry_after(wait),
    )
