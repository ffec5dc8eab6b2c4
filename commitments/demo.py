"""Demo data: the catalogue, implementations and a realistic spread of progress for the
demo supporters. Idempotent: an organisation that already has progress is left alone."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.models import (
    PARTICIPATING_STANDINGS,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    Standing,
    StandingChange,
    User,
)
from portal.roles import holding

from .metrics import metrics_for
from .models import Annotation, Implementation, ProgressStatus, ProgressUpdate, TransparencyReport, Visibility
from .selectors import publicly_visible_updates
from .services import (
    annotate_progress,
    create_transparency_report,
    ensure_implementations,
    load_catalogue,
    publish_transparency_report,
    record_progress,
    review_progress,
)

NARRATIVES = [
    "We published **updated terms of service** and trained our moderation team.",
    "A cross-government working group met three times; the draft policy is out for consultation.",
    "We joined the shared hash database and check every upload against it.\n\n- 2 new classifiers\n- 24/7 rota",
    "Our transparency report now has a section on terrorist and violent extremist content.",
    "Work has started with two community organisations on counter-messaging.",
]
DEMO_REPORTER_DOMAIN = "@demo.invalid"
STEPS = [
    (ProgressStatus.NOT_STARTED, 0),
    (ProgressStatus.LIMITED, 25),
    (ProgressStatus.LIMITED, 40),
    (ProgressStatus.SUBSTANTIAL, 70),
    (ProgressStatus.COMPLETE, 100),
]


def seed_demo(stdout) -> None:
    counts = load_catalogue()
    created = ensure_implementations()
    stdout.write(f"commitments: catalogue {counts}; {created} implementations created")
    reviewer = User.objects.filter(is_secretariat=True, is_active=True).order_by("pk").first()
    with transaction.atomic():  # one commit: much faster on SQLite
        updates = _seed_progress(reviewer)
        reports = _seed_transparency()
        annotations = _seed_annotations()
    stdout.write(
        f"commitments: {updates} demo progress updates, {reports} transparency reports, {annotations} annotations"
    )


def _seed_progress(reviewer) -> int:
    updates = 0
    for organization in Organization.objects.filter(standing=Standing.SUPPORTER).order_by("pk"):
        if ProgressUpdate.objects.filter(implementation__organization=organization).exists():
            continue
        reporter = (
            Membership.objects.filter(holding(Role.REPORTER, Role.ADMIN), organization=organization)
            .exclude(user__email__endswith=DEMO_REPORTER_DOMAIN)
            .select_related("user")
            .order_by("-is_admin", "pk")
            .first()
        )
        if reporter is None:
            # Supporters without demo logins get a lighter history, so seeding stays quick.
            updates += _seed_organization(organization, _demo_reporter(organization), reviewer, max_steps=1, share=0.3)
        else:
            updates += _seed_organization(organization, reporter.user, reviewer)
    return updates


def _demo_reporter(organization) -> User:
    """Most demo supporters have no logins; give each a reporter who cannot sign in."""
    user, created = User.objects.get_or_create(
        email=f"reporter+{organization.slug}{DEMO_REPORTER_DOMAIN}",
        defaults={"full_name": f"{organization.name} reporter"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(user=user, organization=organization, defaults={"roles": [Role.REPORTER]})
    return user


def _backdate_implementations(organization, implementation_ids) -> None:
    """Implementations date from when the organisation became a supporter (its dated standing
    history), not from the day of seeding: otherwise nothing in the demo is ever overdue."""
    joined = (
        StandingChange.objects.filter(organization=organization, to_standing=Standing.SUPPORTER)
        .order_by("changed_at")
        .values_list("changed_at", flat=True)
        .first()
    ) or timezone.now() - timedelta(days=730)
    Implementation.objects.filter(pk__in=implementation_ids, created_at__gt=joined).update(created_at=joined)


# How up to date each demo supporter is, by share of supporters: most report on time, some
# are behind (overdue, or still in the grace period), a few have stopped reporting. The span
# is how many days before today an implementation's latest update is dated.
PROFILES = [(0.65, (7, 140)), (0.85, (160, 320)), (1.0, (345, 520))]


def _seed_organization(organization, reporter, reviewer, *, max_steps: int = 3, share: float = 1.0) -> int:
    """`share`: the part of its implementations that have a history; the others were taken up
    this cycle (dated today), so they are not due yet."""
    rng = random.Random(organization.pk)  # the same spread on every machine
    today = timezone.localdate()
    n = 0
    draw = rng.random()
    low, high = next(upto_span for upto, upto_span in PROFILES if draw < upto)
    implementations = [
        i
        for i in Implementation.objects.filter(organization=organization).select_related("commitment")
        if rng.random() <= share
    ]
    _backdate_implementations(organization, [i.pk for i in implementations])
    for implementation in implementations:
        steps = rng.randint(1, max_steps)
        start = rng.randint(0, 1)
        latest = rng.randint(low, high)
        for i in range(steps):
            status, progress = STEPS[min(start + i + rng.randint(0, 1), len(STEPS) - 1)]
            update = record_progress(
                actor=reporter,
                implementation=implementation,
                status=status,
                progress=progress,
                as_of=today - timedelta(days=latest + (steps - 1 - i) * 120),
                visibility=rng.choice([Visibility.PUBLIC] * 4 + [Visibility.SUPPORTERS, Visibility.SECRETARIAT]),
                narrative=rng.choice(NARRATIVES),
                evidence_links=[f"https://example.org/{organization.slug}/{implementation.commitment.code.lower()}"],
            )
            n += 1
            if reviewer is None:
                continue
            last = i == steps - 1
            if last and max_steps > 1 and rng.random() < 0.1:
                continue  # left awaiting review
            if last and max_steps > 1 and rng.random() < 0.05:
                review_progress(
                    actor=reviewer, update=update, decision="return", comment="Please add a link to the evidence."
                )
            else:
                review_progress(actor=reviewer, update=update, decision="accept")
    return n


def _seed_transparency() -> int:
    """Three published yearly reports per supporter whose kind has metrics, for the charts."""
    n = 0
    year = timezone.localdate().year
    organizations = Organization.objects.filter(
        standing=Standing.SUPPORTER, kind__in=(OrganizationKind.PROVIDER, OrganizationKind.GOVERNMENT)
    ).order_by("pk")
    for organization in organizations:
        if TransparencyReport.objects.filter(organization=organization).exists():
            continue
        reporter = _demo_reporter(organization)
        rng = random.Random(organization.pk)
        for offset in (3, 2, 1):
            metrics = {}
            for metric in metrics_for(organization.kind):
                metrics[metric.key] = rng.randint(60, 98) if metric.is_share else rng.randint(5, 5000) * (4 - offset)
            if "appeals" in metrics and "reinstatements" in metrics:
                metrics["reinstatements"] = metrics["appeals"] // rng.randint(5, 20)
            report = create_transparency_report(
                actor=reporter, organization=organization, period_kind="year", year=year - offset, metrics=metrics
            )
            publish_transparency_report(actor=reporter, report=report)
            n += 1
    return n


def _seed_annotations() -> int:
    """A few independent views from the first civil-society supporter, once."""
    civil = (
        Organization.objects.filter(kind=OrganizationKind.CIVIL_SOCIETY, standing__in=PARTICIPATING_STANDINGS)
        .order_by("pk")
        .first()
    )
    if civil is None or Annotation.objects.filter(organization=civil).exists():
        return 0
    member = _demo_reporter(civil)
    updates = ProgressUpdate.objects.filter(publicly_visible_updates()).select_related("implementation")
    n = 0
    for update in updates.order_by("-as_of", "pk")[:3]:
        annotate_progress(
            actor=member,
            update=update,
            body="Our own review found the policy in place, but **appeals take weeks**; we will look again next cycle.",
        )
        n += 1
    return n
