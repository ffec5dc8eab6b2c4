"""The demo community's data: its organisations with their dated standing history, the
demo logins (one per role in a government and a provider, plus the secretariat and an
applicant), the applications waiting for review and an open invitation.

Other apps' demo seeds may rely on the names here (SECRETARIAT_EMAIL, DEMO_GOVERNMENT,
DEMO_PROVIDER). Everything here is demo data: nothing is marked for translation.
"""

from dataclasses import dataclass

from ..models import OrganizationKind, Role, Standing
from ..reasons import APPLICATION_APPROVED

DEMO_PASSWORD = "demo-password-2019"
SECRETARIAT_EMAIL = "secretariat@example.org"
# Base32, shared by every demo login with two-factor, so codes can be reproduced anywhere.
DEMO_TOTP_SECRET = "CALLPORTALDEMOSECRETFORTOTPCODES"
DEMO_GOVERNMENT = "Government of New Zealand"
DEMO_PROVIDER = "Streamwave"

GOV, OSP, CSO, PARTNER = (
    OrganizationKind.GOVERNMENT,
    OrganizationKind.PROVIDER,
    OrganizationKind.CIVIL_SOCIETY,
    OrganizationKind.PARTNER,
)
SUPPORTER, ENDORSES, SUSPENDED, WITHDRAWN = (
    Standing.SUPPORTER,
    Standing.ENDORSES,
    Standing.SUSPENDED,
    Standing.WITHDRAWN,
)
LAUNCH, UNGA_2019, SUMMIT_2021, SUMMIT_2022, SUMMIT_2023 = (
    "2019-05-15",
    "2019-09-23",
    "2021-05-14",
    "2022-09-20",
    "2023-11-10",
)


@dataclass(frozen=True)
class DemoOrganization:
    name: str
    kind: str
    country: str
    # (date, standing, reason) after the application, oldest first; the first is the approval.
    history: tuple[tuple[str, str, str], ...]
    website: str = ""
    description: str = ""


def _joined(date: str, standing: str = SUPPORTER) -> tuple[tuple[str, str, str], ...]:
    return ((date, standing, APPLICATION_APPROVED),)


def _government(country: str, name: str, date: str) -> DemoOrganization:
    return DemoOrganization(
        name=f"Government of {name}",
        kind=GOV,
        country=country,
        history=_joined(date),
        description=f"The government of {name.removeprefix('the ')}.",
    )


GOVERNMENTS = [
    *(
        _government(code, name, LAUNCH)
        for code, name in [
            ("NZ", "New Zealand"),
            ("FR", "France"),
            ("AU", "Australia"),
            ("CA", "Canada"),
            ("DE", "Germany"),
            ("ID", "Indonesia"),
            ("IN", "India"),
            ("IE", "Ireland"),
            ("IT", "Italy"),
            ("JP", "Japan"),
            ("JO", "Jordan"),
            ("NL", "the Netherlands"),
            ("NO", "Norway"),
            ("SN", "Senegal"),
            ("ES", "Spain"),
            ("SE", "Sweden"),
            ("GB", "the United Kingdom"),
        ]
    ),
    *(
        _government(code, name, UNGA_2019)
        for code, name in [
            ("AR", "Argentina"),
            ("AT", "Austria"),
            ("BE", "Belgium"),
            ("BG", "Bulgaria"),
            ("CL", "Chile"),
            ("CO", "Colombia"),
            ("CR", "Costa Rica"),
            ("CY", "Cyprus"),
            ("DK", "Denmark"),
            ("FI", "Finland"),
            ("GE", "Georgia"),
            ("GH", "Ghana"),
            ("GR", "Greece"),
            ("IS", "Iceland"),
            ("KE", "Kenya"),
            ("LV", "Latvia"),
            ("LT", "Lithuania"),
            ("LU", "Luxembourg"),
            ("MX", "Mexico"),
            ("KR", "the Republic of Korea"),
        ]
    ),
    _government("PT", "Portugal", "2020-02-11"),
    _government("CH", "Switzerland", SUMMIT_2022),
    DemoOrganization(
        name="Government of the United States",
        kind=GOV,
        country="US",
        history=(
            (LAUNCH, ENDORSES, "Endorsed the goals without joining"),
            ("2021-05-07", SUPPORTER, "Joined as a supporter"),
        ),
        description="The government of the United States.",
    ),
]

PROVIDERS = [
    DemoOrganization(
        "Streamwave",
        OSP,
        "US",
        _joined(LAUNCH),
        "https://streamwave.example",
        "Live video streaming for creators and their audiences.",
    ),
    DemoOrganization(
        "Chirpline", OSP, "US", _joined(LAUNCH), "https://chirpline.example", "Short public posts and conversation."
    ),
    DemoOrganization(
        "Vidora", OSP, "IE", _joined(LAUNCH), "https://vidora.example", "Video hosting and recommendations."
    ),
    DemoOrganization(
        "Loopcast", OSP, "GB", _joined(LAUNCH), "https://loopcast.example", "Podcasts and live audio rooms."
    ),
    DemoOrganization(
        "Threadnest", OSP, "CA", _joined(UNGA_2019), "https://threadnest.example", "Community discussion forums."
    ),
    DemoOrganization(
        "Kindlechat", OSP, "JP", _joined(UNGA_2019), "https://kindlechat.example", "Messaging with public channels."
    ),
    DemoOrganization(
        "Murmur Social", OSP, "FR", _joined("2020-03-02"), "https://murmur.example", "A social network for groups."
    ),
    DemoOrganization(
        "Gathrly", OSP, "DE", _joined("2020-11-18"), "https://gathrly.example", "Events and community pages."
    ),
    DemoOrganization(
        "Echoboard", OSP, "KR", _joined(SUMMIT_2021), "https://echoboard.example", "Image boards and fan communities."
    ),
    DemoOrganization(
        "Snapnest", OSP, "AU", _joined(SUMMIT_2021), "https://snapnest.example", "Photo sharing and stories."
    ),
    DemoOrganization(
        "Tumbleleaf", OSP, "SE", _joined(SUMMIT_2022), "https://tumbleleaf.example", "Blogging and reblogging."
    ),
    DemoOrganization(
        "Clipcircle", OSP, "IN", _joined(SUMMIT_2023), "https://clipcircle.example", "Short video for mobile."
    ),
    DemoOrganization(
        "Hearthside Forums", OSP, "NZ", _joined("2024-02-06"), "https://hearthside.example", "Hosted forum software."
    ),
    DemoOrganization(
        "Pixelhaven",
        OSP,
        "NL",
        _joined(SUMMIT_2022, ENDORSES),
        "https://pixelhaven.example",
        "Game streaming and chat; endorses the goals while it reviews its policies.",
    ),
    DemoOrganization(
        "Relaywire",
        OSP,
        "US",
        (
            ("2020-06-09", SUPPORTER, APPLICATION_APPROVED),
            ("2024-03-12", SUSPENDED, "No transparency report for two reporting cycles"),
        ),
        "https://relaywire.example",
        "File sharing and link hosting.",
    ),
]

CIVIL_SOCIETY = [
    DemoOrganization(
        "Open Net Rights Collective",
        CSO,
        "DE",
        _joined(LAUNCH),
        "https://opennetrights.example",
        "Defends freedom of expression online.",
    ),
    DemoOrganization(
        "Digital Dignity Forum", CSO, "FR", _joined(UNGA_2019), "https://digitaldignity.example", "Human rights online."
    ),
    DemoOrganization(
        "Survivors Against Online Hate",
        CSO,
        "NZ",
        _joined(UNGA_2019),
        "https://survivorsagainsthate.example",
        "Victims and survivors of violent extremism.",
    ),
    DemoOrganization(
        "Centre for Safe Platforms Research",
        CSO,
        "GB",
        _joined("2020-01-20"),
        "https://safeplatforms.example",
        "Independent research on platform safety.",
    ),
    DemoOrganization(
        "Pacific Internet Society Network",
        CSO,
        "FJ",
        _joined("2020-09-15"),
        "https://pacificnet.example",
        "Internet users across the Pacific.",
    ),
    DemoOrganization(
        "Youth Voices Online",
        CSO,
        "KE",
        _joined(SUMMIT_2021),
        "https://youthvoices.example",
        "Young people on digital safety.",
    ),
    DemoOrganization(
        "Interfaith Digital Alliance",
        CSO,
        "CA",
        _joined(SUMMIT_2021),
        "https://interfaithdigital.example",
        "Faith communities against online hate.",
    ),
    DemoOrganization(
        "Tech Accountability Lab",
        CSO,
        "US",
        _joined(SUMMIT_2022),
        "https://techaccountability.example",
        "Audits of content moderation.",
    ),
    DemoOrganization(
        "Counter-Extremism Research Unit",
        CSO,
        "AU",
        _joined(SUMMIT_2023),
        "https://cerunit.example",
        "Research on radicalisation pathways online.",
    ),
    DemoOrganization(
        "Free Expression Watch",
        CSO,
        "GB",
        (
            ("2019-11-04", SUPPORTER, APPLICATION_APPROVED),
            ("2023-06-30", WITHDRAWN, "Withdrew to campaign independently"),
        ),
        "https://freeexpressionwatch.example",
        "Monitors takedowns and over-removal.",
    ),
]

PARTNERS = [
    DemoOrganization(
        "Global Internet Safety Forum",
        PARTNER,
        "US",
        _joined(UNGA_2019),
        "https://gisf.example",
        "Industry forum for shared hash lists and crisis response.",
    ),
    DemoOrganization(
        "Intergovernmental Digital Policy Council",
        PARTNER,
        "FR",
        _joined("2020-10-05"),
        "https://idpc.example",
        "Intergovernmental body on digital policy.",
    ),
    DemoOrganization(
        "Online Crisis Response Network",
        PARTNER,
        "NZ",
        _joined(SUMMIT_2021),
        "https://ocrn.example",
        "Coordinates crisis protocols across platforms.",
    ),
    DemoOrganization(
        "Regional Cyber Cooperation Office",
        PARTNER,
        "SG",
        _joined(SUMMIT_2023, ENDORSES),
        "https://rcco.example",
        "Regional cooperation on cyber policy; endorses the goals.",
    ),
]

ORGANIZATIONS = [*GOVERNMENTS, *PROVIDERS, *CIVIL_SOCIETY, *PARTNERS]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    full_name: str
    organization: str = ""
    role: str = ""
    secretariat: bool = False
    language: str = ""

    @property
    def two_factor(self) -> bool:
        return self.secretariat or self.role == Role.RESPONDER


def _org_logins(organization: str, domain: str, names: dict[str, str]) -> list[DemoLogin]:
    return [DemoLogin(f"{role}@{domain}", names[role], organization, role) for role in Role.values]


DEMO_LOGINS = [
    DemoLogin(SECRETARIAT_EMAIL, "Secretariat Desk", secretariat=True),
    *_org_logins(
        DEMO_GOVERNMENT,
        "nz.gov.example",
        {"admin": "Aroha Ngata", "reporter": "Tom Reid", "responder": "Mere Tawhai", "member": "Liam Chen"},
    ),
    *_org_logins(
        DEMO_PROVIDER,
        "streamwave.example",
        {"admin": "Priya Raman", "reporter": "Jonas Weber", "responder": "Ana Souza", "member": "Sophie Martin"},
    ),
    DemoLogin("applicant@example.org", "Maya Okafor"),
]
APPLICANT_EMAIL = "applicant@example.org"


@dataclass(frozen=True)
class DemoContact:
    """A demo person's 24/7 numbers ((label, number) in international form), time zone and languages."""

    email: str
    numbers: tuple[tuple[str, str], ...]
    time_zone: str
    languages: tuple[str, ...]


# Numbers in ranges kept for fiction where there is one (North America's 555-01xx).
DEMO_CONTACTS = [
    DemoContact("responder@nz.gov.example", (("mobile", "+64 21 555 0101"),), "Pacific/Auckland", ("en",)),
    DemoContact(
        "admin@nz.gov.example",
        (("mobile", "+64 21 555 0102"), ("desk", "+64 21 555 0103")),
        "Pacific/Auckland",
        ("en", "zh-hans"),
    ),
    DemoContact(
        "responder@streamwave.example",
        (("mobile", "+1 202 555 0143"), ("satellite", "+1 202 555 0144")),
        "Europe/Lisbon",
        ("pt", "en", "es"),
    ),
    DemoContact("admin@streamwave.example", (("mobile", "+1 202 555 0178"),), "America/Los_Angeles", ("en", "hi")),
]

# Each organisation's escalation chain: (email, minutes to wait for that person), in order.
DEMO_CHAINS = {
    DEMO_GOVERNMENT: [("responder@nz.gov.example", 10), ("admin@nz.gov.example", 15)],
    DEMO_PROVIDER: [("responder@streamwave.example", 5), ("admin@streamwave.example", 10)],
}


@dataclass(frozen=True)
class DemoApplication:
    email: str
    full_name: str
    organization: DemoOrganization | str  # a new organisation, or the name of one to join
    days_ago: int
    message: str


PENDING_APPLICATIONS = [
    DemoApplication(
        APPLICANT_EMAIL,
        "Maya Okafor",
        DemoOrganization(
            "Kestrel Streams", OSP, "CA", (), "https://kestrelstreams.example", "Live streaming for local news."
        ),
        2,
        "We stream local news and events and would like to join the Call.",
    ),
    DemoApplication(
        "digital.policy@uy.gov.example",
        "Lucia Pereira",
        DemoOrganization("Government of Uruguay", GOV, "UY", (), "", "The government of Uruguay."),
        5,
        "Uruguay's digital agency applies on behalf of the government.",
    ),
    DemoApplication(
        "hello@saferscreens.example",
        "Thandi Mokoena",
        DemoOrganization(
            "Safer Screens Initiative", CSO, "ZA", (), "https://saferscreens.example", "Media literacy for schools."
        ),
        9,
        "We teach media literacy and would like to contribute to the advisory network.",
    ),
    DemoApplication(
        "newcomer@streamwave.example",
        "Kai Tanaka",
        DEMO_PROVIDER,
        1,
        "I joined Streamwave's trust and safety team this month.",
    ),
]

OPEN_INVITATIONS = [(DEMO_PROVIDER, "new.colleague@streamwave.example", Role.REPORTER)]
