"""catrack's PostgreSQL backend (apps.core.backends.postgresql) for the tests (catrack.settings.test): the same,
but a flush empties the tables by DELETE with triggers off instead of one TRUNCATE of every table.

pytest-django flushes the database after each transactional test (Django's TransactionTestCase). TRUNCATE gives
every table and index of the database new files (~700 here): 0.7-2 s a flush on CI's machine, where DELETE
of the few rows a test left takes under 0.1 s. The tables end as empty either way; with triggers off (as
TRUNCATE has them) no change is captured, and no foreign key is checked against rows that are going too. Setting
session_replication_role needs a superuser: another role gets Django's TRUNCATE.
"""

from django.db.backends.postgresql import operations

from apps.core.backends.postgresql import base


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        """DELETE of each table between `session_replication_role` replica and origin (execute_sql_flush runs
        them in one transaction); Django's TRUNCATE where sequences restart too, or the role is no superuser."""
        if not tables or reset_sequences or not _superuser(self.connection):
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        deletes = [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]
        return [
            "SET LOCAL session_replication_role = replica;",
            *deletes,
            "SET LOCAL session_replication_role = origin;",
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations


def _superuser(connection) -> bool:
    connection.ensure_connection()
    return connection.connection.info.parameter_status("is_superuser") == "on"
