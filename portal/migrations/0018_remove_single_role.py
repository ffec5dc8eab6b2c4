"""The single-role columns, replaced by the role flags of 0014 (filled by 0015)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("portal", "0017_copy_single_role_to_flags")]

    operations = [
        migrations.RemoveConstraint(model_name="membership", name="membership_role_valid"),
        migrations.RemoveField(model_name="membership", name="role"),
        migrations.RemoveField(model_name="invitation", name="role"),
        migrations.RemoveField(model_name="organizationidentityprovider", name="default_role"),
    ]
