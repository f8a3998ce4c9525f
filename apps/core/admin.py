"""Admin building blocks shared by every app: citations inline, history, import/export, timestamps,
and saves that survive a concurrent conflicting save."""
from functools import cache

import tablib
from django import forms
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db import IntegrityError, router, transaction
from django.db.models import Q
from import_export.admin import ImportExportMixin
from rest_framework.authtoken.models import TokenProxy
from import_export.resources import modelresource_factory
from simple_history.admin import SimpleHistoryAdmin

from apps.core.csv_cells import LINE_END, formula_safe
from apps.core.change_capture import start_change
from apps.core.exceptions import integrity_error_detail
from apps.core.import_storage import OpaqueIdTempStorage
from apps.search.text import text_search_of
from apps.sources.models import Citation

CONFLICT_ATTRIBUTE = "_catrack_integrity_conflict"

# DRF stores API tokens in clear text and its admin listed every key to anyone with view_tokenproxy; a
# superuser's key copied from there could write. Tokens are issued and rotated on the server only:
# `manage.py drf_create_token --reset <username>` prints the new key once and voids the old one.
admin.site.unregister(TokenProxy)


class ConflictSafeAdminMixin:
    """Two analysts saving the same slug (or any other unique value) at once: both forms validate, the
    database refuses the second insert. Instead of a 500, that save is rolled back entirely (object,
    inlines, history, log entry) and the form comes back with the analyst's input and an error saying
    what clashed.

    Two analysts editing the same row: the change form carries the row's version (`row_version`, a hidden
    input); a save from a form loaded before someone else's save of that row is refused with a form
    error, so it cannot silently undo their change."""

    change_form_template = "admin/catrack_change_form.html"

    def _changeform_view(self, request, object_id, form_url, extra_context):
        if request.method != "POST":
            return super()._changeform_view(request, object_id, form_url, extra_context)
        try:
            # A savepoint inside changeform_view's transaction: the failed save leaves nothing behind.
            using = router.db_for_write(self.model)
            with transaction.atomic(using=using):
                start_change(request.user.get_username(), lock=object_id is not None, using=using)
                return super()._changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError as error:
            setattr(request, CONFLICT_ATTRIBUTE, integrity_error_detail(error))
            # Validate the same POST again; the form now carries the conflict (get_form), so it is shown
            # with the error instead of saved. Validation also sees the row the other analyst committed.
            return super()._changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        using = router.db_for_write(self.model)
        with transaction.atomic(using=using):
            start_change(request.user.get_username(), lock=True, using=using)  # tombstones name who deleted
            return super().delete_view(request, object_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = _versioned_form(super().get_form(request, obj, change, **kwargs))
        conflict = getattr(request, CONFLICT_ATTRIBUTE, None)
        if conflict is None:
            return form_class

        class ConflictForm(form_class):
            def clean(self):
                cleaned_data = super().clean()
                fields = [field for field in conflict["fields"] if field in self.fields]
                message = (
                    f"{conflict['detail']} Someone saved a conflicting change at the same moment, so nothing "
                    "of yours was saved. Check the values and save again."
                )
                self.add_error(fields[0] if len(fields) == 1 else None, message)
                return cleaned_data

        return ConflictForm


class TextSearchAdminMixin:
    """The admin's search box and autocomplete match as the API's `q=` does (apps.search): word forms in
    each field's language and near spellings of names on PostgreSQL, Unicode case-insensitive on SQLite.
    The admin's own `search_fields` (which may reach across relations, e.g. a pledge's donor name) still
    match too."""

    def get_search_results(self, request, queryset, search_term):
        own, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        search = text_search_of(self.model)
        condition = search.q(search_term) if search else None
        if condition is None:
            return own, may_have_duplicates
        # pk IN (…): the admin's own matches may come through joins that repeat rows; this never does.
        return queryset.filter(condition | Q(pk__in=own.values("pk"))), False
def _versioned_form(form_class):
    """`form_class` with a hidden `row_version`: the version of the row when the form was loaded, checked
    against the row, locked, when it is saved (TimeStampedModel.row_version). A POST without it (a
    script, not the admin's page) is not checked."""

    class VersionedForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            loaded = self.instance.row_version if self.instance.pk is not None else ""
            self.fields["row_version"] = forms.CharField(widget=forms.HiddenInput, required=False, initial=loaded)

        def clean(self):
            cleaned_data = super().clean()
            loaded = cleaned_data.get("row_version")
            if self.instance.pk is None or not loaded:
                return cleaned_data
            model = type(self.instance)
            # Locked until the admin's transaction ends: no other save can slip in between check and save.
            current = model._base_manager.select_for_update().only("updated_at").filter(pk=self.instance.pk).first()
            if current is not None and current.row_version != loaded:
                raise forms.ValidationError(
                    f"Someone else saved this {model._meta.verbose_name} (at {current.updated_at:%Y-%m-%d %H:%M:%S} "
                    "UTC) after you opened this form, so nothing of yours was saved: it would have undone their "
                    "change. Open it again to see their version, then re-apply your change.",
                    code="stale_form",
                )
            return cleaned_data

    VersionedForm.__name__ = form_class.__name__
    return VersionedForm


def fact_resource_factory(model):
    """The import/export resource of a model: each row is validated like the admin form (model clean(),
    field rules), so the preview lists row-level errors by field before anything is written; rows are
    matched by slug where the model has one, so importing the same file twice changes nothing."""
    has_slug = any(field.name == "slug" for field in model._meta.fields)
    return modelresource_factory(model, meta_options={
        "clean_model_instances": True,
        "import_id_fields": ["slug"] if has_slug else ["id"],
        "skip_unchanged": True,
        "report_skipped": True,
    })


class ValidatedImportExportMixin(ImportExportMixin):
    """CSV/XLSX import and export whose rows are validated like the admin form (fact_resource_factory).

    Import needs the model's add and change permissions (it creates and updates rows);
    django-import-export allows it to any staff user unless told otherwise. The uploaded file waits for
    its confirmation under an opaque id (OpaqueIdTempStorage), never under a name the client sends.
    """

    tmp_storage_class = OpaqueIdTempStorage

    def get_resource_classes(self, request):
        return self.resource_classes or [fact_resource_factory(self.model)]

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_export_formats(self):
        return [formula_safe_format(format_class) for format_class in super().get_export_formats()]


@cache
def formula_safe_format(format_class):
    """An import-export format whose exported cells go through apps.core.csv_cells.formula_safe, the rule
    the API's CSV and the importer's rejects follow (IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT alone only
    drops a leading '='); CSV and TSV lines end as every CSV catrack writes (csv_cells.LINE_END)."""

    class FormulaSafeFormat(format_class):
        def export_data(self, dataset, **kwargs):
            if self.get_title() in ("csv", "tsv"):
                kwargs.setdefault("lineterminator", LINE_END)
            rows = ([formula_safe(cell) for cell in row] for row in dataset)
            return super().export_data(tablib.Dataset(*rows, headers=dataset.headers), **kwargs)

    FormulaSafeFormat.__name__ = FormulaSafeFormat.__qualname__ = format_class.__name__
    return FormulaSafeFormat


class CitationInline(GenericTabularInline):
    model = Citation
    fields = ["source", "section", "paragraph", "key_phrase", "note"]
    autocomplete_fields = ["source"]
    extra = 0
    verbose_name_plural = "Citations (where the source says it)"


class FactAdmin(TextSearchAdminMixin, ConflictSafeAdminMixin, ValidatedImportExportMixin, SimpleHistoryAdmin):
    """Admin for a cited fact: citations inline, change history, CSV/XLSX import and export."""

    inlines = [CitationInline]
    readonly_fields = ["created_at", "updated_at"]
    list_per_page = 50
    show_full_result_count = False  # a COUNT(*) over a large table on every changelist page is wasteful

    def get_inlines(self, request, obj):
        # Citations always come last, after the model's own inlines.
        own = [inline for inline in self.inlines if inline is not CitationInline]
        return [*own, CitationInline]
