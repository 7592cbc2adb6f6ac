"""教务 and 学院管理员 take attendance (issue 11): scan codes at the door through the scanner and
its API, mark the roster, see the attendance listing.

学院管理员 gets every permission of the attendance app's models, as 0002 gave it every one of
the apps that existed then; 教务 gets taking attendance and viewing it.
Attendance is added and changed only through `attendance.services` (the roster, the API), so
no one gets to add or delete it in the admin. Forward only, as 0002.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REGISTRAR = ["take_attendance", "view_attendance"]


def grant_take_attendance(apps, schema_editor):
    # On a fresh database post_migrate has not yet made the attendance app's permissions.
    app_config = apps.get_app_config("attendance")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    attendance = Permission.objects.filter(content_type__app_label="attendance")
    for group in Group.objects.filter(name="学院管理员"):
        group.permissions.add(*attendance)
    for group in Group.objects.filter(name="教务"):
        group.permissions.add(*attendance.filter(codename__in=REGISTRAR))


class Migration(migrations.Migration):
    dependencies = [
        ("academy", "0004_registrars_register_trainees"),
        ("attendance", "0002_checkin_take_attendance"),
    ]
    operations = [migrations.RunPython(grant_take_attendance)]
