"""The columns a viewset loads are derived from its serializer (apps.core.api.columns): a field added to a
serializer reaches `.only()` with no other edit, and a field whose columns cannot be told fails loudly.

On the code before (hand-kept `.only()` lists in SummitViewSet and CITATION_BRIEF_COLUMNS) there was nothing
to derive from: a field added to ParticipationSerializer was deferred, and read with one query per row.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from apps.actors.models import Actor
from apps.core.api.columns import serializer_columns
from apps.core.api.fields import BriefRelatedField
from apps.core.api.sql import json_serializer_object, model_ordering_sql
from apps.sources.api.serializers import CitationBriefSerializer, citation_brief_columns
from apps.sources.models import Source
from apps.summits.api.serializers import ParticipationSerializer, SummitSerializer
from apps.summits.api.views import SummitViewSet
from apps.summits.models import Summit, SummitFormat, SummitParticipant
from tests.factories import SourceFactory, SummitFactory, SummitParticipantFactory


def loaded(queryset):
    """The `.only()` names a queryset loads (Django's deferred_loading: (names, defer=False))."""
    names, defer = queryset.query.deferred_loading
    assert not defer
    return set(names)


def test_the_summit_viewset_loads_what_its_serializers_read():
    assert loaded(SummitViewSet.queryset) == set(serializer_columns(SummitSerializer))
    participations = SummitViewSet.queryset._prefetch_related_lookups[0].queryset
    assert loaded(participations) == {"summit", *serializer_columns(ParticipationSerializer)}
    assert set(serializer_columns(CitationBriefSerializer)) <= set(citation_brief_columns())


def test_a_field_added_to_a_serializer_reaches_only():
    class WiderParticipation(ParticipationSerializer):
        class Meta(ParticipationSerializer.Meta):
            fields = [*ParticipationSerializer.Meta.fields, "created_at", "summit"]

    columns = serializer_columns(WiderParticipation)
    assert {"created_at", "summit"} <= set(columns)  # a plain ModelSerializer: the summit as its key


def test_a_brief_added_to_a_serializer_loads_what_it_shows():
    class WithSummitBrief(ParticipationSerializer):
        summit = BriefRelatedField(read_only=True)

        class Meta(ParticipationSerializer.Meta):
            fields = [*ParticipationSerializer.Meta.fields, "summit"]

    briefed = {"summit__id", "summit__slug", *(f"summit__{name}" for name in Summit.str_columns)}
    assert briefed <= set(serializer_columns(WithSummitBrief))


@pytest.mark.django_db
def test_a_derived_page_reads_no_column_per_row():
    """Serializing participants loaded with the derived `.only()` makes no query: nothing read was deferred."""
    for _ in range(3):
        SummitParticipantFactory()
    rows = list(
        SummitParticipant.objects.select_related("actor", "represented_by").only(
            *serializer_columns(ParticipationSerializer)
        )
    )
    with CaptureQueriesContext(connection) as queries:
        ParticipationSerializer(rows, many=True).data
    assert len(queries) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Summit, SummitFormat, Actor, Source])
def test_str_columns_are_what_str_reads(model):
    """A brief's name is str(row): a row loaded with only its str_columns prints with no query."""
    SummitFactory(), SourceFactory()
    pk = model.objects.values_list("pk", flat=True).first()
    if pk is None:
        pytest.skip(f"no {model.__name__} made by the factories")
    row = model.objects.only("slug", *model.str_columns).get(pk=pk)
    with CaptureQueriesContext(connection) as queries:
        str(row)
    assert len(queries) == 0


def test_a_field_whose_columns_cannot_be_told_fails_naming_it():
    class Computed(ParticipationSerializer):
        shout = serializers.SerializerMethodField()

        class Meta(ParticipationSerializer.Meta):
            fields = [*ParticipationSerializer.Meta.fields, "shout"]

        def get_shout(self, row):
            return row.role.upper()

    with pytest.raises(ImproperlyConfigured, match=r"Computed\.shout"):
        serializer_columns(Computed)

    class NoColumn(ParticipationSerializer):
        said = serializers.CharField(source="get_role_display", read_only=True)

        class Meta(ParticipationSerializer.Meta):
            fields = [*ParticipationSerializer.Meta.fields, "said"]

    with pytest.raises(ImproperlyConfigured, match=r"NoColumn\.said: 'get_role_display' is no column"):
        serializer_columns(NoColumn)


def test_the_sql_twin_writes_the_serializers_keys_in_its_order():
    """The summit page's SQL object (apps.summits.api.page_json) takes its keys and their order from
    SummitSerializer: moving a field in the serializer moves it in the twin, with no second edit."""
    members = {name: f"'{name}'" for name in SummitSerializer().fields}

    class Reordered(SummitSerializer):
        class Meta(SummitSerializer.Meta):
            fields = [*reversed(SummitSerializer.Meta.fields)]

    sql = json_serializer_object(Reordered, members, twin="test")
    keys = [name for name in Reordered().fields]
    assert [sql.index(f'"{name}":') for name in keys] == sorted(sql.index(f'"{name}":') for name in keys)
    assert keys != list(SummitSerializer().fields)


def test_a_field_the_sql_twin_cannot_render_fails_naming_it():
    class Wider(SummitSerializer):
        title = serializers.CharField(source="title_en", read_only=True)

        class Meta(SummitSerializer.Meta):
            fields = [*SummitSerializer.Meta.fields, "title"]

    members = {name: "'x'" for name in SummitSerializer().fields}
    with pytest.raises(ImproperlyConfigured, match=r"Wider\.title: the SQL twin apps\.summits\.api\.page_json cannot"):
        json_serializer_object(Wider, members, twin="apps.summits.api.page_json")
    with pytest.raises(ImproperlyConfigured, match=r"renders 'gone', which SummitSerializer has no field for"):
        json_serializer_object(SummitSerializer, {**members, "gone": "'x'"}, twin="apps.summits.api.page_json")


def test_the_sql_twin_orders_nested_lists_as_the_models_do():
    """The participants and citations nested in the summit page follow their models' Meta.ordering, as the ORM's
    prefetch does: a change to the ordering reaches the twin with no second edit."""

    assert (
        model_ordering_sql(SummitParticipant, {"": "sp", "actor": "a"}, ["-role", "actor__slug"])
        == "sp.role DESC, a.slug"
    )
    assert model_ordering_sql(SummitParticipant, {"": "sp", "actor": "a"}) == "sp.summit_id, sp.role, a.name_en, sp.id"
    with pytest.raises(
        ImproperlyConfigured, match=r"SummitParticipant\.Meta\.ordering: 'actor__name_en' needs an alias"
    ):
        model_ordering_sql(SummitParticipant, {"": "sp"})
