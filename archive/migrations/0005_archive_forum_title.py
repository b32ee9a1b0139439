"""The forum's title frozen with the archive, so the list shows the name the record was made under
(and `verify_archive` can compare it with the snapshot)."""

import json

from django.db import migrations, models


def fill_forum_titles(apps, schema_editor):
    SessionArchive = apps.get_model("archive", "SessionArchive")
    for archive in SessionArchive.objects.exclude(forum=None).only("id", "snapshot").iterator(chunk_size=100):
        forum = json.loads(archive.snapshot).get("forum") or {}
        SessionArchive.objects.filter(pk=archive.pk).update(forum_title=forum.get("title") or "")


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0004_addenda_head"),
    ]

    operations = [
        migrations.AddField(
            model_name="sessionarchive",
            name="forum_title",
            field=models.CharField(blank=True, max_length=200, verbose_name="forum title"),
        ),
        migrations.RunPython(fill_forum_titles, migrations.RunPython.noop),
    ]
