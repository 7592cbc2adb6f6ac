from django.urls import path

from . import views

app_name = "attendance"

urlpatterns = [
    path("self/<str:code>/", views.self_check_in, name="self_check_in"),
]
