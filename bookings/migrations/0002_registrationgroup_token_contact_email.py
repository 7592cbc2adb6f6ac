"""A private link for each group registration (its page lists every member), and the contact's
optional mail address for its notice. Groups registered before get a token each."""

from django.db import migrations, models

import core.tokens


def give_tokens(apps, schema_editor):
    RegistrationGroup = apps.get_model("bookings", "RegistrationGroup")
    for group in RegistrationGroup.objects.filter(token__isnull=True).only("pk"):
        group.token = core.tokens.new_token()
        group.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="registrationgroup",
            name="contact_email",
            field=models.EmailField(blank=True, max_length=254, verbose_name="contact email"),
        ),
        migrations.AddField(
            model_name="registrationgroup",
            name="token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(give_tokens, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="registrationgroup",
            name="token",
            field=models.CharField(
                default=core.tokens.new_token, editable=False, max_length=64, unique=True
            ),
        ),
    ]
