"""GIN index over the archive's search vector, on PostgreSQL only.

Kept out of the model's Meta on purpose: SQLite has no GIN, and a vendor-
conditional index in Meta would make `makemigrations --check` differ by
database. The index name is fixed so the reverse step can drop it.
"""

from django.db import migrations

INDEX = "archive_idea_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON archive_archivedidea USING gin (search_vector)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_archive_records")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
