"""Competitions' staff and judges (issue 12).

- 学院管理员 and 教务 run competitions: every permission of the competitions app (projects and
  their eligibility review, rounds and rubrics, assignments, scores and reopening them, awards,
  published results, objections, judges' profiles, categories). Competition pages are pages:
  学院管理员 publishes them with the page permissions it already holds.
- 评委 (judges) lose admin access: they score on the site's own pages (/competitions/judging/),
  never in the Wagtail admin.

Forward only, as 0002.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF = ["学院管理员", "教务"]
JUDGES = "评委"


def grant(apps, schema_editor):
    app_config = apps.get_app_config("competitions")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    competitions = Permission.objects.filter(content_type__app_label="competitions")
    for group in Group.objects.filter(name__in=STAFF):
        group.permissions.add(*competitions)
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    for group in Group.objects.filter(name=JUDGES):
        group.permissions.remove(access_admin)


class Migration(migrations.Migration):
    dependencies = [
        ("academy", "0006_certificate_permissions"),
        ("competitions", "0001_initial"),
    ]
    operations = [migrations.RunPython(grant)]
