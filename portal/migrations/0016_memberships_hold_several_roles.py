"""Each membership, invitation and sign-on default holds a set of roles: one boolean per role.
0015 copies the single role into them, 0016 drops it; apart, because on PostgreSQL a table whose
rows were just updated cannot be altered in the same transaction (either direction)."""

from django.db import migrations, models

FIELDS = {"admin": "is_admin", "reporter": "is_reporter", "responder": "is_responder"}
MODELS = ("membership", "invitation", "organizationidentityprovider")


class Migration(migrations.Migration):
    dependencies = [("portal", "0015_user_time_zone")]

    operations = [
        migrations.AddField(model_name=model_name, name=name, field=models.BooleanField(default=False, verbose_name=role))
        for model_name in MODELS
        for role, name in FIELDS.items()
    ]
