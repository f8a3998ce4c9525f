"""API tests for pledges, and the pledge summary (known sums, no double counting)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.investments.models import Instrument, PledgeStatus, UsdBasis
from tests.api.helpers import APIResourceTests, Narrows, assert_status
from tests.factories import DocumentFactory, PledgeFactory, StateFactory, SummitFactory, TopicFactory


def _pledge_with_recipient():
    pledge = PledgeFactory()
    pledge.recipients.add(StateFactory())
    return pledge, PledgeFactory()


def _pledge_with_purpose():
    pledge = PledgeFactory()
    pledge.purposes.add(TopicFactory())
    return pledge, PledgeFactory()


def _usd(amount):
    return PledgeFactory(amount=Decimal(amount) * 150, amount_usd=Decimal(amount))


class TestPledgeAPI(APIResourceTests):
    basename = "pledge"
    factory = PledgeFactory
    actor_param = "donor"
    max_list_queries = 4  # page with its total (window count), recipients, purposes, citations
    update_data = {"description_en": "ODA for Central Asia over five years", "status": "committed"}
    invalid_data = {"amount": "-5"}
    filters = [
        Narrows("donor", lambda p: p.donor.slug),
        Narrows("recipient", lambda p: p.recipients.get().slug, _pledge_with_recipient),
        Narrows("currency", lambda p: "usd", lambda: (PledgeFactory(currency="USD"), PledgeFactory(currency="JPY"))),
        Narrows(
            "instrument",
            lambda p: p.instrument,
            lambda: (PledgeFactory(instrument=Instrument.GRANT), PledgeFactory(instrument=Instrument.ODA_LOAN)),
        ),
        Narrows(
            "status",
            lambda p: p.status,
            lambda: (PledgeFactory(status=PledgeStatus.COMMITTED), PledgeFactory(status=PledgeStatus.ANNOUNCED)),
        ),
        Narrows("summit", lambda p: p.summit.slug, lambda: (PledgeFactory(summit=SummitFactory()), PledgeFactory())),
        Narrows(
            "document", lambda p: p.document.slug, lambda: (PledgeFactory(document=DocumentFactory()), PledgeFactory())
        ),
        Narrows("purpose", lambda p: p.purposes.get().slug, _pledge_with_purpose),
        Narrows("amount_usd_min", lambda p: "1000", lambda: (_usd(5000), _usd(10))),
        Narrows("amount_usd_max", lambda p: "1000", lambda: (_usd(10), _usd(5000))),
        Narrows(
            "year",
            lambda p: "2026",
            lambda: (
                PledgeFactory(period_start=datetime.date(2026, 1, 1), period_start_precision="year"),
                PledgeFactory(),
            ),
        ),
        Narrows(
            "counts_in_totals", lambda p: "false", lambda: (PledgeFactory(counts_in_totals=False), PledgeFactory())
        ),
        Narrows(
            "q", lambda p: "uranium", lambda: (PledgeFactory(description_en="Uranium exploration"), PledgeFactory())
        ),
    ]

    def make_rich(self):
        pledge = super().make_rich()
        pledge.recipients.add(StateFactory(), StateFactory())
        pledge.purposes.add(TopicFactory())
        return pledge

    def create_data(self):
        return {
            "donor": StateFactory().slug,
            "recipients": [StateFactory().slug],
            "amount": "3000000000000",
            "currency": "JPY",
            "amount_usd": "19000000000",
            "usd_basis": UsdBasis.STATED_BY_SOURCE,
            "period_start": "2026-01-01",
            "period_start_precision": "year",
            "period_years": 5,
        }


@pytest.mark.django_db
def test_usd_amount_without_basis_is_400_per_field(editor_client):
    """Pledge.clean() through the API: a USD amount needs its basis."""
    response = editor_client.post(
        "/api/v1/pledges/",
        {
            "donor": StateFactory().slug,
            "amount": "100",
            "currency": "JPY",
            "amount_usd": "1",
            "usd_basis": "none",
        },
        format="json",
    )
    assert_status(response, 400)
    assert "usd_basis" in response.json()


@pytest.fixture
def pledges_with_a_component():
    """Japan: 3 trillion yen (≈19 bn USD) of which 1 bn USD is a component; Korea: 2 pledges."""
    japan, korea, kazakhstan = StateFactory(slug="japan"), StateFactory(slug="korea"), StateFactory(slug="kazakhstan")
    parent = PledgeFactory(
        donor=japan,
        amount=Decimal("3000000000000"),
        amount_usd=Decimal("19000000000.00"),
        period_start=datetime.date(2026, 1, 1),
        period_start_precision="year",
    )
    parent.recipients.add(kazakhstan)
    PledgeFactory(
        donor=japan,
        parent=parent,
        counts_in_totals=False,
        amount=Decimal("150000000000"),
        amount_usd=Decimal("1000000000.00"),
    )
    for amount in ("100.00", "250.50"):
        PledgeFactory(donor=korea, currency="USD", amount=Decimal(amount), amount_usd=Decimal(amount))
    return parent


@pytest.mark.django_db
def test_pledge_summary_by_donor_has_known_sums_and_skips_components(api_client, pledges_with_a_component):
    response = api_client.get("/api/v1/pledges/summary/", {"group_by": "donor"})
    assert_status(response, 200)
    rows = {row["donor"]: row for row in response.json()}
    assert Decimal(rows["japan"]["total_usd"]) == Decimal("19000000000.00")  # the component is not added
    assert rows["japan"]["count"] == 1
    assert Decimal(rows["korea"]["total_usd"]) == Decimal("350.50")
    assert rows["korea"]["count"] == 2


@pytest.mark.django_db
def test_pledge_summary_combinations_and_filters(api_client, pledges_with_a_component):
    rows = api_client.get("/api/v1/pledges/summary/", {"group_by": "donor,currency"}).json()
    assert {(r["donor"], r["currency"]): Decimal(r["total_amount"]) for r in rows} == {
        ("japan", "JPY"): Decimal("3000000000000.00"),
        ("korea", "USD"): Decimal("350.50"),
    }
    rows = api_client.get("/api/v1/pledges/summary/", {"group_by": "recipient,year", "donor": "japan"}).json()
    assert [(r["recipient"], r["year"], r["count"]) for r in rows] == [("kazakhstan", 2026, 1)]


@pytest.mark.django_db
@pytest.mark.parametrize("group_by", ["", "donors", "donor,donor", "donor,colour"])
def test_pledge_summary_bad_group_by_is_400(api_client, group_by):
    response = api_client.get("/api/v1/pledges/summary/", {"group_by": group_by})
    assert_status(response, 400)
    assert "group_by" in response.json()


@pytest.mark.django_db
def test_group_by_is_not_a_list_parameter(api_client):
    assert_status(api_client.get("/api/v1/pledges/", {"group_by": "donor"}), 400)


@pytest.mark.django_db
def test_pledge_summary_as_csv(api_client, pledges_with_a_component):
    response = api_client.get("/api/v1/pledges/summary/", {"group_by": "donor", "format": "csv"})
    assert_status(response, 200)
    lines = response.content.decode().splitlines()
    assert lines[0].split(",")[:2] == ["donor", "donor_name"]
    korea = next(line for line in lines if line.startswith("korea,")).split(",")
    assert Decimal(korea[lines[0].split(",").index("total_usd")]) == Decimal("350.50")


@pytest.mark.django_db
def test_pledge_summary_counts_each_pledge_once_under_a_to_many_filter(api_client):
    """A pledge to two recipients, filtered by one of them and grouped by donor, counts once (the
    to-many filter path keeps pk__in); grouped by recipient it appears under each recipient once."""
    japan, kz, uz = StateFactory(slug="japan"), StateFactory(slug="kazakhstan"), StateFactory(slug="uzbekistan")
    pledge = PledgeFactory(donor=japan, amount_usd=Decimal("10.00"))
    pledge.recipients.add(kz, uz)
    PledgeFactory(donor=japan, amount_usd=Decimal("5.00"))
    rows = api_client.get("/api/v1/pledges/summary/", {"group_by": "donor", "recipient": "kazakhstan"}).json()
    assert [(r["donor"], r["donor_name"], r["count"], r["count_with_usd"], Decimal(r["total_usd"])) for r in rows] == [
        ("japan", japan.name_en, 1, 1, Decimal("10.00"))
    ]
    rows = api_client.get("/api/v1/pledges/summary/", {"group_by": "donor"}).json()
    assert [(r["donor"], r["count"], Decimal(r["total_usd"])) for r in rows] == [("japan", 2, Decimal("15.00"))]
    rows = api_client.get("/api/v1/pledges/summary/", {"group_by": "recipient"}).json()
    assert sorted((r["recipient"] or "", r["count"]) for r in rows) == [("", 1), ("kazakhstan", 1), ("uzbekistan", 1)]


@pytest.mark.django_db
def test_pledge_summary_order_is_largest_usd_total_first_then_slug_and_no_usd_last(api_client):
    for slug, usd in [("korea", "5.00"), ("china", "5.00"), ("india", None), ("japan", "7.00")]:
        PledgeFactory(
            donor=StateFactory(slug=slug),
            currency="JPY",
            amount_usd=usd and Decimal(usd),
            usd_basis=UsdBasis.STATED_BY_SOURCE if usd else UsdBasis.NONE,
        )
    rows = api_client.get("/api/v1/pledges/summary/", {"group_by": "donor"}).json()
    assert [(r["donor"], r["total_usd"]) for r in rows] == [
        ("japan", "7.00"),
        ("china", "5.00"),
        ("korea", "5.00"),
        ("india", None),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("group_by", ["donor", "recipient,year", "currency,donor"])
def test_pledge_summary_groups_pledges_without_the_actors_and_names_the_groups_after(
    api_client, pledges_with_a_component, group_by
):
    """One statement; its GROUP BY reads no actor (a join per pledge, or a correlated sub-select naming each
    group, which keeps PostgreSQL from grouping in parallel): the actors are joined to the grouped rows."""
    with CaptureQueriesContext(connection) as queries:
        assert_status(api_client.get("/api/v1/pledges/summary/", {"group_by": group_by}), 200)
    [statement] = [query["sql"] for query in queries if "investments_pledge" in query["sql"]]
    assert " GROUP BY " in statement.split(") g ")[0] and "actors_actor" not in statement.split(") g ")[0]
    assert "actors_actor" in statement.split(") g ")[1]


@pytest.mark.django_db
def test_parent_is_written_shown_and_filtered_by_slug(editor_client, api_client):
    """Issue 26: `parent` was written by slug and filtered by id; one convention, the API's for relations."""
    whole = PledgeFactory(slug="whole")
    PledgeFactory(slug="other")
    created = editor_client.post(
        "/api/v1/pledges/",
        {"donor": whole.donor.slug, "parent": "whole", "counts_in_totals": False, "currency": "JPY"},
        format="json",
    )
    assert_status(created, 201)
    shown = created.json()["parent"]
    assert (shown["slug"] if isinstance(shown, dict) else shown) == "whole"
    listed = api_client.get("/api/v1/pledges/", {"parent": "whole"})
    assert_status(listed, 200)
    assert [row["id"] for row in listed.json()["results"]] == [created.json()["id"]]
    unknown = api_client.get("/api/v1/pledges/", {"parent": "no-such-pledge"})
    assert_status(unknown, 400)
    assert "parent" in unknown.json()


@pytest.mark.django_db
def test_a_page_of_pledges_does_no_python_work_per_pledge_beyond_writing_it(api_client, monkeypatch):
    """The Python a page of pledges spends per row (docs/benchmarks.md, session 13): a queryset per pledge and
    to-many relation to hold its prefetched recipients and purposes (the relations now prefetch into plain lists),
    and a look at the signature of each brief's bound __str__ (inspect.signature: the brief's name is now str() of
    the row). Both grew with the page; a page of 4 and of 16 pledges now build and inspect alike. DRF's path (SQLite,
    `?format=api`; PostgreSQL renders JSON pages itself: tests/investments/test_list_sql_path.py)."""
    import inspect

    from django.db.models import query

    from apps.investments.api.views import PledgeViewSet

    monkeypatch.setattr(PledgeViewSet, "sql_pages", False)

    donor, topics = StateFactory(), [TopicFactory(), TopicFactory()]
    for _ in range(16):
        pledge = PledgeFactory(donor=donor)
        pledge.recipients.add(StateFactory(), StateFactory())
        pledge.purposes.add(*topics)
    counted = {"querysets": 0, "signatures": 0}
    queryset_init, signature = query.QuerySet.__init__, inspect.signature

    def counting_queryset(self, *args, **kwargs):
        counted["querysets"] += 1
        queryset_init(self, *args, **kwargs)

    def counting_signature(*args, **kwargs):
        counted["signatures"] += 1
        return signature(*args, **kwargs)

    monkeypatch.setattr(query.QuerySet, "__init__", counting_queryset)
    monkeypatch.setattr(inspect, "signature", counting_signature)
    work = []
    for size in (4, 4, 16):  # the first request also does what is done once (caches)
        counted.update(querysets=0, signatures=0)
        response = api_client.get(f"/api/v1/pledges/?donor={donor.slug}&page_size={size}")
        assert_status(response, 200)
        results = response.json()["results"]
        assert len(results) == size and all(len(p["recipients"]) == 2 and len(p["purposes"]) == 2 for p in results)
        work.append(dict(counted))
    assert work[1] == work[2], work
