from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    # Before the serial's pattern, which would not match it anyway (one path segment only).
    path("r/<str:token>/certificate.pdf", views.certificate_download, name="download"),
    path("<str:serial>/", views.certificate_verification, name="verify"),
]
