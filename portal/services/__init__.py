"""Every write to the registry. Each service validates, owns its transaction,
records an audit event and queues its emails after the transaction commits.

Callers authorise first (see permissions.py); services re-check the rules that
depend on the state they lock (the last admin, a pending application).

One module per topic; `from portal import services` then `services.<name>` reaches
every public name of them:
- audit.py: record_audit, the audit log's one writer (the other apps' services use it too), and
  actor_or_none, the user to store as who did something;
- organizations.py: creating and changing organisations, their standing;
- applications.py: applying, asking to join, approving and rejecting;
- memberships.py: a member's role, removing a member;
- invitations.py: inviting by email, the signed link, accepting and withdrawing;
- tokens.py: API tokens, and the user a key authenticates;
- accounts.py: a user's own settings;
- contacts.py: a responder's 24/7 numbers, time zone and languages; an organisation's escalation chain.
"""

from .accounts import delete_account, set_user_language, update_profile
from .applications import apply_for_organization, approve_application, reject_application, request_to_join
from .audit import actor_or_none, record_audit
from .contacts import NumberInput, StepInput, set_escalation_chain, update_contact
from .deputies import end_deputy, name_deputy
from .invitations import (
    INVITATION_SALT,
    accept_invitation,
    get_invitation_from_token,
    invitation_token,
    invitation_url,
    invite_member,
    revoke_invitation,
)
from .memberships import change_roles, remove_member
from .organizations import change_standing, create_organization, unique_slug, update_organization
from .tokens import authenticate_api_key, authenticate_api_keys, create_api_token, hash_token_key, revoke_api_token

__all__ = [
    "INVITATION_SALT",
    "NumberInput",
    "StepInput",
    "accept_invitation",
    "actor_or_none",
    "apply_for_organization",
    "approve_application",
    "authenticate_api_key",
    "authenticate_api_keys",
    "change_roles",
    "change_standing",
    "create_api_token",
    "create_organization",
    "delete_account",
    "end_deputy",
    "get_invitation_from_token",
    "hash_token_key",
    "invitation_token",
    "invitation_url",
    "invite_member",
    "name_deputy",
    "record_audit",
    "reject_application",
    "remove_member",
    "request_to_join",
    "revoke_api_token",
    "revoke_invitation",
    "set_escalation_chain",
    "set_user_language",
    "unique_slug",
    "update_contact",
    "update_organization",
    "update_profile",
]
