"""Wagtail's migrations name some rows in English, which the admin shows as they are (issue 10):
the root page and the root collection ("Root", in the explorer's breadcrumbs and the
collection filters), the default workflow and its task
("Moderators approval", on the editor's "提交给…" button and in the reports), and the welcome
page a new site starts with. They get Chinese names; rows an editor renamed are left alone."""

from django.db import migrations

RENAMES = [
    ("wagtailcore", "Page", {"depth": 1}, "Root", "根目录"),
    ("wagtailcore", "Page", {"depth": 2}, "Welcome to your new Wagtail site!", "欢迎页"),
    ("wagtailcore", "Workflow", {}, "Moderators approval", "页面发布审核"),
    ("wagtailcore", "Task", {}, "Moderators approval", "审核员审核"),
    ("wagtailcore", "Collection", {"depth": 1}, "Root", "全部集合"),
]


def rename(apps, *, forwards: bool):
    for app_label, model_name, where, english, chinese in RENAMES:
        old, new = (english, chinese) if forwards else (chinese, english)
        model = apps.get_model(app_label, model_name)
        field = "title" if model_name == "Page" else "name"
        rows = model.objects.filter(**where, **{field: old})
        if model_name == "Page":
            rows.filter(draft_title=old).update(draft_title=new)
        rows.update(**{field: new})


class Migration(migrations.Migration):
    dependencies = [
        ("academy", "0002_roles"),
        ("wagtailcore", "0098_apitoken"),
    ]
    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: rename(apps, forwards=True),
            lambda apps, schema_editor: rename(apps, forwards=False),
        )
    ]
