from django.apps import AppConfig


class GeoeconomicsConfig(AppConfig):
    name = "apps.geoeconomics"
    label = "geoeconomics"
    verbose_name = "Corridors and strategic resources"
