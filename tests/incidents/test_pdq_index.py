"""The PDQ chunk index (incidents.selectors.pdq_index): every hash within the distance shares
a looked-up chunk with the query, the index's expression is the query's, and the database's
answers with the index are the same as comparing every hash."""

import importlib
import random

import pytest
from django.db import connection

from incidents import selectors, services
from incidents.indicators import pdq_words
from incidents.models import Indicator, Tier, Tlp
from incidents.selectors import pdq_index

migration = importlib.import_module("incidents.migrations.0008_indicator_pdq_chunk_index")


def _chunks(value: int) -> set[int]:
    """The tagged chunks the index holds for a hash (the SQL expression, computed in Python)."""
    return {position * 65536 + ((value >> (240 - 16 * position)) & 0xFFFF) for position in range(16)}


def _words(value: int):
    return pdq_words(f"{value:064x}")


def _flip(value: int, bits) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


def test_the_index_holds_the_expression_the_query_asks_for():
    assert pdq_index.chunks_expression() == migration.EXPRESSION
    assert pdq_index.chunks_expression("c").count("c.pdq_") == 16


@pytest.mark.parametrize(("distance", "bits"), [(0, 0), (15, 0), (16, 1), (31, 1), (47, 2), (48, None)])
def test_how_many_bits_a_chunk_may_differ_in(distance, bits):
    assert pdq_index.bits_per_chunk(distance) == bits


def test_every_hash_within_31_bits_shares_a_looked_up_chunk():
    rng = random.Random(7)
    for _ in range(300):
        query = rng.getrandbits(256)
        lookups = set(pdq_index.lookups(_words(query), 1))
        assert len(lookups) == 16 * 17
        # Worst case first: the 31 bits spread as evenly as they go, two per chunk but one.
        spread = [16 * chunk + offset for chunk in range(16) for offset in rng.sample(range(16), 2)][:31]
        for bits in (spread, rng.sample(range(256), rng.randint(0, 31))):
            assert _chunks(_flip(query, bits)) & lookups
    # At 32 bits spread two per chunk nothing is shared: the bound the pigeonhole gives is exact.
    query = rng.getrandbits(256)
    two_per_chunk = [16 * chunk + offset for chunk in range(16) for offset in (3, 9)]
    assert not _chunks(_flip(query, two_per_chunk)) & set(pdq_index.lookups(_words(query), 1))


@pytest.fixture
def stored(db, secretariat, provider_a, responder_a):
    """One room with 60 hashes: 20 random, 40 within or just beyond 31 bits of the first."""
    incident = services.declare_incident(
        actor=secretariat, title="Hashes", tier=Tier.COORDINATED, tlp=Tlp.AMBER, organizations=[provider_a]
    )
    rng = random.Random(11)
    first = rng.getrandbits(256)
    values = [first] + [rng.getrandbits(256) for _ in range(19)]
    values += [_flip(first, rng.sample(range(256), rng.choice([1, 12, 25, 30, 31, 32, 33, 40]))) for _ in range(40)]
    text = "\n".join(f"{v:064x}" for v in values)
    services.import_indicator_list(actor=responder_a, incident=incident, text=text, kind="pdq")
    return Indicator.objects.get(incident=incident, value=f"{first:064x}")


@pytest.mark.parametrize("distance", [31, 47, 60])
def test_the_index_answers_as_comparing_every_hash_does(stored, secretariat, settings, monkeypatch, distance):
    settings.PDQ_MATCH_DISTANCE = distance
    with_index = selectors.near_matches(secretariat, [stored])
    monkeypatch.setattr(pdq_index, "bits_per_chunk", lambda distance: None)
    every_hash = selectors.near_matches(secretariat, [stored])
    assert with_index == every_hash
    assert with_index[stored.pk]  # the test compares something


@pytest.mark.reliability  # the chunk index is PostgreSQL's: required in CI, deselected without DATABASE_URL
def test_postgresql_can_use_the_index_for_the_query(stored):
    lookups = "{" + ",".join(map(str, pdq_index.lookups(pdq_words(stored.value), 1))) + "}"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM incidents_indicator c WHERE c.pdq_0 IS NOT NULL"
            f" AND {pdq_index.chunks_expression('c')} && %s::integer[]",
            [lookups],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert migration.NAME in plan
