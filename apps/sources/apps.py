from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models.signals import pre_save

from apps.core import registry


class SourcesConfig(registry.DomainAppConfig):
    name = "apps.sources"
    label = "sources"
    verbose_name = "Sources and citations"
    not_captured = ("sourcetext",)  # sources' own texts: checked against, never served (SourceText)

    def ready(self):
        super().ready()
        from apps.sources.claims import preferred_claim_conflicts
        from apps.sources.models import Citation, Source

        registry.register_fact_check("sources.preferred_claims", preferred_claim_conflicts)
        pre_save.connect(_check_raw_citation, sender=Citation, dispatch_uid="sources_raw_citation_claims")
        pre_save.connect(_check_raw_source, sender=Source, dispatch_uid="sources_raw_source_origin")
        pre_save.connect(_root_origin_as_stored, sender=Source, dispatch_uid="sources_source_root_origin")


def _check_raw_citation(sender, instance, raw, **kwargs):
    """`loaddata` saves rows raw, without clean(): the claim rules (apps.sources.claims) hold there too."""
    if raw:
        from apps.sources.claims import claim_errors

        errors = claim_errors(instance)
        if errors:
            # A database-rule failure, as a constraint's would be: loaddata names the row, the seed the field.
            raise IntegrityError("; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()))


def _check_raw_source(sender, instance, raw, **kwargs):
    """`loaddata` saves rows raw: an origin chain that goes round in a circle, or a link that turns the preference
    rule against a preferred claim without a reason, is refused there too."""
    if raw:
        from apps.sources.claims import origin_change_overrides

        try:
            if instance.origin_id is not None:
                instance.origin_chain()
        except ValidationError as error:
            raise IntegrityError(" ".join(error.messages)) from None
        overrides = origin_change_overrides(instance)
        if overrides:
            raise IntegrityError(" ".join(overrides))


def _root_origin_as_stored(sender, instance, **kwargs):
    """Django writes every column on save, root_origin too: write the root the database holds for the origin
    (its own root, or the origin itself), so a save that changes nothing stays no change (no updated_at moved,
    no change event) and a new republication is inserted as the triggers would make it. The database's triggers
    (sources/0007) stay the rule: they set the root again from the chain, on every path."""
    from django.db.models.functions import Coalesce

    from apps.sources.models import Source

    if instance.origin_id is None:
        instance.root_origin_id = None
    else:
        instance.root_origin_id = (
            Source.objects.filter(pk=instance.origin_id)
            .values_list(Coalesce("root_origin_id", "id"), flat=True)
            .first()
        )
