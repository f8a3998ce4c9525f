"""What backs a fact, on every fact list (issue 24): independent origins (reposts of one wire count once),
official sources, basis (stated / inferred only) and disputed fields, in JSON and CSV alike, and the
filters sources_min, official_source, disputed and basis."""

import csv
import io
import re

import pytest
from django.urls import reverse

from tests.api.helpers import assert_status
from tests.factories import CitationFactory, PledgeFactory, SourceFactory, SummitFactory

pytestmark = pytest.mark.django_db

INFERRED = {"basis": "inferred", "inference": "The article dates the meeting by the week it names."}


@pytest.fixture
def facts():
    """copied: two reposts of one wire story; corroborated: the wire and a ministry; inferred: inferred only;
    disputed: two sources give two cities; bare: no citation."""
    wire = SourceFactory(slug="jiji")
    reposts = [SourceFactory(slug="nippon", origin=wire), SourceFactory(slug="adnkronos", origin=wire)]
    ministry = SourceFactory(slug="mofa", is_official=True)
    summits = {
        name: SummitFactory(slug=name, city_en="Astana")
        for name in ("copied", "corroborated", "inferred", "disputed", "bare")
    }
    for source in reposts:
        CitationFactory(fact=summits["copied"], source=source)
    CitationFactory(fact=summits["corroborated"], source=wire)
    CitationFactory(fact=summits["corroborated"], source=ministry, **INFERRED)
    CitationFactory(fact=summits["inferred"], source=wire, **INFERRED)
    CitationFactory(fact=summits["disputed"], source=wire, field="city_en", value="Astana", rank="preferred")
    CitationFactory(fact=summits["disputed"], source=ministry, field="city_en", value="Samarkand", rank="alternative")
    return summits


def _slugs(client, **params):
    response = client.get(reverse("summit-list"), {**params, "page_size": 100})
    assert_status(response, 200)
    return sorted(row["slug"] for row in response.json()["results"])


def test_sources_min_counts_independent_origins_not_reposts(api_client, facts):
    # Before: nippon.com and Adnkronos republishing one Jiji Press story made "copied" count as corroborated.
    assert _slugs(api_client, sources_min=2) == ["corroborated", "disputed"]
    assert _slugs(api_client, sources_min=1) == ["copied", "corroborated", "disputed", "inferred"]


def test_official_source_disputed_and_basis_filters(api_client, facts):
    assert _slugs(api_client, official_source="true") == ["corroborated", "disputed"]
    assert _slugs(api_client, official_source="false") == ["bare", "copied", "inferred"]
    assert _slugs(api_client, disputed="true") == ["disputed"]
    assert _slugs(api_client, disputed="false") == ["bare", "copied", "corroborated", "inferred"]
    assert _slugs(api_client, basis="stated") == ["copied", "corroborated", "disputed"]
    assert _slugs(api_client, basis="inferred") == ["inferred"]
    for bad in ({"basis": "maybe"}, {"disputed": "perhaps"}, {"official_source": "2"}):
        response = api_client.get(reverse("summit-list"), bad)
        assert_status(response, 400)
        assert set(response.json()) == set(bad)


def test_every_fact_says_what_backs_it(api_client, facts):
    rows = {row["slug"]: row for row in api_client.get(reverse("summit-list"), {"page_size": 100}).json()["results"]}
    summary = {
        slug: (row["basis"], row["independent_origins"], row["official_sources"], row["disputed_fields"])
        for slug, row in rows.items()
    }
    assert summary == {
        "copied": ("stated", 1, 0, []),
        "corroborated": ("stated", 2, 1, []),
        "inferred": ("inferred", 1, 0, []),
        "disputed": ("stated", 2, 1, ["city_en"]),
        "bare": (None, 0, 0, []),
    }
    detail = api_client.get(reverse("summit-detail", args=["disputed"])).json()
    assert (detail["independent_origins"], detail["disputed_fields"]) == (2, ["city_en"])
    assert {c["basis"] for c in rows["inferred"]["citations"]} == {"inferred"}


def test_csv_carries_the_same_summary(api_client, facts):
    response = api_client.get(reverse("summit-list"), {"format": "csv"})
    assert_status(response, 200)
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))}
    assert [
        rows["disputed"][name] for name in ("basis", "independent_origins", "official_sources", "disputed_fields")
    ] == ["stated", "2", "1", "city_en"]
    assert [rows["bare"][name] for name in ("basis", "independent_origins", "disputed_fields")] == ["", "0", ""]
    assert rows["inferred"]["basis"] == "inferred"


def test_the_filters_are_on_every_fact_list(api_client):
    pledge = PledgeFactory()
    CitationFactory(fact=pledge, source=SourceFactory(is_official=True))
    response = api_client.get(
        reverse("pledge-list"), {"official_source": "true", "basis": "stated", "disputed": "false", "sources_min": 1}
    )
    assert_status(response, 200)
    assert [row["slug"] for row in response.json()["results"]] == [pledge.slug]
    # Not on lists whose rows carry no citations.
    assert_status(api_client.get(reverse("source-list"), {"disputed": "true"}), 400)


def test_a_page_says_sources_differ_beside_the_fact_and_marks_inferred_citations(client, facts):
    page = client.get(f"/summits/{facts['disputed'].slug}/").content.decode()
    assert "Sources differ</strong> on city en" in page
    assert "Astana (preferred; " in page and "Samarkand (alternative; " in page
    # Beside the field it is about (inside the City row), and only there.
    city_row = re.search(r"<dt>City</dt><dd>(.*?)</dd>", page, re.S).group(1)
    assert "Sources differ</strong> on city en" in city_row
    assert page.count("Sources differ</strong> on city en") == 1
    page = client.get(f"/summits/{facts['inferred'].slug}/").content.decode()
    assert "<strong>inferred:</strong> The article dates the meeting by the week it names." in page
