"""The academy's roles as Django groups, each with only what its desk needs (issue 9).

- 学院管理员 (academy administrator): every permission of our apps' models, users excepted:
  who may edit users may put themselves in any group, so managing users stays with superusers.
  Pages: add, change, publish, bulk delete, lock and unlock everywhere; every collection.
  Reviewing courses stays the Moderators' task in the course workflow (课程发布审核), so an
  administrator who reviews is also put in Moderators.
- 内容编辑 (content editor): pages (add and change, never publish: the workflows send their
  changes to Moderators), images and documents, topics (add, change), and the districts a base
  page chooses. No registrations, cohorts, organisations or any personal data.
- 教务 (registrar): cohorts, sessions and timetables, registrations (view and change: approve,
  reject, cancel; the notice log follows these), registration groups, and full phone and ID
  numbers (`bookings.view_personal_data`). No pages to edit or publish.
- 评委 (judge), 讲师 (lecturer), 基地联系人 (base contact): admin access only, for now; the
  issues that build their desks give them their views.

The content editor is a new group rather than Wagtail's Editors: the academy names its roles
in Chinese, and Editors and Moderators are Wagtail's own (its migrations create them, later
Wagtail migrations and the course workflow look them up by name), so they stay as Wagtail
made them, with one addition: the snippets a page form chooses (districts, topics), which our
choosers now refuse to anyone who may not view them.

Data, not code of the apps: the permissions are named here so the migration keeps meaning what
it meant when it ran. On a fresh database post_migrate has not yet created the permissions of
the apps migrated in the same run, so they are created first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ACCESS_ADMIN = "wagtailadmin.access_admin"
OUR_APPS = ["academy", "bookings", "courses", "lecturers", "bases", "core"]
ALL_PAGE_PERMISSIONS = ["add", "change", "publish", "bulk_delete", "lock", "unlock"]
ALL_COLLECTION_PERMISSIONS = ["add", "change", "delete", "choose"]
EDITOR_COLLECTION_PERMISSIONS = ["add", "change", "choose"]
# What a page's edit form chooses; Wagtail's Editors and Moderators get it too.
PAGE_FORM_SNIPPETS = ["core.view_district", "core.view_topic"]

ROLES = {
    "学院管理员": {
        "all_of_our_apps": True,
        "pages": ALL_PAGE_PERMISSIONS,
        "collections": ALL_COLLECTION_PERMISSIONS,
    },
    "内容编辑": {
        "permissions": [*PAGE_FORM_SNIPPETS, "core.add_topic", "core.change_topic"],
        "pages": ["add", "change"],
        "collections": EDITOR_COLLECTION_PERMISSIONS,
    },
    "教务": {
        "permissions": [
            "bookings.add_cohort",
            "bookings.change_cohort",
            "bookings.delete_cohort",
            "bookings.view_cohort",
            "bookings.add_session",
            "bookings.change_session",
            "bookings.delete_session",
            "bookings.view_session",
            "bookings.change_registration",
            "bookings.view_registration",
            "bookings.view_personal_data",
            "bookings.change_registrationgroup",
            "bookings.view_registrationgroup",
        ],
    },
    "评委": {},
    "讲师": {},
    "基地联系人": {},
}


def ensure_permissions(apps) -> None:
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def permission(Permission, name: str):
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def create_roles(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    root_page = Page.objects.get(depth=1)
    root_collection = Collection.objects.get(depth=1)

    for name, role in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        names = [ACCESS_ADMIN, *role.get("permissions", [])]
        group.permissions.add(*(permission(Permission, name) for name in names))
        if role.get("all_of_our_apps"):
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label__in=OUR_APPS).exclude(
                    content_type__app_label="core", content_type__model="user"
                )
            )
        for action in role.get("pages", []):
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=root_page,
                permission=permission(Permission, f"wagtailcore.{action}_page"),
            )
        for action in role.get("collections", []):
            for model_name in ("wagtailimages.{}_image", "wagtaildocs.{}_document"):
                GroupCollectionPermission.objects.get_or_create(
                    group=group,
                    collection=root_collection,
                    permission=permission(Permission, model_name.format(action)),
                )

    for group in Group.objects.filter(name__in=["Editors", "Moderators"]):
        group.permissions.add(*(permission(Permission, name) for name in PAGE_FORM_SNIPPETS))


class Migration(migrations.Migration):
    dependencies = [
        ("academy", "0001_initial"),
        ("bookings", "0001_initial"),
        ("courses", "0002_course_workflow"),
        ("lecturers", "0001_initial"),
        ("bases", "0001_initial"),
        ("core", "0003_districts"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    # Forward only: the groups may have members by the time anyone would go back.
    operations = [migrations.RunPython(create_roles)]
