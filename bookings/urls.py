from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("find/", views.lookup_page, name="lookup"),
    path("find/code/", views.resend_code_page, name="resend_code"),
    path("g/<str:token>/", views.group_page, name="group"),
    path("r/<str:token>/", views.registration_page, name="registration"),
    path("r/<str:token>/cancel/", views.cancel_page, name="cancel"),
    path("r/<str:token>/calendar/reset/", views.reset_calendar_page, name="reset_calendar"),
]
