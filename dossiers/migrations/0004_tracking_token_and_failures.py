"""Public tracking (issue 12.7, 11.8): a random token per dossier for the receipt's QR code, the
per-client wrong-answer log, and an index for codes typed in any letter case."""

import secrets

import django.db.models.functions.text
from django.db import migrations, models

import dossiers.models


def give_every_dossier_a_token(apps, schema_editor):
    Dossier = apps.get_model("dossiers", "Dossier")
    batch = []
    for dossier in Dossier.objects.filter(tracking_token="").only("pk").iterator(chunk_size=2000):
        dossier.tracking_token = secrets.token_urlsafe(16)
        batch.append(dossier)
        if len(batch) >= 2000:
            Dossier.objects.bulk_update(batch, ["tracking_token"])
            batch = []
    if batch:
        Dossier.objects.bulk_update(batch, ["tracking_token"])


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0003_queue_partial_indexes")]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="tracking_token",
            field=models.CharField(default="", editable=False, max_length=32),
            preserve_default=False,
        ),
        migrations.RunPython(give_every_dossier_a_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="dossier",
            name="tracking_token",
            field=models.CharField(default=dossiers.models.new_tracking_token, editable=False, max_length=32),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(django.db.models.functions.text.Upper("code"), name="dossier_code_upper"),
        ),
        migrations.CreateModel(
            name="TrackingFailure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("client", models.CharField(max_length=40)),
                ("at", models.DateTimeField()),
            ],
            options={"indexes": [models.Index(fields=["client", "at"], name="tracking_failure_client")]},
        ),
    ]
