from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The public read-only pages at / (server-rendered templates; the admin stays for data entry)."""

    name = "apps.site"
    label = "site"
    verbose_name = "Public site"
