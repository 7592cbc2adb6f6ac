"""Public URLs of competitions (under /competitions/, in i18n_patterns)."""

from django.urls import path

from . import judging_views, live_views, results_views, views

app_name = "competitions"

urlpatterns = [
    path("p/<str:token>/", views.project_page, name="project"),
    # The judges' pages (signed in on the site's own login page).
    path("judging/", judging_views.home, name="judging"),
    path("judging/<int:pk>/", judging_views.score_page, name="judging_score"),
    path("judging/<int:pk>/conflict/", judging_views.conflict_page, name="judging_conflict"),
    path("judging/rounds/<int:round_id>/", judging_views.round_results, name="judging_round"),
    # The live roadshow's big screen, and the small JSON it polls.
    path("live/<int:round_id>/", live_views.screen, name="live"),
    path("live/<int:round_id>/data.json", live_views.data, name="live_data"),
    # Published results with their public notice (公示), and objections lodged during it.
    path("results/<int:pk>/", results_views.publication, name="results"),
]
