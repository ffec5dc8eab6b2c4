"""One language per user (#15): a digest language chosen apart from the account's becomes the
account's language where the account had none, then the digest's own setting goes."""

from django.db import migrations


def copy_digest_language(apps, schema_editor):
    DigestPreference = apps.get_model("portal", "DigestPreference")
    User = apps.get_model("portal", "User")
    for user_id, language in (
        DigestPreference.objects.exclude(language="").filter(user__language="").values_list("user_id", "language")
    ):
        User.objects.filter(pk=user_id).update(language=language)


class Migration(migrations.Migration):
    dependencies = [("portal", "0007_user_profile")]

    operations = [
        migrations.RunPython(copy_digest_language, migrations.RunPython.noop),
        migrations.RemoveField(model_name="digestpreference", name="language"),
    ]
