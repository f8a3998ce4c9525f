from apps.core import registry


class InvestmentsConfig(registry.DomainAppConfig):
    name = "apps.investments"
    label = "investments"
    verbose_name = "Investments and pledges"
