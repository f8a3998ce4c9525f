"""drf-spectacular extensions for catrack's custom serializer fields (request and response differ)."""
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type, build_object_type
from drf_spectacular.types import OpenApiTypes


class BriefRelatedFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "apps.core.api.fields.BriefRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {**build_basic_type(OpenApiTypes.STR), "description": "slug"}
        return build_object_type(
            properties={
                "slug": build_basic_type(OpenApiTypes.STR),
                "name": build_basic_type(OpenApiTypes.STR),
                "kind": build_basic_type(OpenApiTypes.STR),
            },
            required=["slug", "name"],
        )


class PartialDateFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "apps.core.api.fields.PartialDateField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            **build_basic_type(OpenApiTypes.STR),
            "nullable": True,
            "readOnly": True,
            "description": "What is known of the date: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'; null when unknown.",
        }


class ContentTypeFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "apps.core.api.fields.ContentTypeField"

    def map_serializer_field(self, auto_schema, direction):
        return {**build_basic_type(OpenApiTypes.STR), "description": "'app_label.model', e.g. 'summits.summit'"}
