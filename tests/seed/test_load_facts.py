"""An analyst's folder of fixtures (natural keys, no ids, no timestamps): `load_facts` loads it in one
transaction, twice without change, and refuses it whole naming the file, the object and the field;
`dumpdata --natural-foreign --natural-primary` output loads back unchanged."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.actors.models import Actor, ActorRelation, Office
from apps.geoeconomics.models import CorridorStake, ResourceInterest
from apps.investments.models import Pledge
from apps.sources.models import Citation, Source
from apps.summits.models import SummitFormat, SummitParticipant
from apps.trade.models import TradeMeasure, TradeStatement

from .test_seed import seed_models, snapshot

pytestmark = pytest.mark.django_db

SOURCE = {
    "model": "sources.source",
    "fields": {
        "slug": "analyst-note",
        "kind": "news",
        "title": "Заметка",
        "language": "ru",
        "url": "https://example.org/n",
    },
}
PERSON = {
    "model": "actors.actor",
    "fields": {"slug": "a-president", "kind": "person", "name_en": "A President", "name_ru": "Президент"},
}
STATE = {
    "model": "actors.actor",
    "fields": {"slug": "a-state", "kind": "state", "name_en": "A State", "name_ru": "Государство"},
}
OFFICE = {
    "model": "actors.office",
    "fields": {
        "person": ["a-president"],
        "organization": ["a-state"],
        "role_en": "President",
        "start_date": "2024-05-07",
        "start_date_precision": "day",
    },
}
CITATION = {
    "model": "sources.citation",
    "fields": {
        "source": ["analyst-note"],
        "content_type": ["actors", "office"],
        "object_id": ["a-president", "a-state", "President", "2024-05-07"],
        "paragraph": 3,
        "key_phrase": "вступил в должность",
        "note": "[N01] Start of the term.",
    },
}


def write(folder, files):
    folder.mkdir(exist_ok=True)
    for name, objects in files.items():
        (folder / name).write_text(json.dumps(objects, ensure_ascii=False), encoding="utf-8")
    return folder


def load(folder):
    out = io.StringIO()
    call_command("load_facts", str(folder), stdout=out)
    return out.getvalue()


def test_an_analysts_folder_loads_once_and_the_second_time_changes_nothing(tmp_path):
    # The citation's file comes first: references are checked when every file is in.
    folder = write(
        tmp_path / "facts",
        {"1_sources.json": [SOURCE], "2_actors.json": [PERSON, STATE], "3_offices.json": [OFFICE, CITATION]},
    )
    assert "5 new, 0 changed" in load(folder)
    office = Office.objects.get(person__slug="a-president")
    citation = Citation.objects.get()
    assert citation.fact == office and citation.source.slug == "analyst-note"
    stamps = (office.created_at, office.updated_at, citation.updated_at)
    assert "0 new, 0 changed" in load(folder)
    office.refresh_from_db()
    citation.refresh_from_db()
    assert (office.created_at, office.updated_at, citation.updated_at) == stamps


def test_a_changed_value_is_written_and_only_that_row_gets_a_new_updated_at(tmp_path):
    folder = write(tmp_path / "facts", {"1.json": [SOURCE, PERSON, STATE, OFFICE]})
    load(folder)
    person_stamp = Actor.objects.get(slug="a-president").updated_at
    write(
        folder, {"1.json": [SOURCE, PERSON, STATE, {**OFFICE, "fields": {**OFFICE["fields"], "role_ru": "президент"}}]}
    )
    assert "0 new, 1 changed" in load(folder)
    assert Office.objects.get().role_ru == "президент"
    assert Actor.objects.get(slug="a-president").updated_at == person_stamp


def test_a_reference_to_a_missing_row_refuses_the_folder_naming_file_object_and_field(tmp_path):
    broken = {**CITATION, "fields": {**CITATION["fields"], "object_id": ["nobody", "a-state", "President", None]}}
    folder = write(tmp_path / "facts", {"1.json": [SOURCE, PERSON, STATE, OFFICE], "2_citations.json": [broken]})
    with pytest.raises(CommandError) as refused:
        load(folder)
    message = str(refused.value)
    assert "2_citations.json, object 1" in message and "object_id" in message
    assert not Source.objects.filter(slug="analyst-note").exists()  # nothing of the folder was written
    assert not Actor.objects.filter(slug__in=["a-president", "a-state"]).exists()


def test_a_row_breaking_a_rule_refuses_the_folder_naming_file_object_and_field(tmp_path):
    grouping = {
        "model": "actors.actor",
        "fields": {"slug": "a-region", "kind": "grouping", "name_en": "R", "name_ru": "Р"},
    }
    person_partner = {
        "model": "summits.summitformat",
        "fields": {
            "slug": "a-region-with-a-president",
            "name_en": "A region with a president",
            "region": ["a-region"],
            "partner": ["a-president"],
        },
    }
    folder = write(tmp_path / "facts", {"1.json": [PERSON, grouping], "2_formats.json": [person_partner]})
    with pytest.raises(CommandError) as refused:
        load(folder)
    assert "2_formats.json, object 1 (summits.summitformat ['a-region-with-a-president']): field partner" in str(
        refused.value
    )
    assert not SummitFormat.objects.exists() and not Actor.objects.filter(slug="a-president").exists()


def test_an_ending_before_the_start_refuses_the_office_naming_end_date(tmp_path):
    office = {**OFFICE, "fields": {**OFFICE["fields"], "end_date": "2020-01-01", "end_date_precision": "day"}}
    folder = write(tmp_path / "facts", {"1.json": [PERSON, STATE, office]})
    with pytest.raises(CommandError, match=r"1\.json, object 3 .*: field end_date"):
        load(folder)


def test_the_seed_fixtures_carry_no_ids_and_every_reference_is_a_natural_key():
    """Fixtures name rows by what they are: no object has a pk, no reference is a number (issue 17, item 8)."""
    from django.apps import apps

    from apps.core.fixture_loading import seed_fixture_paths

    for path in seed_fixture_paths():
        for position, obj in enumerate(json.loads(path.read_text(encoding="utf-8")), start=1):
            where = f"{path.name}, object {position}"
            assert "pk" not in obj, where
            model = apps.get_model(obj["model"])
            for name, value in obj["fields"].items():
                field = model._meta.get_field(name)
                if field.is_relation or name == "object_id":
                    values = value if field.many_to_many else [value]
                    assert all(v is None or isinstance(v, list) for v in values), f"{where}: field {name}: {value!r}"


def test_citation_dependencies_name_every_fact_model():
    """dumpdata writes facts before the citations that name them by natural key."""
    from apps.core.models import fact_models

    labels = set(Citation.natural_key.dependencies)
    assert {m._meta.label_lower for m in fact_models()} <= labels


def test_a_reference_to_a_row_no_file_holds_is_named_with_its_key(tmp_path):
    office = {**OFFICE, "fields": {**OFFICE["fields"], "organization": ["atlantis"]}}
    folder = write(tmp_path / "facts", {"1.json": [PERSON, STATE, office]})
    with pytest.raises(CommandError) as refused:
        load(folder)
    assert "1.json, object 3" in str(refused.value)
    assert "field organization: no actors.actor with natural key ['atlantis']" in str(refused.value)
    assert not Actor.objects.exists()


def test_the_seed_loads_with_load_facts_and_validates(seeded):
    from apps.core.fixture_loading import seed_fixture_dir

    before = snapshot()
    assert "0 new, 0 changed" in load(seed_fixture_dir())
    assert snapshot() == before


def test_dumpdata_with_natural_keys_loads_back_unchanged(seeded, tmp_path):
    labels = [m._meta.label for m in seed_models()]
    dump = tmp_path / "dump.json"
    call_command("dumpdata", *labels, natural_foreign=True, natural_primary=True, output=str(dump), verbosity=0)
    rows = json.loads(dump.read_text(encoding="utf-8"))
    citation = next(
        r for r in rows if r["model"] == "sources.citation" and r["fields"]["content_type"] == ["summits", "summit"]
    )
    assert isinstance(citation["fields"]["object_id"], list)  # the fact by its natural key
    assert all("pk" not in r for r in rows)  # every seeded model has a natural key
    pledge_citation = next(
        r for r in rows if r["model"] == "sources.citation" and r["fields"]["content_type"] == ["investments", "pledge"]
    )
    assert pledge_citation["fields"]["object_id"] == ["japan-3-trillion-yen-central-asia"]
    # Rows referred to by natural key only: deleted, so the reload must recreate them under new ids.
    Citation.objects.all().delete()
    Pledge.objects.filter(parent__isnull=False).delete()  # components first: a parent is PROTECTed while it has them
    for model in (
        Office,
        SummitParticipant,
        Pledge,
        TradeMeasure,
        TradeStatement,
        ActorRelation,
        CorridorStake,
        ResourceInterest,
    ):
        model.objects.all().delete()
    call_command("loaddata", str(dump), verbosity=0)
    again = tmp_path / "again.json"
    call_command("dumpdata", *labels, natural_foreign=True, natural_primary=True, output=str(again), verbosity=0)

    def rows_of(text):  # new ids reorder rows of equal sort keys; the rows themselves must be equal
        return sorted(json.dumps(row, sort_keys=True, ensure_ascii=False) for row in json.loads(text))

    after, before = rows_of(again.read_text(encoding="utf-8")), rows_of(dump.read_text(encoding="utf-8"))
    assert set(after) - set(before) == set() and set(before) - set(after) == set()
    assert after == before
