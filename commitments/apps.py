from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = _("Commitments and progress")

    def ready(self):
        from portal.signals import standing_changed

        from .receivers import create_implementations_for_new_supporter

        standing_changed.connect(create_implementations_for_new_supporter, dispatch_uid="commitments.implementations")
        from .digest import register_digest_sections  # the progress sections of the portal's digest

        register_digest_sections()
        from .calendar import register_calendar  # the reporting deadlines of the portal's calendar feed

        register_calendar()
        from .cache import connect_catalogue_receivers  # cached pages follow catalogue edits

        connect_catalogue_receivers()
        from .search import register_search  # the catalogue, progress and reports in the portal's search

        register_search()
        from .audit_details import register_audit_details  # its events named and said in the audit log

        register_audit_details()

    def seed_demo(self, stdout):
        from .demo import seed_demo

        seed_demo(stdout)

    def personal_data(self, user):
        from .personal_data import personal_data

        return personal_data(user)
