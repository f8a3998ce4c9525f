from django.apps import AppConfig


class SummitsConfig(AppConfig):
    name = "apps.summits"
    label = "summits"
    verbose_name = "Summits and documents"
