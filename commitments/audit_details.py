"""How commitments' events read in the registry's audit log (portal.audit_details): their
names and details in the reader's language, registered in CommitmentsConfig.ready (portal
imports no app). The commitment's code or the update is the event's target."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit_details import choice_word, register_details
from portal.audit_log import register_action

from .models import Commitment, ProgressStatus, ProgressUpdate

ACTION_NAMES = {
    "commitment.created": gettext_lazy("Commitment added"),
    "commitment.revised": gettext_lazy("Commitment reworded"),
    "commitment.updated": gettext_lazy("Commitment changed"),
    "commitment.retired": gettext_lazy("Commitment retired"),
    "commitment.reinstated": gettext_lazy("Commitment reinstated"),
    "progress.recorded": gettext_lazy("Progress reported"),
    "progress.edited": gettext_lazy("Progress update edited"),
    "progress.withdrawn": gettext_lazy("Progress update withdrawn"),
    "progress.accepted": gettext_lazy("Progress update accepted"),
    "progress.returned": gettext_lazy("Progress update sent back"),
    "annotation.created": gettext_lazy("Annotation written"),
    "annotation.hidden": gettext_lazy("Annotation hidden"),
    "annotation.restored": gettext_lazy("Annotation restored"),
    "transparency.created": gettext_lazy("Transparency report started"),
    "transparency.updated": gettext_lazy("Transparency report changed"),
    "transparency.published": gettext_lazy("Transparency report published"),
}


def _status(data, names):
    if "status" not in data:
        return []
    return [_("status: %(status)s") % {"status": choice_word(ProgressStatus)(data["status"])}]


def register_audit_details() -> None:
    for action, name in ACTION_NAMES.items():
        register_action(action, name)
    register_details("progress.recorded", _status, says=("status",))
    register_details("progress.edited", fields_of=ProgressUpdate)
    register_details("commitment.updated", fields_of=Commitment)
