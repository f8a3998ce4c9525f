"""Admin building blocks shared by every app: text search, history, import/export, timestamps, and saves that
survive a concurrent conflicting save. A cited fact's admin (citations inline) is apps.sources.admin.FactAdmin."""

from collections import defaultdict
from functools import cache

import tablib
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, router, transaction
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from import_export import widgets
from import_export.admin import ImportExportMixin
from import_export.forms import SelectableFieldsExportForm
from import_export.resources import ModelResource, modelresource_factory

from apps.core import registry
from apps.core.change_capture import start_change
from apps.core.csv_cells import LINE_END, formula_safe
from apps.core.import_storage import OpaqueIdTempStorage
from apps.core.integrity_errors import integrity_error_detail
from apps.core.models import ApiToken, ChangeEvent, ChangeSetRevert
from apps.core.reverts import RevertRefused, changeset_models, revert_changeset, revert_row_to_version

CONFLICT_ATTRIBUTE = "_catrack_integrity_conflict"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Who holds an API key, since when, and its first characters; deleting a row revokes the key. Keys are
    issued on the server only (`manage.py api_token USER`, shown once); the database holds their digests, and
    the admin shows neither (issue 16: DRF's admin listed every plain key to anyone with view_tokenproxy)."""

    list_display = ("user", "prefix", "created")
    fields = ("user", "prefix", "created")
    readonly_fields = fields
    search_fields = ("user__username",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BoundedChangeList(ChangeList):
    """Django's change list; a date-hierarchy value no date holds (`?date__year=99999999999999999999` is an
    OverflowError in Django, not the ValueError it turns into "wrong parameters") is shown like any other
    wrong parameter (Django's redirect to `?e=1`), not a 500."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error


class BoundedInputAdminMixin:
    """Every admin's search box, autocomplete and filters take any input without a 500: a NUL byte, which no
    stored text holds and PostgreSQL refuses in a parameter, is dropped from a search; see BoundedChangeList."""

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))

    def get_changelist(self, request, **kwargs):
        return BoundedChangeList


def delete_selected_keeping_rules(modeladmin, request, queryset):
    """Django's "delete selected" action in a savepoint: a rule the deletion would break (a ValidationError from
    the model's QuerySet.delete(), e.g. CitationQuerySet's) is shown as an error and nothing is deleted or logged."""
    from django.contrib.admin.actions import delete_selected

    try:
        with transaction.atomic(using=router.db_for_write(modeladmin.model)):
            return delete_selected(modeladmin, request, queryset)
    except ValidationError as error:
        modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
        return None


class ConflictSafeAdminMixin(BoundedInputAdminMixin):
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
        try:
            with transaction.atomic(using=using):
                start_change(request.user.get_username(), lock=True, using=using)  # tombstones name who deleted
                return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:  # a rule the deletion would break (e.g. Citation.delete): nothing deleted
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions["delete_selected"] = (delete_selected_keeping_rules, name, description)
        return actions

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


class FeedHistoryAdminMixin:
    """The admin's history of a row read from the change feed, the record `/history/` serves (apps.core.history):
    every write however made (a QuerySet.update(), raw SQL, loaddata too), who and why, many-to-many changes by
    slug, a deletion's last values. Each entry links to its revert page, which shows the row as it was then and
    reverts through catrack's row revert (apps.core.reverts: lock, stale-form check, rules, many-to-many values,
    the feed naming who and why), never through a plain form save."""

    object_history_template = "admin/catrack_object_history.html"
    history_entry_template = "admin/catrack_history_entry.html"

    def get_urls(self):
        from django.urls import path

        info = self.opts.app_label, self.opts.model_name
        entry = path(
            "<path:object_id>/history/<int:history_id>/",
            self.admin_site.admin_view(self.history_entry_view),
            name="%s_%s_history_entry" % info,
        )
        return [entry, *super().get_urls()]

    def history_view(self, request, object_id, extra_context=None):
        """The row's history, newest first (also of a row deleted since, from its feed events)."""
        from django.contrib.admin.utils import unquote

        from apps.core.history import row_history

        obj = self.get_object(request, unquote(object_id))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        pk = obj.pk if obj is not None else _pk_or_404(self.model, unquote(object_id))
        entries = row_history(self.model, pk, show_editors=True)
        if obj is None and not entries:
            raise Http404
        for entry in entries:
            entry["url"] = (
                reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_history_entry", args=[pk, entry["history_id"]]
                )
                if obj is not None and entry["change_type"] != "deleted"
                else None
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change history: {obj if obj is not None else f'{self.opts.verbose_name} {pk} (deleted)'}",
            "subtitle": None,
            "entries": entries,
            "module_name": str(self.opts.verbose_name_plural).capitalize(),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    def history_entry_view(self, request, object_id, history_id):
        """GET: the row's values at history entry `history_id` beside today's, and a button to revert to them
        (carrying the row's version now: a save by someone else since refuses the revert). POST: the revert."""
        from django.contrib.admin.utils import unquote

        from apps.core.reverts import entry_cutoff, links_at, row_values

        current = self.get_object(request, unquote(object_id))
        if current is None:
            raise Http404
        if not self.has_view_or_change_permission(request, current):
            raise PermissionDenied
        history_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[current.pk])
        if request.method == "POST":
            return self._revert_to_entry(request, current, history_id, history_url)
        try:
            event, cutoff = entry_cutoff(self.model, current.pk, history_id)
        except LookupError:
            raise Http404 from None
        then = row_values(self.model, event.row)
        links = links_at(self.model, current.pk, cutoff)
        fields = [
            {
                "name": field.verbose_name,
                "then": then.get(field.attname),
                "now": getattr(current, field.attname),
            }
            for field in self.model._meta.concrete_fields
            if not field.primary_key
        ] + [
            {
                "name": self.model._meta.get_field(name).verbose_name,
                "then": ", ".join(map(str, ids)),
                "now": ", ".join(str(pk) for pk in sorted(getattr(current, name).values_list("pk", flat=True))),
            }
            for name, ids in links.items()
        ]
        for field in fields:
            field["differs"] = field["then"] != field["now"]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revert {self.opts.verbose_name} to history entry {history_id}",
            "subtitle": str(current),
            "object": current,
            "opts": self.opts,
            "history_id": history_id,
            "history_url": history_url,
            "fields": fields,
            "row_version": current.row_version,  # the row's version now, carried by the form
            "can_revert": self.has_change_permission(request, current),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.history_entry_template, context)

    def _revert_to_entry(self, request, current, history_id, history_url):
        if not self.has_change_permission(request, current):
            raise PermissionDenied
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[current.pk])
        using = router.db_for_write(self.model)
        try:
            with transaction.atomic(using=using):
                start_change(request.user.get_username(), lock=True, using=using)
                row = self.model._base_manager.select_for_update().get(pk=current.pk)
                loaded = request.POST.get("row_version")
                if loaded and loaded != row.row_version:
                    raise RevertRefused(
                        f"Someone else saved this {self.opts.verbose_name} after you opened this "
                        "entry, so it was not reverted. Open it again to see their change."
                    )
                revert_row_to_version(row, history_id, using=using)
        except LookupError:
            raise Http404 from None
        except (ValidationError, RevertRefused, IntegrityError) as error:
            detail = (
                error.message
                if isinstance(error, RevertRefused)
                else integrity_error_detail(error)["detail"]
                if isinstance(error, IntegrityError)
                else "; ".join(error.messages)
            )
            self.message_user(request, f"Not reverted: {detail}", messages.ERROR)
            return HttpResponseRedirect(request.path)
        self.message_user(request, f"Reverted to history entry {history_id}.", messages.SUCCESS)
        return HttpResponseRedirect(change_url)


def _pk_or_404(model, value):
    try:
        return model._meta.pk.to_python(value)
    except ValidationError:
        raise Http404 from None


class TextSearchAdminMixin:
    """The admin's search box and autocomplete match as the API's `q=` does (apps.search): word forms in
    each field's language and near spellings of names on PostgreSQL, Unicode case-insensitive on SQLite.
    The admin's own `search_fields` (which may reach across relations, e.g. a pledge's donor name) still
    match too."""

    def get_search_results(self, request, queryset, search_term):
        search_term = search_term.replace("\x00", "")  # as BoundedInputAdminMixin, for admins listing this first
        own, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        search = registry.text_search(self.model)
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


class FactResource(ModelResource):
    """The base of every admin import/export resource: catrack's own export of a model imports back
    unchanged (issue 26), whatever the format.

    - Text cells: an empty cell (None from XLSX, "" from CSV) is the field's empty value, None where the
      column is nullable and "" where it is not; the leading "'" that the export's formula guard
      (apps.core.csv_cells.formula_safe) put before text starting like a formula is taken off again, only
      where formula_safe would have put it.
    - Columns Django fills itself (not editable: created_at, updated_at) are exported, never imported, so
      they neither make every row an update nor move.
    - One key (the import id column) on two lines of one file is refused on each of those lines, naming
      both: the second would silently overwrite the first.
    """

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly or not django_field.editable)
        if isinstance(django_field, models.CharField | models.TextField):
            field.widget = TextCellWidget(null=django_field.null)
        elif django_field.is_relation and _slug_field(django_field.related_model) is not None:
            # By slug, not id: a file taken to another database names the same rows there.
            widget = SlugManyToManyWidget if django_field.many_to_many else SlugForeignKeyWidget
            field.widget = widget(django_field.related_model, field="slug")
            field.attribute = field_name  # the related row (django-import-export reads `<name>_id` for an id)
        return field

    def iter_queryset(self, queryset):
        """The rows to export, each foreign key's row read in the same query (its slug is the cell)."""
        if isinstance(queryset, models.QuerySet):
            related = [f.attribute for f in self.get_export_fields() if isinstance(f.widget, SlugForeignKeyWidget)]
            queryset = queryset.select_related(*related)
        return super().iter_queryset(queryset)

    def import_instance(self, instance, row, **kwargs):
        """As django-import-export's, and a many-to-many cell naming rows that do not exist is an error of
        its field too (django-import-export drops unknown values silently, after validation)."""
        errors = {}
        for field in self.get_import_fields():
            if isinstance(field.widget, SlugManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = [str(error)]
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = {**error.message_dict, **errors}
        if errors:
            raise ValidationError(errors)

    def before_import(self, dataset, **kwargs):
        """Find the keys that more than one line of `dataset` names (lines counted as the admin's
        "Line number": the first row under the header is line 1)."""
        super().before_import(dataset, **kwargs)
        (key,) = self._meta.import_id_fields
        column = self.fields[key].column_name
        lines = defaultdict(list)
        if column in (dataset.headers or []):
            for number, value in enumerate(dataset[column], 1):
                value = unescape_formula(value)
                if value not in (None, ""):
                    lines[str(value).strip()].append(number)
        self._repeated_keys = {value: numbers for value, numbers in lines.items() if len(numbers) > 1}

    def before_import_row(self, row, **kwargs):
        """Take the export's formula escape off every text cell; refuse a row whose key is repeated
        (ValidationError naming the key column, shown as that row's error in the preview)."""
        super().before_import_row(row, **kwargs)
        for column, value in row.items():
            row[column] = unescape_formula(value)
        (key,) = self._meta.import_id_fields
        column = self.fields[key].column_name
        value = row.get(column)
        numbers = getattr(self, "_repeated_keys", {}).get("" if value is None else str(value).strip())
        if numbers:
            listed = ", ".join(str(number) for number in numbers[:-1]) + f" and {numbers[-1]}"
            raise ValidationError({key: f"{column} {value} is on lines {listed} of this file: give each row once."})


class TextCellWidget(widgets.CharWidget):
    """A text column's cell: empty (None or "") is None where the column is nullable, "" where not."""

    def __init__(self, null):
        super().__init__(coerce_to_string=True, allow_blank=not null)
        self.null = null

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None if self.null else ""
        return super().clean(value, row, **kwargs)


def _slug_field(model):
    """`model`'s unique `slug` field, its rows' name in files, or None."""
    field = next((field for field in model._meta.fields if field.name == "slug"), None)
    return field if field is not None and field.unique else None


def _unknown_slugs_message(model, slugs):
    noun = model._meta.verbose_name
    listed = ", ".join(repr(slug) for slug in slugs)
    hint = " (the column takes slugs, not ids)" if all(slug.isdigit() for slug in slugs) else ""
    return (
        f"No {noun} with the slug {listed}{hint}." if len(slugs) == 1 else f"No {noun} with the slugs {listed}{hint}."
    )


class SlugForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key's cell: the related row's slug. Unknown: a ValueError naming it (the row's error on the field)."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value.strip() if isinstance(value, str) else value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(_unknown_slugs_message(self.model, [str(value).strip()])) from None


class SlugManyToManyWidget(widgets.ManyToManyWidget):
    """A many-to-many cell: the related rows' slugs, comma-separated. Unknown slugs: a ValueError naming them."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return self.model.objects.none()
        slugs = [slug.strip() for slug in str(value).split(self.separator) if slug.strip()]
        rows = self.model.objects.filter(**{f"{self.field}__in": slugs})
        missing = sorted(set(slugs) - {str(slug) for slug in rows.values_list(self.field, flat=True)})
        if missing:
            raise ValueError(_unknown_slugs_message(self.model, missing))
        return rows


class FieldSelectionExportForm(SelectableFieldsExportForm):
    """The export page's form, whose field checkboxes no longer overwrite its own `format` and `resource`
    choices: django-import-export renames `summitresource_format` to `format` in cleaned_data, so a model
    with a `format` (or `resource`) field lost that column from its export and had the format chosen by
    the checkbox (int(True) == 1)."""

    @property
    def media(self):
        """django-import-export's scripts, then apps/core/static/core/export_select_all.js: "Select all"
        without the inline handler the Content-Security-Policy refuses."""
        return super().media + forms.Media(js=["core/export_select_all.js"])  # after the handler's file

    def _normalize_resource_fields(self, selected_resource):
        prefix = selected_resource.__name__.lower() + "_"
        self._selected_resource_fields = [
            name.removeprefix(prefix)
            for name, value in self.cleaned_data.items()
            if name.startswith(prefix) and value is True
        ]

    def _validate_any_field_selected(self, resource):
        if not self._selected_resource_fields:
            raise forms.ValidationError(
                'Select at least 1 field for "%(resource_name)s" to export',
                code="invalid",
                params={"resource_name": resource.get_display_name()},
            )

    def get_selected_resource_export_fields(self):
        order = self.get_selected_resource()().get_export_order()
        return [name for name in order if name in self._selected_resource_fields]


def unescape_formula(value):
    """`value` without the leading "'" that apps.core.csv_cells.formula_safe adds (and only where it would
    add it: "'=1+2" becomes "=1+2", "'-5" and "'text" stay as they are)."""
    if isinstance(value, str) and value.startswith("'") and formula_safe(value[1:]) == value:
        return value[1:]
    return value


def fact_resource_factory(model):
    """The import/export resource of a model: each row is validated like the admin form (model clean(),
    field rules), so the preview lists row-level errors by field before anything is written; rows are
    matched by slug where the model names its rows by one, so importing the same file twice changes nothing.
    Pledges and trade measures, whose slug is made up when not given, are matched by id as before."""
    named_by_slug = any(field.name == "slug" and not field.has_default() for field in model._meta.fields)
    return modelresource_factory(
        model,
        resource_class=FactResource,
        meta_options={
            "clean_model_instances": True,
            "import_id_fields": ["slug"] if named_by_slug else ["id"],
            "skip_unchanged": True,
            "report_skipped": True,
        },
    )


class ValidatedImportExportMixin(ImportExportMixin):
    """CSV/XLSX import and export whose rows are validated like the admin form (fact_resource_factory).

    Import needs the model's add and change permissions (it creates and updates rows), export its view
    permission (view or change, as Django's changelist): django-import-export allows both to any staff user
    unless told otherwise. The uploaded file waits for
    its confirmation under an opaque id (OpaqueIdTempStorage), never under a name the client sends.
    """

    tmp_storage_class = OpaqueIdTempStorage
    export_form_class = FieldSelectionExportForm

    def get_resource_classes(self, request):
        return self.resource_classes or [fact_resource_factory(self.model)]

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def export_action(self, request):
        """The export page without its one inline event handler, which the Content-Security-Policy refuses
        (and reports) as the page loads; apps/core/static/core/export_select_all.js attaches it instead."""
        response = super().export_action(request)
        if isinstance(response, TemplateResponse):
            response.add_post_render_callback(_without_inline_select_all)
        return response

    def get_export_formats(self):
        return [formula_safe_format(format_class) for format_class in super().get_export_formats()]


def _without_inline_select_all(response):
    response.content = response.content.replace(INLINE_SELECT_ALL, b"")


INLINE_SELECT_ALL = b' onchange="onSelectToggleChange(event)"'


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


class ReadOnlyAdminMixin:
    """A record the system writes: listed and viewed, never added, changed or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChangeEvent)
class ChangeEventAdmin(ReadOnlyAdminMixin, BoundedInputAdminMixin, admin.ModelAdmin):
    """The change feed, read-only, with the revert of whole change sets (apps.core.reverts.revert_changeset):
    select any event of a change set and run the action."""

    list_display = ["id", "changeset", "occurred_at", "action", "resource", "object_id", "user", "reason"]
    list_filter = ["action", "resource"]
    search_fields = ["=changeset", "=object_id", "user"]
    actions = ["revert_change_sets", "force_revert_change_sets"]
    show_full_result_count = False

    @admin.action(description="Revert the change sets of the selected events")
    def revert_change_sets(self, request, queryset, force=False):
        changesets = sorted({c for c in queryset.values_list("changeset", flat=True) if c is not None}, reverse=True)
        for changeset in changesets:  # newest first, each in its own transaction
            missing = [
                f"{m._meta.app_label}.change_{m._meta.model_name}"
                for m in changeset_models(changeset)
                if not request.user.has_perm(f"{m._meta.app_label}.change_{m._meta.model_name}")
            ]
            if missing:
                self.message_user(
                    request,
                    f"Change set {changeset} not reverted: you lack {', '.join(sorted(missing))}.",
                    messages.ERROR,
                )
                continue
            try:
                result = revert_changeset(
                    changeset,
                    username=request.user.get_username(),
                    force=force,
                    seconds=settings.REVERT_REQUEST_SECONDS,
                )
            except (RevertRefused, ValidationError, IntegrityError) as error:
                if isinstance(error, RevertRefused):
                    rows = ", ".join(f"{r['resource']} {r['object_id']}" for r in error.rows)
                    detail = f"{error.message} ({rows})"
                elif isinstance(error, ValidationError):
                    detail = "; ".join(error.messages)
                else:
                    detail = integrity_error_detail(error)["detail"]
                progress = getattr(error, "revert", None)
                done = f" It stays partly reverted: {_progress(progress)}." if progress is not None else ""
                self.message_user(request, f"Change set {changeset} not reverted: {detail}.{done}", messages.ERROR)
            else:
                if result.finished_at is None:
                    self.message_user(request, f"Change set {changeset}: {_progress(result)}.", messages.WARNING)
                else:
                    self.message_user(
                        request,
                        f"Change set {changeset} reverted ({result.rows} rows) as change set {result.reverted_by}.",
                        messages.SUCCESS,
                    )

    @admin.action(description="Revert the change sets of the selected events, overwriting later changes")
    def force_revert_change_sets(self, request, queryset):
        self.revert_change_sets(request, queryset, force=True)


def _progress(progress):
    return (
        f"{progress.rows} of {progress.rows_total} rows reverted so far, as change set {progress.reverted_by}; run "
        f"the action again, or `manage.py revert_changeset {progress.changeset}`, to continue"
    )


@admin.register(ChangeSetRevert)
class ChangeSetRevertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Change sets' reverts and how far each got (apps.core.reverts): a partial one continues when the change
    set is reverted again. Read-only."""

    list_display = [
        "id",
        "changeset",
        "reverted_by",
        "state",
        "rows",
        "rows_total",
        "user",
        "started_at",
        "finished_at",
    ]
    search_fields = ["=changeset", "=reverted_by"]
    readonly_fields = list_display[1:]
