"""drf-spectacular extensions for catrack's custom serializer fields (request and response differ)."""

from django.core.exceptions import FieldDoesNotExist
from django_filters.utils import get_model_field
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type, get_manager, get_view_model
from drf_spectacular.types import OpenApiTypes
from rest_framework.permissions import SAFE_METHODS

from apps.core.api.briefs import brief_serializer
from apps.core.api.csv_dialect import DELIMITERS
from apps.core.api.csv_export import XLSX_MEDIA_TYPE


class BriefRelatedFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "apps.core.api.fields.BriefRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {
                **build_basic_type(OpenApiTypes.STR),
                "description": "slug",
                **({"nullable": True} if self.target.allow_null else {}),
            }
        # A named component ($ref), not an inline object: client generators name inline objects after
        # the property (`format` → SummitFormat) and then clash with the resource of that name.
        component = auto_schema.resolve_serializer(brief_serializer(_related_model(self.target)), direction)
        return {"allOf": [component.ref], "nullable": True} if self.target.allow_null else component.ref


def _related_model(field):
    """The model a relation field points at, also for read-only fields (which have no queryset)."""
    if getattr(field, "queryset", None) is not None:
        return field.queryset.model
    owner = field.parent if field.source_attrs else field.parent.parent  # a ManyRelatedField's child
    model = owner.Meta.model
    for attr in field.source_attrs or field.parent.source_attrs:
        model = model._meta.get_field(attr).related_model
    return model


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


# What a lookup at the end of a filter's path means, for a filter declared without a label
# (`Meta.fields = {"quantity": ["gte", "lte"]}` gives `quantity__gte`).
LOOKUP_WORDS = {
    "exact": "",
    "gte": "at least",
    "lte": "at most",
    "gt": "more than",
    "lt": "less than",
    "icontains": "contains (case-insensitive)",
    "iexact": "equals (case-insensitive)",
    "isnull": "is empty (true) or given (false)",
    "in": "any of these (comma-separated)",
}


def filter_description(filterset_class, name, filter_) -> str:
    """The description of a FilterSet's parameter: its label or help_text as declared; else the model
    field's name and help text with what the lookup does ("Quantity at least"); else its name in words."""
    declared = filter_.extra.get("help_text") or filter_._label
    if declared:
        return str(declared)
    model = filterset_class._meta.model
    words = LOOKUP_WORDS.get(filter_.lookup_expr, filter_.lookup_expr.replace("__", " "))
    try:
        field = get_model_field(model, filter_.field_name) if filter_.field_name else None
    except FieldDoesNotExist:
        field = None
    if field is None:
        return name.replace("__", " ").replace("_", " ").capitalize()
    title = str(getattr(field, "verbose_name", field.name))
    help_text = str(getattr(field, "help_text", "") or "")
    text = f"{title[:1].upper()}{title[1:]}{f' {words}' if words else ''}"
    return f"{text}: {help_text}" if help_text else text


class CatrackFilterExtension(DjangoFilterExtension):
    """drf-django-filter's schema, with every parameter described: drf-spectacular drops a filter's label when
    the filter sets its own schema (a slug, an integer range), and has none for `Meta.fields` lookups."""

    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        """The FilterSet's parameters, then each old name of one (`aliases`) as a deprecated copy of it."""
        parameters = super().get_schema_operation_parameters(auto_schema, *args, **kwargs)
        model = get_view_model(auto_schema.view)
        filterset_class = model and self.target.get_filterset_class(auto_schema.view, get_manager(model).none())
        by_name = {parameter["name"]: parameter for parameter in parameters}
        for old, new in getattr(filterset_class, "aliases", {}).items():
            parameters.append(
                {
                    **by_name[new],
                    "name": old,
                    "deprecated": True,
                    "description": f"Old name of `{new}`, still answered: {by_name[new].get('description', '')}",
                }
            )
        return parameters

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        for parameter in parameters:
            if not parameter.get("description"):
                parameter["description"] = filter_description(filterset_class, field_name, filter_field)
        return parameters


ERROR_RESPONSES = {
    "400": "A parameter or field is wrong: the body maps each offending name to its messages.",
    "401": "Authentication is needed for this change.",
    "403": "The user may not make this change.",
    "404": "No such row (or page).",
    "406": "The requested format is not available.",
    "409": "The change conflicts with existing data (a row still refers to it, or a unique key).",
    "412": "If-Match names a version the row no longer has: read it again (its ETag) and retry.",
    "429": "Too many requests; see Retry-After.",
}
# Every error body, one shape (apps.core.api.exceptions.exception_handler makes it so): a component of the
# schema (added by describe_schema), referred to by every 4xx response.
ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "An error, the same shape on every operation: `detail`, one sentence, for an error about the "
    "request as a whole (401, 403, 404, 406, 412, 429; a 409 adds the `rows` in the way); for bad parameters "
    "or fields (400), each offending name with its messages (`non_field_errors` for a rule over several "
    "fields). In JSON, or as CSV text when the request asked for format=csv.",
    "properties": {"detail": {"type": "string", "description": "What is wrong, for the request as a whole."}},
    "additionalProperties": {
        "description": "A parameter's or field's messages (an object for a nested field's).",
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string"},
            {"type": "object", "additionalProperties": {}},
        ],
    },
    "example": {"year": ["Enter a whole number."], "partner": ["No actor with slug 'atlantis'."]},
}
# Parameters drf-spectacular leaves without a description: the output format and the path's row keys.
PARAMETER_DESCRIPTIONS = {
    ("query", "format"): "Output format (default json): one of the values listed; csv and xlsx export every "
    "matching row, csv-excel is CSV for spreadsheets (see `delimiter`).",
    ("path", "id"): "The row's id.",
    ("path", "slug"): "The row's slug (its stable lower-case English identifier, e.g. japan).",
    ("path", "history_id"): "The history entry's id (from the row's history/ list: a change feed event id).",
}
# `?delimiter=` (apps.core.api.csv_dialect), on every operation that can answer CSV.
DELIMITER_PARAMETER = {
    "name": "delimiter",
    "in": "query",
    "required": False,
    "description": "A CSV's field separator. format=csv: comma unless given, decimals always with a point. "
    "format=csv-excel: without it, the style of the reader's Excel, from Accept-Language (semicolon and "
    "decimal comma for languages that write 1234,50: ru, de, fr, kk, uz…; else comma and point); with it, "
    "that separator, and decimal commas exactly with semicolon. The response says which in its "
    "X-CSV-Delimiter and X-CSV-Decimal-Mark headers.",
    "schema": {"type": "string", "enum": list(DELIMITERS)},
}
READ_ERRORS = ["400", "404", "406", "429"]
WRITE_ERRORS = ["400", "401", "403", "404", "406", "409", "429"]


class CatrackAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus what the API really does: anonymous reads and error statuses."""

    def get_auth(self):
        auths = super().get_auth()
        # DjangoModelPermissionsOrAnonReadOnly: anyone may read.
        if self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in responses.items():
            content = response.get("content", {}) if str(code).startswith("2") else {}
            # What each export really is (drf-spectacular gives every renderer the JSON body's schema): a
            # generated client then reads a CSV as text and an XLSX as a file, not as JSON.
            if "text/csv" in content:
                content["text/csv"] = {"schema": {"type": "string", "description": "CSV, a header line first"}}
            if XLSX_MEDIA_TYPE in content:
                content[XLSX_MEDIA_TYPE] = {"schema": {"type": "string", "format": "binary"}}
        codes = READ_ERRORS if self.method in SAFE_METHODS else WRITE_ERRORS
        if self.method in ("PUT", "PATCH", "DELETE") or self.path.endswith("/revert/"):
            codes = [*codes, "412"]  # a stale If-Match (apps.core.api.views.check_if_match)
        error_schema = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
        for code in codes:
            responses.setdefault(
                code,
                {
                    # An error comes in the requested format: JSON, or CSV with ?format=csv.
                    "content": {
                        "application/json": {"schema": error_schema},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                    "description": ERROR_RESPONSES[code],
                },
            )
        if "429" in responses:  # throttled clients are told how long to wait (apps.core.throttling)
            responses["429"].setdefault(
                "headers",
                {
                    "Retry-After": {
                        "description": "Seconds to wait before trying again.",
                        "schema": {"type": "integer"},
                    }
                },
            )
        return responses


def group_by_parameter(keys, description):
    """`group_by=a,b`: a comma-separated, non-repeating list of the given keys."""
    from drf_spectacular.utils import OpenApiParameter

    return OpenApiParameter(
        "group_by",
        {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": "string", "enum": list(keys)}},
        # Generated clients repeat the parameter for a list (form, explode); comma-separated works too.
        required=True,
        style="form",
        explode=True,
        description=f"{description} Also repeated: group_by=a&group_by=b.",
    )


def csv_export_operations(result, generator, request, public):
    """drf-spectacular postprocessing hook: each resource list's CSV export as an operation of its own,
    `GET /api/v1/<resource>.csv` (the list's format suffix: every matching row, streamed), whose body is
    declared as CSV text. Generated clients parse one content type per status: the list's JSON page; this
    gives them `<resource>_list_csv`, which returns the text instead of failing to parse it as JSON."""
    paths = result.get("paths", {})
    for path, operations in list(paths.items()):
        operation = operations.get("get")
        if (
            not path.endswith("/")
            or path.count("/") != 4
            or operation is None
            or not operation.get("operationId", "").endswith("_list")
            or "text/csv" not in operation.get("responses", {}).get("200", {}).get("content", {})
        ):
            continue
        export = {
            **operation,
            "operationId": f"{operation['operationId']}_csv",
            "description": "Every row of the list as CSV (streamed), with the same filters and ordering; "
            "`delimiter=semicolon` for Excel in semicolon locales (or format=csv-excel on the list).",
            "parameters": [
                p for p in operation.get("parameters", []) if p.get("name") not in ("format", "page", "page_size")
            ],
            "responses": {
                **{code: response for code, response in operation["responses"].items() if code != "200"},
                "200": {
                    "description": "CSV, a header line first",
                    "content": {"text/csv": {"schema": {"type": "string"}}},
                },
            },
        }
        paths[f"{path[:-1]}.csv"] = {"get": export}
    return result


def describe_schema(result, generator, request, public):
    """drf-spectacular postprocessing hook: the one error body (ERROR_COMPONENT) as a component, and the
    parameters drf-spectacular leaves undescribed (PARAMETER_DESCRIPTIONS) described, so that every
    parameter of every operation says what it does."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            answers_csv = any(
                "text/csv" in response.get("content", {})
                for code, response in operation.get("responses", {}).items()
                if code.startswith("2")
            )
            if answers_csv and not any(p.get("name") == "delimiter" for p in operation.get("parameters", [])):
                operation.setdefault("parameters", []).append(DELIMITER_PARAMETER)
            for parameter in operation.get("parameters", []):
                key = (parameter.get("in"), parameter.get("name"))
                if not parameter.get("description") and key in PARAMETER_DESCRIPTIONS:
                    parameter["description"] = PARAMETER_DESCRIPTIONS[key]
    return result
