"""GIN indexes for searching room messages (portal.search.backend), one per text search
configuration the site's languages use, on exactly the expression the search query computes
(to_tsvector(config, COALESCE(body, ''))), so PostgreSQL finds matching messages without reading
every room's. PostgreSQL only: the embedded SQLite default searches with LIKE.
docs/performance.md, "Search"."""

from django.db import migrations

# index name → its definition (bench/search.py drops and re-creates them to measure)
INDEXES = {
    f"incidents_roomitem_body_{config}_search": (
        f"CREATE INDEX IF NOT EXISTS incidents_roomitem_body_{config}_search ON incidents_roomitem "
        f"USING gin (to_tsvector('{config}'::regconfig, COALESCE(body, '')))"
    )
    for config in ("english", "french", "arabic")
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in INDEXES.values():
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0005_action_due_time_and_owner")]

    operations = [migrations.RunPython(create, drop)]
