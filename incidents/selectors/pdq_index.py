"""Multi-index hashing for PDQ near-matches on PostgreSQL (docs/performance.md, "PDQ
near-matches at a million hashes").

A 256-bit hash is cut into 16 chunks of 16 bits. If two hashes differ in at most d bits, some
chunk differs in at most d // 16 of them (pigeonhole: 16 chunks each differing in more would
make more than d). So with the default distance 31, every match agrees with the query on some
chunk exactly or but for one bit: 16 * 17 chunk values to look up. Each chunk value is tagged
with its position (position * 65536 + value) so one GIN index over the 16-element array
(migration 0008) answers all the lookups at once; only the few thousand candidates it returns,
of a million hashes, have their exact distance computed. No column is stored: the index is on
an expression of the four words the model already keeps."""

from itertools import combinations

CHUNKS = 16
CHUNK_BITS = 16
# Beyond two differing bits per chunk the lookups (1 + 16 + 120 + 560 per chunk) cost more than
# they save; such distances (over 47) are compared over every visible hash instead.
MAX_BITS_PER_CHUNK = 2


def chunks_expression(table: str = "") -> str:
    """The indexed expression: the 16 tagged chunks of pdq_0..pdq_3, as int[]. Migration 0008
    holds the same text (tests/incidents/test_pdq_index.py keeps them equal)."""
    prefix = f"{table}." if table else ""
    parts = []
    for position in range(CHUNKS):
        word, shift = divmod(position, 4)
        shift = (3 - shift) * CHUNK_BITS
        parts.append(f"((({prefix}pdq_{word} >> {shift}) & 65535) + {position * 65536})::integer")
    return "ARRAY[" + ", ".join(parts) + "]"


def bits_per_chunk(distance: int) -> int | None:
    """How many bits some chunk of a match differs in at most, or None when too many to look up."""
    bits = distance // CHUNKS
    return bits if bits <= MAX_BITS_PER_CHUNK else None


def lookups(words: tuple[int, int, int, int], bits: int) -> list[int]:
    """The tagged chunk values a hash within the distance must share with these words."""
    values = []
    for position in range(CHUNKS):
        word, shift = divmod(position, 4)
        chunk = (words[word] >> ((3 - shift) * CHUNK_BITS)) & 0xFFFF
        tag = position * 65536
        for flipped in range(bits + 1):
            for positions in combinations(range(CHUNK_BITS), flipped):
                mask = sum(1 << b for b in positions)
                values.append(tag + (chunk ^ mask))
    return values
