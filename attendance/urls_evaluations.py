from django.urls import path

from . import views_evaluations

app_name = "evaluation"

urlpatterns = [
    path(
        "r/<str:token>/sessions/<int:session_id>/",
        views_evaluations.rate_session,
        name="rate",
    ),
]
