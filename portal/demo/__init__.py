"""The demo community that `manage.py seed_demo` loads, and the logins `manage.py
demo_logins` prints:
- data.py: the organisations, logins, applications and invitation, and the responders'
  contacts and escalation chains (constant demo data);
- seed.py: loading them, idempotently, then every other app's demo seed;
- logins.py: what demo_logins prints, the TOTP details included.

Other apps seed themselves, each from its own `demo.py`: after the registry, `seed_demo`
calls `seed_demo(*, stdout)` on every installed AppConfig that defines it, in
INSTALLED_APPS order (commitments before incidents), each after the registry is in
place. Such a hook must be idempotent too, and may rely on the organisations and
logins named in data.py (for example `SECRETARIAT_EMAIL`, `DEMO_GOVERNMENT`, `DEMO_PROVIDER`).
The registry's rows are written directly (to keep their historical dates), so no
`standing_changed` signal is sent for them: a hook creates what its app needs for
the organisations it finds.
"""

from .data import (
    APPLICANT_EMAIL,
    DEMO_CHAINS,
    DEMO_CONTACTS,
    DEMO_GOVERNMENT,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_PROVIDER,
    DEMO_TOTP_SECRET,
    OPEN_INVITATIONS,
    ORGANIZATIONS,
    PENDING_APPLICATIONS,
    SECRETARIAT_EMAIL,
    DemoApplication,
    DemoContact,
    DemoLogin,
    DemoOrganization,
)
from .logins import TwoFactorDetails, two_factor_details, write_logins
from .seed import SeedSummary, format_summary, seed_demo, seed_registry

__all__ = [
    "APPLICANT_EMAIL",
    "DEMO_CHAINS",
    "DEMO_CONTACTS",
    "DEMO_GOVERNMENT",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DEMO_PROVIDER",
    "DEMO_TOTP_SECRET",
    "OPEN_INVITATIONS",
    "ORGANIZATIONS",
    "PENDING_APPLICATIONS",
    "SECRETARIAT_EMAIL",
    "DemoApplication",
    "DemoContact",
    "DemoLogin",
    "DemoOrganization",
    "SeedSummary",
    "TwoFactorDetails",
    "format_summary",
    "seed_demo",
    "seed_registry",
    "two_factor_details",
    "write_logins",
]
