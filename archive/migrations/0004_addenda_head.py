"""The head of each archive's addendum chain (count and last hash), so dropping the newest
addendum is caught by `verify_archive` like any other change."""

from django.db import migrations, models


def fill_heads(apps, schema_editor):
    """Existing chains are taken as they stand today: their heads start from here."""
    SessionArchive = apps.get_model("archive", "SessionArchive")
    ArchiveAddendum = apps.get_model("archive", "ArchiveAddendum")
    archive_ids = ArchiveAddendum.objects.values_list("archive_id", flat=True).distinct()
    for archive_id in archive_ids:
        addenda = ArchiveAddendum.objects.filter(archive_id=archive_id).order_by("-created_at", "-id")
        SessionArchive.objects.filter(pk=archive_id).update(
            addenda_count=addenda.count(), addenda_sha256=addenda.values_list("sha256", flat=True)[0]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0003_archive_folded_filters"),
    ]

    operations = [
        migrations.AddField(
            model_name="sessionarchive",
            name="addenda_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="addenda"),
        ),
        migrations.AddField(
            model_name="sessionarchive",
            name="addenda_sha256",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="SHA-256 of the last addendum"
            ),
        ),
        migrations.RunPython(fill_heads, migrations.RunPython.noop),
    ]
