"""Django's PostgreSQL backend (ENGINE "apps.core.backends.postgresql", set by catrack/settings/base.py) whose
health check costs no round trip while the server has sent nothing.

CONN_HEALTH_CHECKS makes Django check a persistent connection before a request reuses it, with `SELECT 1`: one
more round trip on every request. A server that ends an idle connection (a restart, pg_terminate_backend,
idle_session_timeout) first sends its FATAL message or closes the socket, so the socket has something to read.
An idle connection with nothing to read is therefore taken as usable. When there is something to read, Django's
`SELECT 1` decides, as before.

A peer that vanished without a word (a cut cable) is not detected here. `SELECT 1` would have hung until TCP gave
up, so nothing is lost. After an error within a request, Django still checks with `SELECT 1`
(close_if_unusable_or_obsolete calls is_usable, which is unchanged).
"""

import select

from django.db.backends.postgresql import base, features
from psycopg.pq import TransactionStatus


class DatabaseFeatures(features.DatabaseFeatures):
    def allows_group_by_selected_pks_on_model(self, model):
        """False for a model whose table is partitioned (its `db_partitioned_by` names the partition key):
        its primary key also holds that key (trade_tradeflow: (id, year), apps.trade.partitions), so for
        PostgreSQL `id` alone does not determine the other columns and GROUP BY must name them all."""
        return super().allows_group_by_selected_pks_on_model(model) and not getattr(model, "db_partitioned_by", None)


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's PostgreSQL DatabaseWrapper; the health check before a reused connection's first query differs,
    and GROUP BY on a partitioned table's model (DatabaseFeatures)."""

    features_class = DatabaseFeatures

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and _idle_and_silent(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


def _idle_and_silent(connection):
    """True for a psycopg connection outside any transaction with no byte waiting on its socket."""
    if (
        connection.closed
        or connection.broken
        or connection.info.transaction_status != TransactionStatus.IDLE
        or not hasattr(select, "poll")
    ):  # Windows has no poll(): SELECT 1 there
        return False
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN)
    return not poller.poll(0)
