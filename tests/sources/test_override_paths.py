"""The preference rule holds after every write, not only a claim's own (issue 24): linking a repost to its
original (Source.origin) or deleting a claim can take the lead from a preferred claim's value; without a
rank_reason that write is refused — the API a 400 naming the claim, the admin an error and nothing written — and
`manage.py verify_claims` finds any such claim that a bulk write left, over all facts (docs/claims.md)."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from apps.sources.claims import overrides_against_rule
from apps.sources.models import Citation, Source
from apps.summits.models import Summit
from tests.api.helpers import assert_status
from tests.factories import CitationFactory, SourceFactory, SummitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_against_one():
    """A summit on 3–4 April 2025 (column), so dated by `paper-a` and `paper-b` (preferred, no reason: the rule's
    pick, two origins against one) and on 4 April by `paper-c` (alternative)."""
    summit = SummitFactory(date=datetime.date(2025, 4, 3), end_date=datetime.date(2025, 4, 4), date_precision="day")
    claims = {
        slug: CitationFactory(
            fact=summit, source=SourceFactory(slug=slug), field="date", value=value, rank=rank, paragraph=1
        )
        for slug, value, rank in (
            ("paper-a", "2025-04-03/2025-04-04", "preferred"),
            ("paper-b", "2025-04-03/2025-04-04", "preferred"),
            ("paper-c", "2025-04-04", "alternative"),
        )
    }
    assert overrides_against_rule() == []
    return claims


# Linking a repost: paper-b republishes paper-a, so 3–4 April has one origin, a tie with 4 April.


def test_the_api_refuses_an_origin_link_that_tips_the_rule_naming_the_claims(editor_client, two_against_one):
    response = editor_client.patch(reverse("source-detail", args=["paper-b"]), {"origin": "paper-a"}, format="json")
    assert_status(response, 400)
    message = " ".join(response.json()["origin"])
    assert f"citation {two_against_one['paper-a'].pk} (paper-a on summits.summit" in message
    assert "finds a tie" in message and "rank_reason" in message
    assert Source.objects.get(slug="paper-b").origin is None
    Citation.objects.filter(rank="preferred").update(rank_reason="the host's programme gives both days")
    response = editor_client.patch(reverse("source-detail", args=["paper-b"]), {"origin": "paper-a"}, format="json")
    assert_status(response, 200)
    assert overrides_against_rule() == []


def test_the_admin_refuses_the_origin_link_with_a_form_error(admin_client, two_against_one):
    source = Source.objects.get(slug="paper-b")
    form = {
        "slug": source.slug,
        "kind": source.kind,
        "title": source.title,
        "subtitle": "",
        "title_en": "",
        "author": "",
        "publisher": "",
        "language": source.language,
        "url": "",
        "published_on": "",
        "published_on_precision": source.published_on_precision,
        "note": "",
        "origin": Source.objects.get(slug="paper-a").pk,
        "rights": source.rights,
        "row_version": source.row_version,
    }
    response = admin_client.post(reverse("admin:sources_source_change", args=[source.pk]), form)
    assert response.status_code == 200  # the form again, with its error
    assert "rank_reason" in " ".join(response.context["adminform"].form.errors["origin"])
    assert Source.objects.get(slug="paper-b").origin is None


# Deleting a claim: without paper-a, 3–4 April (paper-b) and 4 April (paper-c) have one origin each, a tie.


def test_the_api_refuses_a_claim_deletion_that_tips_the_rule_naming_the_claim(editor_client, two_against_one):
    response = editor_client.delete(reverse("citation-detail", args=[two_against_one["paper-a"].pk]))
    assert_status(response, 400)
    assert f"citation {two_against_one['paper-b'].pk} (paper-b on summits.summit" in " ".join(response.json()["field"])
    assert Citation.objects.filter(pk=two_against_one["paper-a"].pk).exists()
    # Deleting the outvoted claim takes no lead from anyone.
    assert_status(editor_client.delete(reverse("citation-detail", args=[two_against_one["paper-c"].pk])), 204)


def test_the_admin_refuses_the_deletion_on_every_admin_path(admin_client, two_against_one):
    claim = two_against_one["paper-a"]
    response = admin_client.post(reverse("admin:sources_citation_delete", args=[claim.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert Citation.objects.filter(pk=claim.pk).exists()
    page = admin_client.get(response.url)
    assert "would go against the preference rule" in page.content.decode()
    # The change list's "delete selected" action.
    response = admin_client.post(
        reverse("admin:sources_citation_changelist"),
        {"action": "delete_selected", "_selected_action": [claim.pk], "post": "yes"},
        follow=True,
    )
    assert "would go against the preference rule" in response.content.decode()
    assert Citation.objects.filter(pk=claim.pk).exists()
    # The citations inline of the summit's own form.
    summit = Summit.objects.get(pk=claim.object_id)
    response = admin_client.get(reverse("admin:summits_summit_change", args=[summit.pk]))
    data = _form_data(response)
    prefix = _citation_prefix(response)
    index = next(i for i, f in enumerate(_citation_forms(response)) if f.instance.pk == claim.pk)
    data[f"{prefix}-{index}-DELETE"] = "on"
    response = admin_client.post(reverse("admin:summits_summit_change", args=[summit.pk]), data)
    assert response.status_code == 200  # the form again, with its error
    assert "would go against the preference rule" in response.content.decode()
    assert Citation.objects.filter(pk=claim.pk).exists()


def _citation_formset(response):
    return next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.model is Citation)


def _citation_prefix(response):
    return _citation_formset(response).prefix


def _citation_forms(response):
    return _citation_formset(response).forms


def _form_data(response):
    """The change form's POST as a browser would send it: the main form and every inline, as rendered."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        forms += formset.forms
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = (
                [getattr(v, "pk", v) for v in value] if isinstance(value, (list, tuple)) else value
            )
    return data


# Over all facts: what a bulk write (no clean(), no signal) leaves is found.


def test_verify_claims_names_every_claim_against_the_rule(two_against_one, capsys):
    call_command("verify_claims")
    assert "OK: 3 claims" in capsys.readouterr().out
    Citation.objects.filter(pk=two_against_one["paper-a"].pk).update(rank="deprecated")  # a bulk write
    with pytest.raises(CommandError, match="1 preferred claims go against the preference rule"):
        call_command("verify_claims")
    assert f"FAIL citation {two_against_one['paper-b'].pk} (paper-b on summits.summit" in capsys.readouterr().err


def test_a_citation_of_the_whole_fact_deletes_freely(editor_client, two_against_one):
    summit = Summit.objects.get(pk=two_against_one["paper-a"].object_id)
    whole = CitationFactory(fact=summit, source=SourceFactory(slug="paper-d"))
    assert_status(editor_client.delete(reverse("citation-detail", args=[whole.pk])), 204)
    summit.delete()  # a fact's deletion takes its claims with it
    assert not Citation.objects.filter(object_id=two_against_one["paper-a"].object_id).exists()
