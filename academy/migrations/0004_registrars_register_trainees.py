"""教务 and 学院管理员 may register a trainee on someone's behalf (issue 10: 代表学员报名).

The staff registration form asks for `bookings.add_registration`; Wagtail's own add view for
registrations stays refused to everybody (`RegistrationPermissionPolicy`), since it would
bypass the seat rules. Forward only, as 0002.
"""

from django.db import migrations

ROLES = ["教务", "学院管理员"]


def grant_add_registration(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    add_registration = Permission.objects.get(
        content_type__app_label="bookings", codename="add_registration"
    )
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(add_registration)


class Migration(migrations.Migration):
    dependencies = [("academy", "0003_wagtail_names_in_chinese")]
    operations = [migrations.RunPython(grant_add_registration)]
