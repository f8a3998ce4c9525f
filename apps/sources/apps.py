from apps.core import registry


class SourcesConfig(registry.DomainAppConfig):
    name = "apps.sources"
    label = "sources"
    verbose_name = "Sources and citations"
    not_captured = ("sourcetext",)  # sources' own texts: checked against, never served (SourceText)
