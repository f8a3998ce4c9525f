from apps.core import registry


class GeoeconomicsConfig(registry.DomainAppConfig):
    name = "apps.geoeconomics"
    label = "geoeconomics"
    verbose_name = "Corridors and strategic resources"
