"""Hostile or odd inputs get a 4xx (or an empty answer), never a 500 — on SQLite and PostgreSQL."""

import pytest

from catrack.urls import router
from tests.factories import CitationFactory, TradeFlowFactory

ODD_QUERIES = [
    ("summits", {"year": "99999"}),
    ("summits", {"year": "-5"}),
    ("documents", {"year": "0"}),
    ("trade-flows", {"year": "40000"}),
    ("trade-flows", {"year_min": "99999999999999999999"}),
    ("trade-flows", {"month": "-1"}),
    ("trade-flows", {"reporter": "\x00"}),
    ("trade-flows", {"commodity": "\x00"}),
    ("trade-flows", {"value_usd_min": "1e400"}),
    ("trade-flows", {"value_usd_min": "NaN"}),
    ("citations", {"fact_id": "99999999999999999999999"}),
    ("pledges", {"parent": "99999999999999999999999"}),
    ("pledges", {"amount_usd_min": "Infinity"}),
    ("summits", {"q": "\x00"}),
    ("summits", {"q": "!!! & | :* ''"}),
    ("summits", {"ordering": "-"}),
    ("summits", {"ordering": ","}),
    ("summits", {"modified_since": "9999-12-31T23:59:59-14:00"}),
    ("summits", {"page": "99999999999999999999"}),
    ("pledges", {"page": "22108358249683376064692224"}),
    ("documents", {"modified_since": "7208-05-15T08:00:28+18:55"}),
    ("actors", {"created_since": "0217-09-10T18:06:05-16:40"}),
    ("trade-statements", {"rank": "99999999"}),
    ("trade-statements", {"year_from": "1e30"}),
    ("summits", {"ordinal": "99999999999999999999"}),
    ("pledges", {"period_years": "-99999999999999999999"}),
    ("pledges", {"usd_rate": "1e-400"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("prefix, params", ODD_QUERIES, ids=[f"{p}-{list(q)[0]}" for p, q in ODD_QUERIES])
def test_odd_query_values_never_500(api_client, prefix, params):
    TradeFlowFactory()
    CitationFactory()
    response = api_client.get(f"/api/v1/{prefix}/", params)
    assert response.status_code < 500, response.content[:500]


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", [p for p, _v, _b in router.registry])
@pytest.mark.parametrize("key", ["99999999999999999999999", "-1", "%00", "x" * 300])
def test_odd_detail_keys_are_404(api_client, prefix, key):
    response = api_client.get(f"/api/v1/{prefix}/{key}/")
    assert response.status_code == 404, response.content[:300]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, payload, field",
    [
        ("/api/v1/trade-flows/", {"reporter": "a\x00b"}, "reporter"),
        ("/api/v1/pledges/", {"donor": "x" * 500}, "donor"),
        ("/api/v1/pledges/", {"recipients": ["a\x00"]}, "recipients"),
        ("/api/v1/citations/", {"fact_type": "summits\x00.summit"}, "fact_type"),
        ("/api/v1/actor-relations/", {"subject": 12}, "subject"),
    ],
)
def test_bad_related_values_in_writes_are_400(editor_client, path, payload, field):
    response = editor_client.post(path, payload, format="json")
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()


@pytest.mark.django_db
def test_writes_refuse_unknown_query_parameters(editor_client):
    for params in ("?format=AAA", "?yeer=2025"):
        response = editor_client.post(f"/api/v1/topics/{params}", {"slug": "ai", "name_en": "AI"}, format="json")
        assert response.status_code == 400, response.content
    from apps.summits.models import Topic

    assert not Topic.objects.exists()
