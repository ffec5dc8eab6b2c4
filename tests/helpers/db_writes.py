"""What a request wrote, for tests that a refused request changed nothing.

PostgreSQL counts the rows each table had inserted, updated and deleted in the current
transaction (`pg_stat_xact_user_tables`), so one query before and one after a request
tells whether it wrote anything, whatever the table, without listing the models."""

from django.db import connection

# Sign-in bookkeeping a refused request may touch without changing anything it asked to.
BOOKKEEPING = frozenset({"django_session"})


def table_writes() -> dict[str, tuple[int, int, int]] | None:
    """Rows inserted, updated and deleted per table so far in this transaction; None on a
    database that does not count them (SQLite), where the check is not made."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return {name: (ins, upd, dele) for name, ins, upd, dele in cursor.fetchall() if name not in BOOKKEEPING}


def written_between(before, after) -> list[str]:
    """The tables written between two table_writes() readings."""
    if before is None or after is None:
        return []
    return sorted(name for name, counts in after.items() if before.get(name) != counts)
