"""Schemathesis against /api/schema/ on the real ASGI app (Daphne), as a reporter and as
the secretariat: no server error and no response that breaks the schema, for generated
requests to every operation and for call sequences along the links schemathesis infers
(an id that one call returns used by the next)."""

from dataclasses import dataclass

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from commitments.services import ensure_implementations, load_catalogue
from incidents import services as incident_services
from incidents.models import Tier, Tlp
from portal.models import OrganizationKind, Role, Standing
from portal.services import create_api_token
from tests.commitments.factories import implementation_of, record
from tests.portal.factories import MembershipFactory, OrganizationFactory, SecretariatFactory

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

# What "breaks the schema": a 5xx, a documented status whose body does not match its
# schema, or a body of another media type than documented. Undocumented 4xx codes are
# the API's normal refusals (drf-spectacular documents the success only).
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# A fixed seed and few examples: every run sends the same requests, and the module stays
# well under a minute and a half in CI. No shrinking: the first failing request is reported.
COMMON = {"derandomize": True, "deadline": None, "database": None, "suppress_health_check": list(HealthCheck)}
PER_OPERATION = settings(max_examples=5, phases=[Phase.explicit, Phase.generate], **COMMON)
SEQUENCES = settings(max_examples=8, stateful_step_count=5, phases=[Phase.generate], **COMMON)


@dataclass
class World:
    keys: dict[str, str]  # role -> API key
    ids: dict[tuple[str, str], int]  # (first path segment, path parameter) -> an id that exists


@pytest.fixture
def world():
    """A supporter provider with a reporter, a secretariat, and something of each kind to read."""
    load_catalogue()
    provider = OrganizationFactory(kind=OrganizationKind.PROVIDER, standing=Standing.SUPPORTER)
    ensure_implementations(organization=provider)
    membership = MembershipFactory(organization=provider, role=Role.REPORTER)
    reporter = membership.user
    secretariat = SecretariatFactory()
    implementation = implementation_of(provider, "OSP1")
    update = record(reporter, implementation)
    incident = incident_services.declare_incident(
        actor=secretariat,
        title="Livestreamed attack",
        summary="Video spreading",
        tier=Tier.FULL_PROTOCOL,
        tlp=Tlp.AMBER,
        livestreamed=True,
        organizations=[provider],
    )
    # The fuzzer may revoke or delete the token its path names: never the one it calls with.
    spare_token, _ = create_api_token(user=reporter, name="spare")
    return World(
        keys={
            "reporter": create_api_token(user=reporter, name="fuzz")[1],
            "secretariat": create_api_token(user=secretariat, name="fuzz")[1],
        },
        ids={
            ("organizations", "id"): provider.pk,
            ("memberships", "id"): membership.pk,
            ("tokens", "id"): spare_token.pk,
            ("implementations", "id"): implementation.pk,
            ("commitments", "id"): implementation.commitment_id,
            ("progress-updates", "id"): update.pk,
            ("incidents", "incident_id"): incident.pk,
            ("incidents", "organization_id"): provider.pk,
            ("incidents", "user_id"): reporter.pk,
        },
    )


@pytest.fixture
def api_schema(api_server):
    return schemathesis.openapi.from_url(f"{api_server.url}/api/schema/?format=json")


def session_for(key: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {key}"
    return session


def fuzz_operation(operation, *, world: World, sessions: list[requests.Session], base_url: str) -> None:
    resource = operation.path.split("/")[3]  # /api/v1/<resource>/...

    @PER_OPERATION
    @given(case=operation.as_strategy(), existing=st.booleans())
    def fuzz(case, existing):
        if existing:  # random ids mostly answer 404: half the cases name rows that exist
            for name in case.path_parameters:
                case.path_parameters[name] = world.ids.get((resource, name), case.path_parameters[name])
        for session in sessions:  # one generated request, sent as each role
            case.call_and_validate(base_url=base_url, session=session, checks=CHECKS)

    fuzz()


def test_every_operation_as_a_reporter_and_as_the_secretariat(api_schema, api_server, world):
    sessions = [session_for(key) for key in world.keys.values()]
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        try:
            fuzz_operation(operation, world=world, sessions=sessions, base_url=api_server.url)
        except (Exception, BaseExceptionGroup) as error:  # one report for all operations, not the first alone
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join([*failures, "Server log:", api_server.log_tail(20_000)])


@pytest.mark.parametrize("role", ["reporter", "secretariat"])
def test_linked_sequences(api_schema, api_server, world, role):
    headers = {"Authorization": f"Token {world.keys[role]}"}

    class Sequences(api_schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"base_url": api_server.url, "headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        Sequences.run(settings=SEQUENCES)
    except (Exception, BaseExceptionGroup):
        print(api_server.log_tail(20_000))  # the traceback of a 5xx, shown under the failure
        raise


# JSON that schemathesis does not send: nesting deeper than Python's recursion limit, and
# an escaped lone surrogate, which decodes to a string that cannot be encoded to store it.
UNPARSEABLE_BODIES = {
    "deeply nested": "[" * 100_000 + "]" * 100_000,
    "lone surrogate": '{"name": "\\ud800", "body": "\\udfff", "title": "\\ud83d"}',
}


@pytest.mark.parametrize("body", UNPARSEABLE_BODIES.values(), ids=UNPARSEABLE_BODIES.keys())
def test_bodies_json_parsers_trip_on_are_a_400(api_schema, api_server, world, body):
    session = session_for(world.keys["secretariat"])
    answers = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() not in {"POST", "PATCH", "PUT"}:
            continue
        resource = operation.path.split("/")[3]
        path = operation.path
        for name in [p.name for p in operation.path_parameters]:
            path = path.replace("{" + name + "}", str(world.ids.get((resource, name), 1)))
        response = session.request(
            operation.method.upper(), api_server.url + path, data=body, headers={"Content-Type": "application/json"}
        )
        answers[f"{operation.method.upper()} {path}"] = response.status_code
    assert answers and not any("{" in operation for operation in answers), answers
    assert all(code < 500 for code in answers.values()), answers
    # Where the secretariat may write, the body itself is what is refused.
    assert answers["POST /api/v1/tokens/"] == answers["POST /api/v1/organizations/"] == 400
