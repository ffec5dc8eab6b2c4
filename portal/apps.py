from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Signatory registry")

    def ready(self):
        # Receivers of allauth's and Django's sign-in signals.
        from . import second_factor, session_policy, time_zones  # noqa: F401
        from .notifications import receivers  # noqa: F401 - ended credentials close notification streams

        # Cached fragments of the directory and profiles follow every write to the registry.
        from .page_cache import connect_registry_receivers
        from .sso import sign_in  # noqa: F401  (single sign-on's sign-in signal)

        connect_registry_receivers()
        from .search.organizations import register_search  # organisations, beside the other apps' kinds

        register_search()
        from django.db.models.signals import post_migrate

        from .search.sqlite_fts import install_indexes  # SQLite's search indexes, after every migrate

        post_migrate.connect(install_indexes, sender=self, dispatch_uid="portal.search.sqlite_fts")
        from .audit_details import register_registry_details  # the registry's audit details in words

        register_registry_details()
