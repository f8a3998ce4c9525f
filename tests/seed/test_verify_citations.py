"""verify_citations on a small text written here: exit 0 and a summary when right, exit 1 naming each failure."""

import pytest
from django.core.management import ManagementUtility
from django.db import connections

from tests.factories import CitationFactory, SourceFactory, SummitFactory

TEXT = """Заголовок
Вводный абзац про саммит в Токио.
Раздел первый
Второй абзац: Япония пообещала деньги.
"""


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    # run_from_argv closes all connections when it ends, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)


def run(argv, capsys):
    """Run manage.py as the shell does (run_from_argv), so the exit status is the real one."""
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", *argv]).execute()
        raise SystemExit(0)
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


@pytest.fixture
def text_path(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture
def source(db):
    source = SourceFactory(slug="small")
    CitationFactory(source=source, section="", paragraph=1, key_phrase="саммит в Токио")
    CitationFactory(source=source, section="Раздел первый", paragraph=2, key_phrase="Япония пообещала")
    return source


def test_passes_when_every_phrase_is_verbatim_in_its_paragraph(source, text_path, capsys):
    code, out, err = run(["verify_citations", "small", str(text_path)], capsys)
    assert code == 0, err
    assert out.strip() == f"OK: 2 citations of small verified against {text_path} (2 paragraphs)"


def test_fails_naming_a_phrase_that_is_not_in_its_paragraph(source, text_path, capsys):
    CitationFactory(source=source, section="Раздел первый", paragraph=2, key_phrase="саммит в Токио")
    code, out, err = run(["verify_citations", "small", str(text_path)], capsys)
    assert code == 1
    assert "key phrase «саммит в Токио» not found verbatim in paragraph 2" in err
    assert "1 of 3 citations of small failed" in err


def test_fails_on_a_missing_paragraph_a_wrong_section_and_a_missing_locator(source, text_path, capsys):
    CitationFactory(source=source, section="", paragraph=7, key_phrase="Япония")
    CitationFactory(source=source, section="Не тот раздел", paragraph=2, key_phrase="Второй абзац")
    CitationFactory(source=source, section="", paragraph=None, key_phrase="Токио")
    code, out, err = run(["verify_citations", "small", str(text_path)], capsys)
    assert code == 1
    assert "paragraph 7 does not exist (the text has 2) «Япония»" in err
    assert "paragraph 2 is under section «Раздел первый», not «Не тот раздел»" in err
    assert "no paragraph number «Токио»" in err
    assert out == ""


def test_paraphrase_is_not_verbatim(source, text_path, capsys):
    CitationFactory(source=source, section="", paragraph=1, key_phrase="саммит  в Токио")  # two spaces
    code, _, err = run(["verify_citations", "small", str(text_path)], capsys)
    assert code == 1 and "«саммит  в Токио»" in err


def test_unknown_source_missing_file_and_uncited_source_fail(db, source, text_path, tmp_path, capsys):
    assert run(["verify_citations", "nope", str(text_path)], capsys)[0] == 1
    code, _, err = run(["verify_citations", "small", str(tmp_path / "absent.txt")], capsys)
    assert code == 1 and "cannot read" in err
    SourceFactory(slug="uncited")
    code, _, err = run(["verify_citations", "uncited", str(text_path)], capsys)
    assert code == 1 and "has no citations" in err


def test_list_paragraphs_shows_numbers_and_sections(db, text_path, capsys):
    code, out, _ = run(["verify_citations", "any", str(text_path), "--list-paragraphs"], capsys)
    assert code == 0
    assert out.splitlines() == [
        "¶1 [] Вводный абзац про саммит в Токио.",
        "¶2 [Раздел первый] Второй абзац: Япония пообещала деньги.",
    ]


def test_with_the_text_stored_a_citation_is_checked_when_written(source, text_path, capsys, editor_client):
    code, out, _ = run(["verify_citations", "small", str(text_path), "--store"], capsys)
    assert code == 0 and "Stored the text of small" in out
    summit = SummitFactory()

    def cite(**locator):
        return editor_client.post(
            "/api/v1/citations/",
            {"source": "small", "fact_type": "summits.summit", "fact_id": summit.pk, **locator},
            format="json",
        )

    wrong_phrase = cite(section="Раздел первый", paragraph=2, key_phrase="Китай пообещал")
    assert wrong_phrase.status_code == 400
    assert "not found verbatim in paragraph 2" in wrong_phrase.json()["key_phrase"][0]
    wrong_paragraph = cite(section="", paragraph=7, key_phrase="саммит")
    assert wrong_paragraph.status_code == 400
    assert "paragraph 7 does not exist" in wrong_paragraph.json()["paragraph"][0]
    wrong_section = cite(section="Раздел второй", paragraph=2, key_phrase="Япония")
    assert wrong_section.status_code == 400 and "section" in wrong_section.json()
    assert cite(section="Раздел первый", paragraph=2, key_phrase="пообещала деньги").status_code == 201
    # The text is held, never served.
    assert "пообещала деньги." not in editor_client.get("/api/v1/sources/small/").content.decode()


def test_without_a_stored_text_citations_are_only_checked_offline(source, editor_client):
    response = editor_client.post(
        "/api/v1/citations/",
        {
            "source": "small",
            "fact_type": "summits.summit",
            "fact_id": SummitFactory().pk,
            "paragraph": 2,
            "key_phrase": "Китай пообещал",
        },
        format="json",
    )
    assert response.status_code == 201
