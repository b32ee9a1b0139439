"""GIN index over the practices' search vector, on PostgreSQL only (as archive 0002 does).

Kept out of the model's Meta: SQLite has no GIN, and a vendor-conditional index in Meta
would make `makemigrations --check` differ by database.
"""

from django.db import migrations

INDEX = "library_version_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON library_practiceversion USING gin (search_vector)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("library", "0001_practices")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
