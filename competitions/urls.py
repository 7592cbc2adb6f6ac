from django.urls import path

from . import views

app_name = "competitions"

urlpatterns = [
    path("p/<str:token>/", views.project_page, name="project"),
]
