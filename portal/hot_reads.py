"""The two reads nearly every API request and room handshake makes — the token's user, and the
user's memberships — as SQL built from the models once per process.

Why not the ORM: compiling these querysets (the user's columns through `select_related`, the
membership join) cost more than running them, about half of a cached API list's CPU
(docs/performance.md, "Pages, afternoon"). The SQL is generated from the models'
own metadata, so a new column is read without a change here; the results are the same model
instances and tuples the ORM gave (tests/portal/test_hot_reads.py holds them equal).
"""

import functools

from django.db import connection

from .models import ROLE_FIELDS, ApiToken, Membership, Organization, User, roles_from_flags

USER_FIELDS = tuple(User._meta.concrete_fields)


@functools.lru_cache(maxsize=32)  # by the number of keys: one, or a room's batch of handshakes
def _token_sql(keys: int) -> str:
    q = connection.ops.quote_name
    token, user = ApiToken._meta, User._meta
    columns = ", ".join(f"u.{q(field.column)}" for field in USER_FIELDS)
    placeholders = ", ".join(["%s"] * keys)
    return (
        # Identifiers from the models' metadata, quoted; every value is a parameter.
        f"SELECT t.{q(token.pk.column)}, t.{q('key_hash')}, t.{q('last_used_at')}, {columns} "  # noqa: S608
        f"FROM {q(token.db_table)} t INNER JOIN {q(user.db_table)} u "
        f"ON u.{q(user.pk.column)} = t.{q(token.get_field('user').column)} "
        f"WHERE t.{q('revoked_at')} IS NULL AND t.{q('key_hash')} IN ({placeholders})"
    )


def live_tokens(key_hashes: list[str]) -> list[tuple[int, str, object, User]]:
    """(token id, key hash, last used, its user) of each unrevoked token among the hashes."""
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(len(key_hashes)), key_hashes)
        rows = cursor.fetchall()
    last_used, user_columns = _converters()
    names = [field.attname for field in USER_FIELDS]
    found = []
    for token_id, key_hash, last_used_at, *values in rows:
        values = [convert(value) for convert, value in zip(user_columns, values, strict=True)]
        user = User.from_db(connection.alias, names, values)
        found.append((token_id, key_hash, last_used(last_used_at), user))
    return found


@functools.cache
def _converters():
    """What the ORM does to each column's value on the way out (on SQLite: text to datetime, 0/1
    to bool; on PostgreSQL nothing), as one function per column."""
    return _converter(ApiToken._meta.get_field("last_used_at")), [_converter(field) for field in USER_FIELDS]


def _converter(field):
    expression = field.get_col(field.model._meta.db_table)
    steps = connection.ops.get_db_converters(expression) + field.get_db_converters(connection)

    def convert(value):
        for step in steps:
            value = step(value, expression, connection)
        return value

    return convert


@functools.cache
def _membership_sql() -> str:
    q = connection.ops.quote_name
    membership, organization = Membership._meta, Organization._meta
    roles = ", ".join(f"m.{q(name)}" for name in ROLE_FIELDS.values())
    org_column = membership.get_field("organization").column
    return (
        f"SELECT m.{q(org_column)}, o.{q('standing')}, {roles} "  # noqa: S608 - as above
        f"FROM {q(membership.db_table)} m INNER JOIN {q(organization.db_table)} o "
        f"ON o.{q(organization.pk.column)} = m.{q(org_column)} "
        f"WHERE m.{q(membership.get_field('user').column)} = %s"
    )


def membership_rows(user_id: int) -> list[tuple[int, str, tuple[str, ...]]]:
    """(organisation id, its standing, roles held) of each of the user's memberships, unordered."""
    with connection.cursor() as cursor:
        cursor.execute(_membership_sql(), [user_id])
        rows = cursor.fetchall()
    return [(org_id, standing, tuple(roles_from_flags(flags))) for org_id, standing, *flags in rows]
