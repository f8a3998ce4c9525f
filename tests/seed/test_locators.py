"""The paragraph-numbering convention of apps.sources.locators, on texts written here."""

from apps.sources.locators import text_paragraphs

TEXT = """\ufeffЗАГОЛОВОК
Подзаголовок без точки
Автор: Имя ФАМИЛИЯ
Первый абзац вводки.

Второй абзац вводки кончается кавычкой «так»."
Раздел один
Третий абзац?
Раздел два: с двоеточием
Четвёртый абзац!\r
РЕКОМЕНДУЙ ДРУЗЬЯМ:
55
"""


def test_title_block_is_skipped_and_lead_has_empty_section():
    paragraphs = text_paragraphs(TEXT)
    assert [p.number for p in paragraphs] == [1, 2, 3, 4]
    assert paragraphs[0].text == "Первый абзац вводки."
    assert paragraphs[0].section == paragraphs[1].section == ""


def test_numbering_runs_through_sections_and_headings_are_kept_verbatim():
    paragraphs = text_paragraphs(TEXT)
    assert (paragraphs[2].number, paragraphs[2].section) == (3, "Раздел один")
    assert (paragraphs[3].number, paragraphs[3].section) == (4, "Раздел два: с двоеточием")
    assert paragraphs[3].text == "Четвёртый абзац!"  # CR stripped
    assert paragraphs[1].text.endswith('«так»."')  # closing quotes after the full stop still end a paragraph


def test_line_numbers_point_into_the_file():
    assert [p.line for p in text_paragraphs(TEXT)] == [4, 6, 8, 10]


def test_the_real_article_has_thirteen_paragraphs_in_five_sections(article_text):
    paragraphs = text_paragraphs(article_text)
    assert len(paragraphs) == 13
    assert paragraphs[0].section == ""
    assert [p.number for p in paragraphs if p.section == "Начало долгого пути"] == [12, 13]
    assert paragraphs[9].text.startswith("Органичным продолжением декларации")
