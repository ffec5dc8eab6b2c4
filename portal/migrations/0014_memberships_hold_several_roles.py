"""Each membership, invitation and sign-on default holds a set of roles (one boolean per role)
instead of one role; every existing row keeps the role it had."""

from django.db import migrations, models

FIELDS = {"admin": "is_admin", "reporter": "is_reporter", "responder": "is_responder"}
# (model, the old single-role column)
MODELS = (("membership", "role"), ("invitation", "role"), ("organizationidentityprovider", "default_role"))


def copy_role_to_flags(apps, schema_editor):
    for model_name, column in MODELS:
        model = apps.get_model("portal", model_name)
        for role, flag in FIELDS.items():
            model.objects.filter(**{column: role}).update(**{flag: True})


def copy_flags_to_role(apps, schema_editor):
    # Back to one role: the first held in the old order (admin, reporter, responder), else member.
    for model_name, column in MODELS:
        model = apps.get_model("portal", model_name)
        model.objects.update(**{column: "member"})
        for role, flag in reversed(FIELDS.items()):
            model.objects.filter(**{flag: True}).update(**{column: role})


class Migration(migrations.Migration):
    dependencies = [("portal", "0013_notification_stream")]

    operations = [
        *(
            migrations.AddField(
                model_name=model_name, name=name, field=models.BooleanField(default=False, verbose_name=role)
            )
            for model_name, _column in MODELS
            for role, name in FIELDS.items()
        ),
        migrations.RunPython(copy_role_to_flags, copy_flags_to_role),
        migrations.RemoveConstraint(model_name="membership", name="membership_role_valid"),
        *(migrations.RemoveField(model_name=model_name, name=column) for model_name, column in MODELS),
    ]
