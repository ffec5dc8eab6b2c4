"""Audit events keep their actor's id (actor_ref) when the account is deleted, so the log says
"deleted user #123" rather than nobody (#14 data rights). Existing rows are filled from actor_id
(the append-only trigger of 0004 does not look at the new column yet), then the trigger is
replaced by one that refuses any change to actor_ref too."""

from django.db import migrations, models

FILL = "UPDATE portal_auditevent SET actor_ref = actor_id WHERE actor_id IS NOT NULL"

TRIGGER = """
CREATE OR REPLACE FUNCTION portal_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND NEW.id = OLD.id
        AND NEW.action = OLD.action
        AND NEW.target = OLD.target
        AND NEW.data = OLD.data
        AND NEW.created_at = OLD.created_at
        AND NEW.actor_ref IS NOT DISTINCT FROM OLD.actor_ref
        AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
        AND (NEW.organization_id IS NULL OR NEW.organization_id = OLD.organization_id)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'portal_auditevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def fill_and_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL, params=None)
        schema_editor.execute(TRIGGER, params=None)
    else:  # SQLite has no trigger; the queryset guard refuses updates, so go through the table
        schema_editor.execute(FILL)


class Migration(migrations.Migration):
    dependencies = [("portal", "0009_organization_identity_provider")]

    operations = [
        migrations.AddField(
            model_name="auditevent", name="actor_ref", field=models.PositiveIntegerField(blank=True, null=True)
        ),
        migrations.RunPython(fill_and_guard, migrations.RunPython.noop),
    ]
