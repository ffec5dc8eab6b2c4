"""A GIN index over each PDQ hash's 16 tagged 16-bit chunks (incidents.selectors.pdq_index),
so a near-match query looks up a few hundred chunk values instead of computing the distance to
every stored hash. PostgreSQL only: SQLite, the embedded default, compares in Python."""

from django.db import migrations

NAME = "incidents_indicator_pdq_chunks"
# The same text as pdq_index.chunks_expression() (tests/incidents/test_pdq_index.py).
EXPRESSION = "ARRAY[" + ", ".join(
    f"(((pdq_{position // 4} >> {(3 - position % 4) * 16}) & 65535) + {position * 65536})::integer"
    for position in range(16)
) + "]"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON incidents_indicator USING gin (({EXPRESSION}))"
            " WHERE pdq_0 IS NOT NULL"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0007_room_item_event_params")]

    operations = [migrations.RunPython(create, drop)]
