"""教务 and 学院管理员 see the study-hours ledger and completion, and issue and revoke completion
certificates (issue 11).

- `attendance.view_attendance`: the study-hours ledger (学时台账) and who meets a cohort's rule;
- `attendance.view_certificate`: the certificates listing and each certificate;
- `attendance.issue_certificate`: 颁发结业证书 and revoking one.

Nobody adds, edits or deletes a certificate in the admin: they change only through
`attendance.results.services`. Forward only, as 0002. On a fresh database post_migrate has
not yet created the new model's permissions, so they are created first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["教务", "学院管理员"]
PERMISSIONS = ["view_attendance", "view_certificate", "issue_certificate"]


def grant_certificate_permissions(apps, schema_editor):
    app_config = apps.get_app_config("attendance")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="attendance", codename__in=PERMISSIONS
    )
    assert permissions.count() == len(PERMISSIONS)
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("academy", "0005_checkin_take_attendance"),
        ("attendance", "0003_certificates"),
    ]
    operations = [migrations.RunPython(grant_certificate_permissions)]
