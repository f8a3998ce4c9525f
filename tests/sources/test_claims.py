"""Field-level claims (issue 24): a citation may give the value its source states for one field of its fact,
ranked preferred / alternative / deprecated; the value parses for the field; a preferred value equals the
column; sources name the source they republish (origin), chains resolve to their root, cycles are refused."""

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError
from django.urls import reverse

from apps.sources.claims import normalise_claim_value, origin_roots, rule_preferred_value
from apps.sources.models import Citation, Source
from apps.summits.models import Summit
from tests.api.helpers import assert_status
from tests.factories import CitationFactory, PledgeFactory, SourceFactory, StateFactory, SummitFactory

pytestmark = pytest.mark.django_db


def _summit():
    return SummitFactory(date=datetime.date(2025, 4, 3), end_date=datetime.date(2025, 4, 4), date_precision="day")


def _post_claim(client, fact, **claim):
    body = {
        "source": SourceFactory().slug,
        "fact_type": f"{fact._meta.app_label}.{fact._meta.model_name}",
        "fact_id": fact.pk,
        "paragraph": 1,
        "key_phrase": "3–4 апреля",
        **claim,
    }
    return client.post(reverse("citation-list"), body, format="json")


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("date", "2025-04-03/2025-04-04", "2025-04-03/2025-04-04"),
        ("date", "2025-04-04", "2025-04-04"),
        ("date", "2025-04", "2025-04"),
        ("date", "2025-04-04/2025-04-04", "2025-04-04"),
        ("city_en", "Samarkand", "Samarkand"),
        ("level", "ministerial", "ministerial"),
        ("ordinal", "2", "2"),
    ],
)
def test_a_claim_value_in_its_fields_format_is_stored_normalised(editor_client, field, value, stored):
    response = _post_claim(editor_client, _summit(), field=field, value=value, rank="alternative")
    assert_status(response, 201)
    assert response.json()["value"] == stored


def test_amounts_carry_their_currency_and_decimals_are_written_with_the_fields_places(editor_client):
    pledge = PledgeFactory(amount=Decimal("3000000000000"), currency="JPY", amount_usd=Decimal("20000000000"))
    response = _post_claim(editor_client, pledge, field="amount", value="3000000000000 jpy", rank="preferred")
    assert_status(response, 201)
    assert response.json()["value"] == "3000000000000.00 JPY"
    response = _post_claim(
        editor_client, pledge, field="amount_usd", value="19000000000", rank="alternative", key_phrase="19 млрд"
    )
    assert_status(response, 201)
    assert response.json()["value"] == "19000000000.00"
    donor = StateFactory(slug="japan-x")
    response = _post_claim(editor_client, PledgeFactory(donor=donor), field="donor", value="japan-x", rank="preferred")
    assert_status(response, 201)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "4 April 2025"),
        ("date", "2025-02-30"),
        ("date", "2025-04-05/2025-04-03"),
        ("level", "summitish"),
        ("ordinal", "second"),
        ("host", "no-such-actor"),
    ],
)
def test_a_value_that_does_not_parse_for_its_field_is_a_400_naming_field_and_value(editor_client, field, value):
    response = _post_claim(editor_client, _summit(), field=field, value=value, rank="alternative")
    assert_status(response, 400)
    message = " ".join(response.json()["value"])
    assert field in message and value in message
    assert not Citation.objects.exists()


def test_an_amount_without_its_currency_is_a_400(editor_client):
    response = _post_claim(editor_client, PledgeFactory(), field="amount", value="3000000000000", rank="alternative")
    assert_status(response, 400)
    assert "currency" in " ".join(response.json()["value"])


@pytest.mark.parametrize("field", ["no_such_field", "slug", "date_precision", "participants", "id"])
def test_a_claim_names_a_field_a_source_gives(editor_client, field):
    response = _post_claim(editor_client, _summit(), field=field, value="x", rank="alternative")
    assert_status(response, 400)
    assert field in " ".join(response.json()["field"])


def test_a_claim_has_a_rank_and_a_plain_citation_has_no_value(editor_client):
    assert_status(_post_claim(editor_client, _summit(), field="city_en", value="Samarkand"), 400)
    response = _post_claim(editor_client, _summit(), value="Samarkand")
    assert_status(response, 400)
    assert "value" in response.json()


def test_a_preferred_claim_that_differs_from_the_column_is_a_400_naming_both(editor_client):
    summit = _summit()  # 3–4 April 2025 in its columns
    response = _post_claim(editor_client, summit, field="date", value="2025-04-04", rank="preferred")
    assert_status(response, 400)
    message = " ".join(response.json()["value"])
    assert "2025-04-03/2025-04-04" in message and "'2025-04-04'" in message
    assert_status(_post_claim(editor_client, summit, field="date", value="2025-04-04", rank="alternative"), 201)
    assert_status(
        _post_claim(
            editor_client,
            summit,
            field="date",
            value="2025-04-03/2025-04-04",
            rank="preferred",
            key_phrase="3-4 апреля",
            rank_reason="a tie (one origin each): the programme gives both days",  # tests/sources/test_rank_reason.py
        ),
        201,
    )


def test_changing_a_column_away_from_its_preferred_claim_is_a_400(editor_client):
    summit = _summit()
    CitationFactory(fact=summit, field="city_en", value="Tokyo", rank="preferred")
    url = reverse("summit-detail", args=[summit.slug])
    response = editor_client.patch(url, {"city_en": "Astana"}, format="json")
    assert_status(response, 400)
    assert "Tokyo" in " ".join(response.json()["city_en"]) and "Astana" in " ".join(response.json()["city_en"])
    assert Summit.objects.get(pk=summit.pk).city_en == "Tokyo"


def test_the_model_rule_holds_outside_the_api():
    summit = _summit()
    citation = Citation(
        source=SourceFactory(),
        content_type=ContentType.objects.get_for_model(Summit),
        object_id=summit.pk,
        paragraph=1,
        key_phrase="x",
        field="date",
        value="2025-04-04",
        rank="preferred",
    )
    with pytest.raises(ValidationError) as caught:
        citation.full_clean()
    assert "value" in caught.value.message_dict


def test_origin_chains_resolve_to_their_root_and_a_cycle_is_a_400(editor_client):
    jiji = SourceFactory(slug="jiji")
    nippon = SourceFactory(slug="nippon", origin=jiji)
    adnkronos = SourceFactory(slug="adnkronos", origin=nippon)
    assert Source.objects.get(pk=adnkronos.pk).root_origin == jiji
    assert origin_roots()[adnkronos.pk] == jiji.pk
    response = editor_client.patch(reverse("source-detail", args=["jiji"]), {"origin": "adnkronos"}, format="json")
    assert_status(response, 400)
    assert "circle" in " ".join(response.json()["origin"])
    response = editor_client.patch(reverse("source-detail", args=["jiji"]), {"origin": "jiji"}, format="json")
    assert_status(response, 400)
    assert Source.objects.get(slug="jiji").origin_id is None
    body = editor_client.get(reverse("source-detail", args=["nippon"])).json()
    assert body["origin"]["slug"] == "jiji" and body["is_official"] is False and body["rights"] == "cite_only"


def test_the_preference_rule_counts_independent_origins_then_official_sources():
    wire = SourceFactory()
    reposts = [SourceFactory(origin=wire), SourceFactory(origin=wire)]
    ministry = SourceFactory(is_official=True)
    summit = _summit()

    def claim(source, value, rank="alternative"):
        return CitationFactory(fact=summit, source=source, field="city_en", value=value, rank=rank)

    claims = [claim(reposts[0], "Astana"), claim(reposts[1], "Astana"), claim(ministry, "Tokyo", "preferred")]
    # Two reposts of one wire are one origin, tied with the ministry: the official source wins.
    assert rule_preferred_value(claims) == "Tokyo"
    claims.append(claim(SourceFactory(), "Astana"))
    assert rule_preferred_value(claims) == "Astana"


def test_loaddata_refuses_a_claim_that_does_not_parse(tmp_path):
    summit = _summit()
    source = SourceFactory()
    fixture = tmp_path / "claims.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "sources.citation",
                    "fields": {
                        "source": [source.slug],
                        "content_type": ["summits", "summit"],
                        "object_id": [summit.slug],
                        "paragraph": 1,
                        "key_phrase": "x",
                        "field": "date",
                        "value": "April",
                        "rank": "alternative",
                    },
                }
            ]
        )
    )
    with pytest.raises(IntegrityError, match="date='April'"):
        call_command("loaddata", str(fixture), verbosity=0)
    assert not Citation.objects.exists()
    folder = tmp_path / "facts"
    folder.mkdir()
    (folder / "1.json").write_text(fixture.read_text())
    with pytest.raises(CommandError, match="field value"):
        call_command("load_facts", str(folder))


def test_fixtures_name_an_origin_by_slug(tmp_path):
    folder = tmp_path / "facts"
    folder.mkdir()
    (folder / "1.json").write_text(
        json.dumps(
            [
                {
                    "model": "sources.source",
                    "fields": {
                        "slug": "nippon-x",
                        "title": "N",
                        "language": "en",
                        "origin": ["jiji-x"],
                        "is_official": False,
                    },
                },
                {"model": "sources.source", "fields": {"slug": "jiji-x", "title": "J", "language": "ja"}},
            ]
        )
    )
    call_command("load_facts", str(folder))
    assert Source.objects.get(slug="nippon-x").root_origin.slug == "jiji-x"


def test_normalise_claim_value_is_the_one_parser():
    from apps.investments.models import Pledge

    assert normalise_claim_value(Pledge, "amount", "3000000000000 JPY") == "3000000000000.00 JPY"
    assert normalise_claim_value(Pledge, "instrument", "oda_loan") == "oda_loan"
    assert normalise_claim_value(Summit, "date", "2025") == "2025"


def test_every_nested_citation_carries_its_basis_and_claim(api_client):
    summit = _summit()
    CitationFactory(
        fact=summit,
        basis="inferred",
        inference="The article dates it by the week before.",
        field="date",
        value="2025-04-04",
        rank="alternative",
        rank_reason="one source only",
    )
    citation = api_client.get(reverse("summit-detail", args=[summit.slug])).json()["citations"][0]
    assert citation["basis"] == "inferred" and citation["inference"].startswith("The article")
    assert (citation["field"], citation["value"], citation["rank"]) == ("date", "2025-04-04", "alternative")
