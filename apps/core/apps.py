from django.apps import AppConfig
from django.core.signals import request_finished
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def _install_change_triggers(sender, using="default", plan=None, **kwargs):
    if plan is None:
        # `flush` (after each transactional test) sends post_migrate with no plan: it empties tables, which keep
        # their triggers. Re-creating them all took 0.2-0.7 s a flush on PostgreSQL.
        return
    from apps.core.change_capture import install_triggers

    install_triggers(using=using)


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        # After every migrate, so tables added later are captured too (apps.core.change_capture).
        post_migrate.connect(_install_change_triggers, sender=self, dispatch_uid="catrack_change_triggers")
        from apps.core.change_capture import register_sqlite_changeset_function

        connection_created.connect(register_sqlite_changeset_function, dispatch_uid="catrack_sqlite_changeset")
        from apps.core.prepared_statements import install_retry

        connection_created.connect(install_retry, dispatch_uid="catrack_prepared_statements_retry")
        from apps.core.replicas import end_replica_reads

        # A request's reads may go to the replica until its response is closed (apps.core.replicas).
        request_finished.connect(end_replica_reads, dispatch_uid="catrack_end_replica_reads")
