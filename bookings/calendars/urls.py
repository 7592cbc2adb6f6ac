from django.urls import path

from . import views as calendar_views

app_name = "calendar"

urlpatterns = [
    path("academy.ics", calendar_views.academy_feed, name="academy"),
    path("cohorts/<int:cohort_id>.ics", calendar_views.cohort_feed, name="cohort"),
    path("bases/<int:page_id>.ics", calendar_views.base_feed, name="base"),
    path("lecturers/<int:page_id>.ics", calendar_views.lecturer_feed, name="lecturer"),
    path("sessions/<uuid:uid>.ics", calendar_views.session_file, name="session"),
    path("r/<str:token>.ics", calendar_views.registration_feed, name="registration"),
]
