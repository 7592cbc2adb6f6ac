from django.db import migrations

DISTRICTS = [
    ("芝罘区", "zhifu"),
    ("福山区", "fushan"),
    ("牟平区", "muping"),
    ("莱山区", "laishan"),
    ("蓬莱区", "penglai"),
    ("龙口市", "longkou"),
    ("莱阳市", "laiyang"),
    ("莱州市", "laizhou"),
    ("招远市", "zhaoyuan"),
    ("栖霞市", "qixia"),
    ("海阳市", "haiyang"),
    ("长岛综合试验区", "changdao"),
    ("烟台经济技术开发区", "kaifaqu"),
    ("烟台高新技术产业开发区", "gaoxinqu"),
    ("昆嵛山保护区", "kunyushan"),
]


def add_districts(apps, schema_editor):
    District = apps.get_model("core", "District")
    for order, (name, slug) in enumerate(DISTRICTS, start=1):
        District.objects.update_or_create(slug=slug, defaults={"name": name, "sort_order": order})


def remove_districts(apps, schema_editor):
    apps.get_model("core", "District").objects.filter(
        slug__in=[slug for _, slug in DISTRICTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_pages")]
    operations = [migrations.RunPython(add_districts, remove_districts)]
