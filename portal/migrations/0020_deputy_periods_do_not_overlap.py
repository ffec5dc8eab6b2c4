"""A responder's deputy periods never overlap: besides the service's check
(portal/services/deputies.py), PostgreSQL refuses a second deputy for the same responder at
the same moment, whatever code or console writes it. The constraint lives only in the
database, not in the model's Meta: SQLite, the embedded default, cannot hold it (it would break
every later rebuild of the table there), and there the service's check under its lock suffices.
btree_gist lets the GiST index compare the membership id with `=` beside the range's `&&`; it is
a trusted extension (PostgreSQL 13+), so the database's owner may create it."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


# Half-open, [starts_at, ends_at), as portal.contacts.selectors.covering_now reads a period:
# a cover may start the moment the previous one ends.
CONSTRAINT = ExclusionConstraint(
    name="deputy_periods_do_not_overlap",
    expressions=[
        ("membership", RangeOperators.EQUAL),
        (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
    ],
)


class BtreeGist(BtreeGistExtension):
    """Django's operation skips other databases going forwards but not backwards (it would
    query pg_extension on SQLite): skipped both ways here."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_constraint(apps.get_model("portal", "Deputy"), CONSTRAINT)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_constraint(apps.get_model("portal", "Deputy"), CONSTRAINT)


class Migration(migrations.Migration):
    dependencies = [("portal", "0019_responder_deputies")]

    operations = [
        BtreeGist(),
        migrations.RunPython(add, remove, elidable=False),
    ]
