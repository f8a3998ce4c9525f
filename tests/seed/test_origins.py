"""Republications in the seed (issue 24): a source that carries another's story names it as `origin`, so the
two count as one independent origin (fixtures/README.md, "Origins", says how each link was checked). Every
expectation here is derived from the fixture files, not pinned: the counts follow the data."""

import json

import pytest
from django.urls import reverse

from apps.core.fixture_loading import seed_fixture_paths
from apps.investments.models import Pledge
from apps.sources.models import Citation, Source
from apps.sources.selectors import disagreement_groups, disagreements

pytestmark = pytest.mark.usefixtures("seeded_once", "seeded")

# The links set in session 11, each checked against both stored texts.
REPUBLICATIONS = {
    "jiji-adnkronos-2025-12-20": "jiji-nippon-ja-2025-12-20",  # Jiji's English and Japanese texts of one story
    "trend-en-dushanbe-2025": "trend-ru-dushanbe-2025",  # Trend's English and Russian texts of one report
    "osenc-mofcom-2025-18-translation": "mofcom-gacc-2025-18-rare-earths",  # a translation of the announcement
}


def fixture_origins():
    """{source slug: origin slug} as the fixture files write it."""
    origins = {}
    for path in seed_fixture_paths():
        for obj in json.loads(path.read_text(encoding="utf-8")):
            if obj["model"] == "sources.source" and obj["fields"].get("origin"):
                (origins[obj["fields"]["slug"]],) = obj["fields"]["origin"]
    return origins


def root_of(slug, origins):
    seen = set()
    while slug in origins and slug not in seen:
        seen.add(slug)
        slug = origins[slug]
    return slug


def test_the_republications_name_their_story_and_the_database_keeps_the_root():
    origins = fixture_origins()
    assert origins == REPUBLICATIONS
    stored = dict(Source.objects.exclude(origin=None).values_list("slug", "root_origin__slug"))
    assert stored == {slug: root_of(slug, origins) for slug in origins}


def _expected_origins(fact, origins):
    slugs = Citation.objects.for_object(fact).values_list("source__slug", flat=True)
    return len({root_of(slug, origins) for slug in slugs})


def test_every_pledge_counts_its_independent_origins_as_the_fixtures_say(api_client):
    origins = fixture_origins()
    pledges = {pledge.pk: pledge for pledge in Pledge.objects.all()}
    seen = 0
    url = reverse("pledge-list")
    while url:
        body = api_client.get(url, {"page_size": 100} if url == reverse("pledge-list") else None).json()
        for row in body["results"]:
            assert row["independent_origins"] == _expected_origins(pledges[row["id"]], origins), row["slug"]
            seen += 1
        url = body["next"]
    assert seen == len(pledges)
    tokyo = Pledge.objects.get(slug="japan-3-trillion-yen-central-asia")
    sources = set(Citation.objects.for_object(tokyo).values_list("source__slug", flat=True))
    # Jiji's two texts of one story back the pledge: one origin less than sources.
    assert {"jiji-adnkronos-2025-12-20", "jiji-nippon-ja-2025-12-20"} <= sources
    assert _expected_origins(tokyo, origins) == len(sources) - 1


def test_the_instrument_is_a_tie_the_analyst_decides_with_a_reason():
    """Private-sector projects (Jiji, Fergana) against official assistance (the article, nCa): two origins
    each, none official, so the rule picks nothing; the column keeps private-sector projects and says why."""
    (row,) = [
        row
        for row in disagreements(disagreement_groups(Citation.objects.all()))
        if (row["fact_slug"], row["field"]) == ("japan-3-trillion-yen-central-asia", "instrument")
    ]
    by_value = {value["value"]: value for value in row["values"]}
    assert (
        by_value["private_investment"]["independent_origins"] == by_value["official_assistance"]["independent_origins"]
    )
    assert row["rule_prefers"] is None and row["column_value"] == "private_investment"
    assert all(claim["rank_reason"] for claim in by_value["private_investment"]["claims"])


def test_no_preferred_claim_of_the_seed_goes_against_the_rule_without_a_reason():
    """Over every fact (apps.sources.claims.overrides_against_rule, `manage.py verify_claims` in CI): the
    origin links of the seed and its claims leave each preferred claim the rule's pick, or say why not."""
    from apps.sources.claims import overrides_against_rule

    assert overrides_against_rule() == []
