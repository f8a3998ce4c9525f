from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "apps.search"
    verbose_name = "Search"

    def ready(self):
        from django.db.backends.signals import connection_created

        from apps.search.connection import prepare_connection

        connection_created.connect(prepare_connection, dispatch_uid="catrack_search_prepare_connection")

        from apps.core import registry
        from apps.search.kinds import model_text_search

        registry.register_text_search(model_text_search)
