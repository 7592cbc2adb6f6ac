"""Staff's view of a round's results in the admin, its xlsx exports, and the dashboard's
judging-progress panel. All need `competitions.view_score` (every judge's scores)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.dashboard import COMPETITIONS_ORDER, DashboardPanel

from .exports import XLSX, funding_workbook, ranking_workbook, score_sheets_workbook
from .models import CompetitionPage, Round
from .selectors import open_rounds_progress, round_ranking, round_with_rubric

VIEW_SCORES = "competitions.view_score"


def check_sees_scores(user) -> None:
    if not user.has_perm(VIEW_SCORES):
        raise PermissionDenied


def get_round(pk) -> Round:
    try:
        return round_with_rubric(pk)
    except Round.DoesNotExist:
        raise Http404 from None


class RoundResultsView(WagtailAdminTemplateMixin, TemplateView):
    """A round's results for staff: per-judge totals, the aggregate, rank, who advances,
    scoring progress, and the judges' consistency report; links to the exports."""

    page_title = gettext_lazy("Round results")
    header_icon = "list-ol"
    template_name = "competitions/admin/round_results.html"

    def dispatch(self, request, *args, **kwargs):
        check_sees_scores(request.user)
        self.round = get_round(kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.round)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": str(self.round)}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ranking = round_ranking(self.round)
        names = ranking.judge_names
        context.update(
            round=self.round,
            ranking=ranking,
            consistency=[
                (names.get(line.judge, line.judge), line) for line in ranking.consistency.judges
            ],
            ranking_url=reverse("competitions_results:ranking_xlsx", args=[self.round.pk]),
            sheets_url=reverse("competitions_results:score_sheets_xlsx", args=[self.round.pk]),
            rankings_url=kind_export_url("rankings", self.round),
            scores_url=kind_export_url("scores", self.round),
            funding_url=reverse(
                "competitions_results:funding_xlsx", args=[self.round.competition_id]
            ),
            live_url=(
                reverse("competitions:live", kwargs={"round_id": self.round.pk})
                if self.round.is_live
                else None
            ),
        )
        return context


def kind_export_url(kind: str, round_: Round) -> str:
    """The round's table of a spreadsheet kind (`competitions.resources`), as Excel."""
    url = reverse("core_imports:export", args=[kind, "xlsx"])
    return url + "?" + urlencode({"round": round_.pk})


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def ranking_xlsx(request, pk):
    check_sees_scores(request.user)
    round_ = get_round(pk)
    return xlsx_response(ranking_workbook(round_ranking(round_)), f"ranking-round-{pk}.xlsx")


def score_sheets_xlsx(request, pk):
    check_sees_scores(request.user)
    round_ = get_round(pk)
    return xlsx_response(score_sheets_workbook(round_), f"score-sheets-round-{pk}.xlsx")


def funding_xlsx(request, pk):
    check_sees_scores(request.user)
    competition = get_object_or_404(CompetitionPage, pk=pk)
    return xlsx_response(funding_workbook(competition), f"funding-{pk}.xlsx")


def admin_urls():
    """Under /admin/competitions/results/ (wagtail_hooks' register_admin_urls)."""
    return [
        path("rounds/<int:pk>/", RoundResultsView.as_view(), name="round"),
        path("rounds/<int:pk>/ranking.xlsx", ranking_xlsx, name="ranking_xlsx"),
        path("rounds/<int:pk>/score-sheets.xlsx", score_sheets_xlsx, name="score_sheets_xlsx"),
        path("competitions/<int:pk>/funding.xlsx", funding_xlsx, name="funding_xlsx"),
    ]


def round_results_url(round_: Round) -> str:
    return reverse("competitions_results:round", args=[round_.pk])


class JudgingProgressPanel(DashboardPanel):
    """Judging progress of every open round: scores submitted of assigned, judges with work
    left, conflicts waiting for reassignment (2 queries)."""

    name = "judging_progress"
    order = COMPETITIONS_ORDER
    permission = VIEW_SCORES
    template_name = "competitions/admin/dashboard/judging_progress.html"

    def get_context_data(self, parent_context):
        rounds = open_rounds_progress()
        for progress in rounds:
            progress.results_url = round_results_url(progress.round)
        return {"rounds": rounds}
