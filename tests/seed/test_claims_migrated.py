"""The seed's prose became claims (issue 24, item 6): a note that names one field's value carries that field and
value, and the disagreements of fixtures/README.md that are one field's values are claim rows. Expectations are
read from the fixture files where they can be."""

import json
import re

import pytest

from apps.core.fixture_loading import seed_fixture_paths
from apps.sources.models import Citation
from apps.sources.selectors import disagreement_groups, disagreements

pytestmark = pytest.mark.usefixtures("seeded_once", "seeded")

# Note forms that name one field and its value (fixtures/README.md, "Notes that name a field").
FIELD_NOTES = {
    "summitparticipant": (re.compile(r"represented by ([a-z0-9-]+)\."), "represented_by"),
    "document": (re.compile(r"^\[S\d+\] [a-z0-9-]+, adopted or announced at ([a-z0-9-]+)\."), "summit"),
}


def test_every_note_that_names_a_field_value_is_a_claim():
    missing = []
    for path in seed_fixture_paths():
        for index, obj in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            fields = obj["fields"]
            if obj["model"] != "sources.citation" or fields["content_type"][1] not in FIELD_NOTES:
                continue
            pattern, name = FIELD_NOTES[fields["content_type"][1]]
            match = pattern.search(fields.get("note", ""))
            claimed = fields.get("field")
            if match and claimed in (None, "", name) and (claimed != name or fields["value"] != match.group(1)):
                missing.append(f"{path.name}#{index}")
    assert missing == []


def _disputed(fact_slug, field):
    rows = disagreements(disagreement_groups(Citation.objects.all()))
    (row,) = [row for row in rows if (row["fact_slug"], row["field"]) == (fact_slug, field)]
    return {value["value"]: value for value in row["values"]}, row


@pytest.mark.parametrize(
    "fact, field, preferred, alternative",
    [
        ("astana-joint-statement-central-asia-russia-2022", "kind", "joint_statement", "declaration"),  # D07
        ("sanae-takaichi", "name_ru", "Санаэ Такаичи", "Санаэ Такаити"),  # D09
        ("serdar-berdimuhamedov", "name_en", "Serdar Berdimuhamedov", "Serdar Berdimuhamedow"),  # D10
        ("sadyr-japarov", "name_en", "Sadyr Japarov", "Sadyr Zhaparov"),  # D10
    ],
)
def test_the_readmes_disagreements_are_claims(fact, field, preferred, alternative):
    values, row = _disputed(fact, field)
    assert row["column_value"] == preferred
    assert (values[preferred]["rank"], values[alternative]["rank"]) == ("preferred", "alternative")
    assert all(claim["rank_reason"] for claim in values[alternative]["claims"])


def test_the_initiative_is_the_summits_by_three_sources_and_no_one_says_otherwise():
    """D06: the Kantei, nCa and Fergana give the initiative's summit; the article gives what it continues."""
    from apps.summits.models import Document

    initiative = Document.objects.get(slug="tokyo-initiative-ca-jad")
    claims = Citation.objects.for_object(initiative).exclude(field="")
    assert set(claims.filter(field="summit").values_list("source__slug", "value", "rank")) == {
        (source, "central-asia-plus-japan-1", "preferred")
        for source in (
            "kantei-press-conference-2025-12-20",
            "nca-tokyo-declaration-ru-2025-12-20",
            "fergana-takaichi-3-trillion",
        )
    }
    assert set(claims.filter(field="implements").values_list("source__slug", "value")) == {
        ("velizade-japanese-move", "tokyo-declaration")
    }
