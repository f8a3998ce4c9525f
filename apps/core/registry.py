"""What each app and output format contributes, declared once where it lives and read by the framework.

Modelled on NetBox's `netbox/registry.py`: apps.core never imports a domain app; it reads what the apps declared.
- A domain app declares itself by its AppConfig subclassing DomainAppConfig: its API routes (its `api/urls.py`
  `routes`), which of its models the change feed captures and how. Change capture, history, the site's change
  list, the router (catrack.urls), settings that list apps and the tests read `domain_apps()`.
- An output format is a renderer class decorated with `@register_format` (apps.core.api.renderers): `?format=`
  accepts it, the viewsets offer it, and, if it is an export (`export=True`), the export limiter counts it
  (apps.core.exports) and lists stream through its `export_response`.
- A model that has a page on the site says so with `get_absolute_url` (Django's idiom); the site links there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import AppConfig, apps


class DomainAppConfig(AppConfig):
    """A catrack domain app: its rows are served by the API, captured by the change feed and historied.

    Subclass it in the app's apps.py as `registry.DomainAppConfig` (importing the class itself would leave Django two
    AppConfig classes in the module to choose from) and say what differs from the defaults."""

    routes_module = "api.urls"  # module of the app whose `routes` lists (URL prefix, viewset, basename)
    not_captured: tuple[str, ...] = ()  # model names the change feed (and history) skips
    statement_captured: tuple[str, ...] = ()  # model names captured once per statement on PostgreSQL

    def ready(self) -> None:
        super().ready()
        _registry["apps"].setdefault(self.label, self)

    def routes(self) -> list[tuple[str, Any, str]]:
        """[(prefix, viewset, basename)] of this app's API resources, in its `api/urls.py` order."""
        return list(import_module(f"{self.name}.{self.routes_module}").routes)


@dataclass(frozen=True)
class OutputFormat:
    """An output format of the API: `name` is the `?format=` value (the renderer's `format`)."""

    name: str
    renderer: Any  # a DRF renderer class
    export: bool  # streams every matching row of a list: counted per client, runs with the export timeout

    @property
    def media_type(self) -> str:
        return self.renderer.media_type


_registry: dict[str, dict[str, Any]] = {"apps": {}, "resources": {}, "formats": {}, "search": {}, "fact_checks": {}}


def register_format(*, export: bool = False) -> Callable[[Any], Any]:
    """Class decorator declaring a renderer an output format of the API (its `format` is the `?format=` value).
    export=True: a list in this format is an export, written by the renderer class's
    `export_response(queryset, *, filename, columns)`."""

    def register(renderer: Any) -> Any:
        if export and not callable(getattr(renderer, "export_response", None)):
            raise TypeError(f"{renderer.__name__}: an export format needs export_response(queryset, ...)")
        _registry["formats"][renderer.format] = OutputFormat(renderer.format, renderer, export)
        return renderer

    return register


def register_resource(prefix: str, viewset: Any, basename: str) -> None:
    """An API resource outside an app's routes (such as the change feed), listed after the apps' own."""
    _registry["resources"][prefix] = (prefix, viewset, basename)


def register_text_search(search_of: Any) -> None:
    """The search app declares how a model's rows are searched: `search_of(model, fields)` gives an object
    whose `.q(text)` is the condition matching `text` (None: nothing to match), or None if the model has no
    search and `fields` is None. Read by `q=` on every list and the admin's search box (text_search)."""
    _registry["search"]["of"] = search_of


def text_search(model: type, fields: tuple[str, ...] | None = None) -> Any:
    """The model's text search (see register_text_search); with `fields`, a search over them where the model
    has none of its own."""
    return _registry["search"]["of"](model, fields)


def register_fact_check(name: str, check: Callable[[Any], dict[str, list[str]] | None]) -> None:
    """A rule every fact (FactModel) is held to in full_clean(), declared by the app that owns it: `check(fact)`
    gives {field: [messages]} of what breaks it (nothing when it holds). E.g. apps.sources: a preferred claim's
    value equals its column."""
    _registry["fact_checks"][name] = check


def fact_checks() -> list[Callable[[Any], dict[str, list[str]] | None]]:
    return list(_registry["fact_checks"].values())


def domain_apps() -> list[DomainAppConfig]:
    """The domain apps, in INSTALLED_APPS order."""
    return [config for config in apps.get_app_configs() if isinstance(config, DomainAppConfig)]


def domain_labels() -> list[str]:
    """App labels of the domain apps (['actors', 'sources', …]), in INSTALLED_APPS order."""
    return [config.label for config in domain_apps()]


def resources() -> list[tuple[str, Any, str]]:
    """Every API resource as (URL prefix, viewset, basename): each domain app's routes, then register_resource's."""
    return [route for config in domain_apps() for route in config.routes()] + list(_registry["resources"].values())


def output_formats() -> list[OutputFormat]:
    """The API's output formats, in the order content negotiation tries them (the first is the default)."""
    _load_formats()
    return list(_registry["formats"].values())


def renderer_classes() -> list[type]:
    return [output_format.renderer for output_format in output_formats()]


def format_names() -> list[str]:
    return [output_format.name for output_format in output_formats()]


def export_formats() -> dict[str, OutputFormat]:
    """{`?format=` value: format} of the formats that are exports."""
    return {f.name: f for f in output_formats() if f.export}


class RegisteredRenderers(Sequence[type]):
    """The registered output formats' renderer classes as a sequence read when iterated (a list would freeze them
    at import). REGISTERED_RENDERERS is DRF's DEFAULT_RENDERER_CLASSES (catrack/settings/base.py names it), so
    every API view offers every format unless it sets its own `renderer_classes`."""

    def __getitem__(self, index: Any) -> Any:
        return renderer_classes()[index]

    def __len__(self) -> int:
        return len(renderer_classes())

    def __iter__(self) -> Iterator[type]:
        return iter(renderer_classes())

    def __repr__(self) -> str:
        return f"RegisteredRenderers({renderer_classes()!r})"


REGISTERED_RENDERERS = RegisteredRenderers()


def _load_formats() -> None:
    if not _registry["formats"]:
        import_module("apps.core.api.renderers")  # the formats apps.core defines declare themselves there
