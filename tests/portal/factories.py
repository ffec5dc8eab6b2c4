"""Factories for the registry. Prefer building state through services in
tests of behaviour; these make the background rows."""

import factory
from allauth.account.models import EmailAddress
from django.utils.text import slugify

from portal.models import Membership, Organization, OrganizationKind, Role, Standing, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """A verified primary address unless `verified=False` is passed."""
        if create:
            obj.save()
            if extracted is not False:
                EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class SecretariatFactory(UserFactory):
    """A secretariat member who has set up two-factor, as the site requires before any write
    (`totp=False` for one who has not). The TOTP secret is kept on `totp_secret` for tests
    that type a code."""

    is_secretariat = True

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        obj.totp_secret = make_totp(obj) if create and extracted is not False else None


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = OrganizationKind.PROVIDER
    country = "NZ"
    standing = Standing.SUPPORTER


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.MEMBER

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        # `role=` gives one role (most tests), `roles=[...]` several.
        if "roles" in kwargs:
            kwargs.pop("role", None)
        return kwargs


def make_totp(user):
    """Give a user a TOTP authenticator, as if they had set up two-factor. Returns the secret.
    Setting it up proves its code, so this user object counts as signed in with it from now on
    (portal.second_factor.note), as a session is where the set-up happens: a service called
    with it acts as that user's request would. Test clients' sessions are tests.helpers.two_factor's."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from portal import second_factor

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    second_factor.note(user, passed=True)
    return secret
