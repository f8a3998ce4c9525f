from apps.core import registry


class ActorsConfig(registry.DomainAppConfig):
    name = "apps.actors"
    label = "actors"
    verbose_name = "Actors"
