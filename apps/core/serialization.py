"""catrack's JSON fixture format: Django's, plus what an analyst's hand-written fixture needs.

Registered as the `json` format (settings.SERIALIZATION_MODULES), so `loaddata`, `dumpdata` and `seed`
all use it:
- a citation may name its fact by natural key: `"object_id": ["central-asia-plus-japan-1"]` (with
  `"content_type": ["summits", "summit"]`); `dumpdata --natural-foreign` writes it that way;
- `created_at`/`updated_at` may be left out: a new row gets the load time, an existing row keeps its
  created_at, and keeps its updated_at too when the fixture changes none of its values (so loading the
  same fixture twice changes nothing).
"""

from django.contrib.contenttypes.models import ContentType
from django.core.serializers import base
from django.core.serializers.json import Deserializer as JSONDeserializer
from django.core.serializers.json import Serializer as JSONSerializer
from django.utils import timezone

TIMESTAMPS = ("created_at", "updated_at")


def _is_citation(model):
    return model._meta.label == "sources.Citation"


class Serializer(JSONSerializer):
    def handle_field(self, obj, field):
        if (
            self.use_natural_foreign_keys
            and _is_citation(type(obj))
            and field.name == "object_id"
            and hasattr(obj.fact, "natural_key")
        ):
            self._current[field.name] = list(obj.fact.natural_key())
            return
        super().handle_field(obj, field)


class Deserializer(JSONDeserializer):
    def _handle_object(self, obj):
        model = self._get_model_from_node(obj["model"])
        fields = obj.get("fields", {})
        if _is_citation(model) and isinstance(fields.get("object_id"), list):
            obj = {**obj, "fields": {**fields, "object_id": self._fact_pk(obj, fields)}}
        for deserialized in super()._handle_object(obj):
            missing = [name for name in TIMESTAMPS if name not in fields]
            if missing and all(hasattr(deserialized.object, name) for name in TIMESTAMPS):
                _fill_timestamps(deserialized.object, missing)
            yield deserialized

    def _fact_pk(self, obj, fields):
        """The primary key of the fact a citation names by natural key; DeserializationError if none."""
        content_type = fields.get("content_type")
        try:
            if isinstance(content_type, list):
                content_type = ContentType.objects.db_manager(self.using).get_by_natural_key(*content_type)
            else:
                content_type = ContentType.objects.db_manager(self.using).get(pk=content_type)
            fact_model = content_type.model_class()
            return fact_model._default_manager.db_manager(self.using).get_by_natural_key(*fields["object_id"]).pk
        except Exception as exc:  # DoesNotExist, MultipleObjectsReturned, bad arity
            raise base.DeserializationError(
                f"{obj['model']}: field object_id: no {content_type} with natural key {fields['object_id']!r} ({exc})"
            ) from exc


def _fill_timestamps(instance, missing):
    """Timestamps a fixture left out: kept from the stored row when nothing else changed, else now."""
    # Whole seconds: dumpdata writes milliseconds, and .000 as nothing, so a finer time would not load back equal.
    now = timezone.now().replace(microsecond=0)
    stored = type(instance)._base_manager.filter(pk=instance.pk).first() if instance.pk is not None else None
    if stored is None:
        for name in missing:
            setattr(instance, name, now)
        return
    if "created_at" in missing:
        instance.created_at = stored.created_at
    if "updated_at" in missing:
        derived = getattr(type(instance), "database_derived_fields", ())  # the database's to keep, not a fixture's
        unchanged = all(
            getattr(stored, f.attname) == getattr(instance, f.attname)
            for f in instance._meta.concrete_fields
            if f.name not in TIMESTAMPS and f.name not in derived
        )
        instance.updated_at = stored.updated_at if unchanged else now
