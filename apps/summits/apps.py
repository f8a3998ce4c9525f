from apps.core import registry


class SummitsConfig(registry.DomainAppConfig):
    name = "apps.summits"
    label = "summits"
    verbose_name = "Summits and documents"
