"""python -m tests.helpers.oidc_provider.serve PORT SETUP_JSON: creates the provider's database,
its users and applications (SETUP_JSON: {"users": [{username, password, email, first_name,
last_name}], "applications": [{client_id, client_secret, redirect_uri}]}), then serves on PORT."""

import json
import os
import sys


def main(port: str, setup_path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.helpers.oidc_provider.settings"
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    with open(setup_path) as handle:
        setup = json.load(handle)
    for user in setup["users"]:
        password = user.pop("password")
        created = User.objects.create(**user)
        created.set_password(password)
        created.save()
    for app in setup["applications"]:
        Application.objects.create(
            name=app["client_id"],
            client_id=app["client_id"],
            client_secret=app["client_secret"],
            redirect_uris=app["redirect_uri"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
