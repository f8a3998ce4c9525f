"""An analyst may prefer a value the preference rule does not pick (docs/claims.md: the value stated by the most
independent origins, then one with an official source), but says why: a preferred claim against the rule
without a rank_reason is refused on every path — the API (a 400 naming rank_reason), the admin (a form error),
load_facts and the seed (the file and object), loaddata (the row) (issue 24)."""

import datetime
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError
from django.urls import reverse

from apps.sources.models import Citation
from apps.summits.models import Summit
from tests.api.helpers import assert_status
from tests.factories import CitationFactory, SourceFactory, SummitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def outvoted():
    """A summit recorded on 3–4 April 2025 that two independent sources date 4 April only (no other claim):
    the rule picks 4 April, so 3–4 April preferred is an override."""
    summit = SummitFactory(date=datetime.date(2025, 4, 3), end_date=datetime.date(2025, 4, 4), date_precision="day")
    for slug in ("paper-a", "paper-b"):
        CitationFactory(
            fact=summit, source=SourceFactory(slug=slug), field="date", value="2025-04-04", rank="alternative"
        )
    return summit


def _claim(client, summit, **fields):
    body = {
        "source": SourceFactory().slug,
        "fact_type": "summits.summit",
        "fact_id": summit.pk,
        "paragraph": 1,
        "key_phrase": "3–4 апреля",
        "field": "date",
        "value": "2025-04-03/2025-04-04",
        "rank": "preferred",
        **fields,
    }
    return client.post(reverse("citation-list"), body, format="json")


def test_the_api_refuses_an_override_without_a_reason_naming_rank_reason(editor_client, outvoted):
    response = _claim(editor_client, outvoted)
    assert_status(response, 400)
    message = " ".join(response.json()["rank_reason"])
    assert "'2025-04-03/2025-04-04'" in message and "picks '2025-04-04'" in message
    assert not Citation.objects.filter(rank="preferred").exists()
    assert_status(_claim(editor_client, outvoted, rank_reason="the ministry's own programme gives both days"), 201)


def test_a_preferred_value_the_rule_picks_needs_no_reason(editor_client, outvoted):
    Citation.objects.filter(object_id=outvoted.pk).delete()
    assert_status(_claim(editor_client, outvoted), 201)  # the only value: the rule's


def test_a_tie_is_the_analysts_choice_and_says_why(editor_client):
    summit = SummitFactory(date=datetime.date(2025, 4, 3), end_date=datetime.date(2025, 4, 4), date_precision="day")
    CitationFactory(fact=summit, field="date", value="2025-04-04", rank="alternative")
    response = _claim(editor_client, summit)
    assert_status(response, 400)
    assert "finds a tie" in " ".join(response.json()["rank_reason"])


def test_new_evidence_that_outvotes_an_unexplained_preferred_claim_is_refused_until_it_says_why(editor_client):
    summit = SummitFactory(date=datetime.date(2025, 4, 3), end_date=datetime.date(2025, 4, 4), date_precision="day")
    preferred = CitationFactory(
        fact=summit,
        source=SourceFactory(slug="ministry"),
        field="date",
        value="2025-04-03/2025-04-04",
        rank="preferred",
    )
    CitationFactory(fact=summit, field="date", value="2025-04-03/2025-04-04", rank="preferred")  # 2 origins
    CitationFactory(fact=summit, field="date", value="2025-04-04", rank="alternative", rank_reason="one paper")
    # The rule picks 3–4 April (2 origins against 1); a second source for 4 April makes it a tie.
    response = _claim(editor_client, summit, value="2025-04-04", rank="alternative")
    assert_status(response, 400)
    assert "of ministry goes against the preference rule" in " ".join(response.json()["rank_reason"])
    preferred.rank_reason = "the ministry's programme"
    preferred.save()
    Citation.objects.filter(rank="preferred").exclude(pk=preferred.pk).update(rank_reason="the programme")
    assert_status(_claim(editor_client, summit, value="2025-04-04", rank="alternative"), 201)


def test_a_claim_already_against_the_rule_does_not_block_other_writes(editor_client):
    """Older data (a preferred claim outvoted before this rule, or by a later origin link) is listed by
    /api/v1/disagreements/; writing other claims of the field is not refused for it."""
    summit = SummitFactory(date=datetime.date(2025, 4, 3), end_date=datetime.date(2025, 4, 4), date_precision="day")
    CitationFactory(fact=summit, field="date", value="2025-04-03/2025-04-04", rank="preferred")
    CitationFactory(fact=summit, field="date", value="2025-04-04", rank="alternative")
    assert_status(_claim(editor_client, summit, value="2025-04-04", rank="alternative"), 201)


def test_the_admin_shows_a_form_error_on_rank_reason(admin_client, outvoted):
    form = {
        "source": SourceFactory().pk,
        "content_type": ContentType.objects.get_for_model(Summit).pk,
        "object_id": outvoted.pk,
        "section": "",
        "paragraph": 1,
        "key_phrase": "3–4 апреля",
        "basis": "stated",
        "inference": "",
        "note": "",
        "field": "date",
        "value": "2025-04-03/2025-04-04",
        "rank": "preferred",
        "rank_reason": "",
    }
    response = admin_client.post(reverse("admin:sources_citation_add"), form)
    assert response.status_code == 200  # the form again, with its errors
    assert "rank_reason" in response.context["adminform"].form.errors
    assert not Citation.objects.filter(rank="preferred").exists()
    response = admin_client.post(reverse("admin:sources_citation_add"), {**form, "rank_reason": "the programme"})
    assert response.status_code == 302
    assert Citation.objects.filter(rank="preferred").count() == 1


def _fixture(summit, **fields):
    return [
        {
            "model": "sources.citation",
            "fields": {
                "source": [SourceFactory().slug],
                "content_type": ["summits", "summit"],
                "object_id": [summit.slug],
                "paragraph": 1,
                "key_phrase": "3–4 апреля",
                "field": "date",
                "value": "2025-04-03/2025-04-04",
                "rank": "preferred",
                **fields,
            },
        }
    ]


def test_load_facts_names_the_file_and_object(tmp_path, outvoted):
    folder = tmp_path / "facts"
    folder.mkdir()
    (folder / "1.json").write_text(json.dumps(_fixture(outvoted)))
    with pytest.raises(CommandError, match=r"1\.json, object 1 .*rank_reason"):
        call_command("load_facts", str(folder))
    assert not Citation.objects.filter(rank="preferred").exists()


def test_loaddata_refuses_the_row(tmp_path, outvoted):
    fixture = tmp_path / "claims.json"
    fixture.write_text(json.dumps(_fixture(outvoted)))
    with pytest.raises(IntegrityError, match="rank_reason"):
        call_command("loaddata", str(fixture), verbosity=0)
    assert not Citation.objects.filter(rank="preferred").exists()
    fixture.write_text(json.dumps(_fixture(outvoted, rank_reason="the programme")))
    call_command("loaddata", str(fixture), verbosity=0)
    assert Citation.objects.filter(rank="preferred").count() == 1
