"""Every existing membership, invitation and sign-on default keeps its role: the single role
becomes the matching flag (and back)."""

from django.db import migrations

FIELDS = {"admin": "is_admin", "reporter": "is_reporter", "responder": "is_responder"}
# (model, its single-role column)
MODELS = (("membership", "role"), ("invitation", "role"), ("organizationidentityprovider", "default_role"))


def copy_role_to_flags(apps, schema_editor):
    for model_name, column in MODELS:
        model = apps.get_model("portal", model_name)
        for role, flag in FIELDS.items():
            model.objects.filter(**{column: role}).update(**{flag: True})


def copy_flags_to_role(apps, schema_editor):
    # Back to one role: the first held in the order admin, reporter, responder; else member.
    for model_name, column in MODELS:
        model = apps.get_model("portal", model_name)
        model.objects.update(**{column: "member"})
        for role, flag in reversed(FIELDS.items()):
            model.objects.filter(**{flag: True}).update(**{column: role})


class Migration(migrations.Migration):
    dependencies = [("portal", "0016_memberships_hold_several_roles")]

    operations = [migrations.RunPython(copy_role_to_flags, copy_flags_to_role)]
