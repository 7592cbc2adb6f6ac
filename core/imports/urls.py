from django.urls import path

from . import views

app_name = "core_imports"
urlpatterns = [
    path("record/<int:pk>/", views.ImportRecordView.as_view(), name="record"),
    path("record/<int:pk>/file/", views.record_file, name="file"),
    path("<slug:kind>/", views.ImportUploadView.as_view(), name="upload"),
    path("<slug:kind>/template/", views.template_download, name="template"),
    path("<slug:kind>/export/<str:fmt>/", views.export, name="export"),
]
