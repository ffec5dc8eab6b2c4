"""On PostgreSQL the database itself refuses to change or delete an audit event, whatever
code or console issues the statement. The one change allowed is the ON DELETE SET NULL of a
deleted user or organisation (Django runs it as an UPDATE), which only empties actor_id or
organization_id. TRUNCATE (test database flushes) is not a row operation and is unaffected.
SQLite: nothing to do; the model and queryset guards apply there as everywhere."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION portal_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND NEW.id = OLD.id
        AND NEW.action = OLD.action
        AND NEW.target = OLD.target
        AND NEW.data = OLD.data
        AND NEW.created_at = OLD.created_at
        AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
        AND (NEW.organization_id IS NULL OR NEW.organization_id = OLD.organization_id)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'portal_auditevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER portal_auditevent_append_only
    BEFORE UPDATE OR DELETE ON portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION portal_auditevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS portal_auditevent_append_only ON portal_auditevent;
DROP FUNCTION IF EXISTS portal_auditevent_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the "%" in the function is literal

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_webhooks"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD), elidable=False),
    ]
