"""How a CSV separates its fields and writes its decimals: for programs, or for the reader's spreadsheet.

Excel opens a `.csv` with the list separator and decimal mark of the reader's regional settings: a comma
and a point in English locales, a semicolon and a comma where the comma is the decimal mark (Russian,
German, French, Kazakh, Uzbek…). So `format=csv-excel` has two styles:

- comma style: `,` between fields, `1234.50`;
- semicolon style: `;` between fields, `1234,50` (decimal numbers with a decimal comma).

`?delimiter=comma|semicolon|tab` chooses one (tab: tab-separated, decimal point). Without it, csv-excel
follows the request's Accept-Language: the first language there whose decimal mark is known decides,
semicolon style for a decimal comma. `format=csv` is for programs: a comma (or the delimiter asked for)
and always a decimal point, whatever the reader's language.

The decimal marks are Django's locale data (django/conf/locale/<lang>/formats.py, DECIMAL_SEPARATOR,
maintained with Django), plus DECIMAL_MARKS for the languages of catrack's readers Django has no formats
for. Every CSV response says which style it used (DIALECT_HEADERS), and a csv-excel whose style came from
Accept-Language varies on it (`Vary: Accept-Language`) so that no cache hands one reader's file to another.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.cache import patch_vary_headers
from django.utils.formats import get_format, iter_format_modules
from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework.exceptions import ValidationError

DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}  # `?delimiter=` name -> field separator
DECIMAL_MARK_NAMES = {".": "point", ",": "comma"}
# Languages Django has no number formats for, with the decimal mark of the Unicode CLDR's locale data
# (common/main/<lang>.xml, <symbols numberSystem="latn">): kk.xml has "<decimal>,</decimal>".
DECIMAL_MARKS = {"kk": ","}
# The response headers that say how a CSV was written: `semicolon` / `comma` (CORS exposes them).
DELIMITER_HEADER, DECIMAL_MARK_HEADER = "X-CSV-Delimiter", "X-CSV-Decimal-Mark"
DIALECT_HEADERS = (DELIMITER_HEADER, DECIMAL_MARK_HEADER)


@dataclass(frozen=True)
class CSVDialect:
    """A CSV's field separator (`,` `;` or tab) and decimal mark (`.` or `,`); `from_language`: chosen by the
    request's Accept-Language (the response then varies on it)."""

    delimiter: str = ","
    decimal_mark: str = "."
    from_language: bool = False

    @property
    def delimiter_name(self) -> str:
        return next(name for name, value in DELIMITERS.items() if value == self.delimiter)

    @property
    def decimal_mark_name(self) -> str:
        return DECIMAL_MARK_NAMES[self.decimal_mark]


PLAIN = CSVDialect()


def language_decimal_mark(accept_language: str) -> str | None:
    """The decimal mark (`.` or `,`) of the first language in an Accept-Language header (by its q order) whose
    mark is known (DECIMAL_MARKS, else Django's formats for it or its base language: `de-AT` → de); None when
    none is (no header, `*`, languages Django has no formats for)."""
    for language, _quality in parse_accept_lang_header(accept_language or ""):
        if language == "*":
            continue
        base = language.split("-")[0]
        if base in DECIMAL_MARKS:
            return DECIMAL_MARKS[base]
        if next(iter_format_modules(language), None) is not None:
            return str(get_format("DECIMAL_SEPARATOR", lang=language))
    return None


def csv_dialect(request, *, for_excel: bool = False) -> CSVDialect:
    """How to write a CSV for `request`: `?delimiter=` when given (a 400 naming the choices for an unknown one);
    else, `for_excel` (the csv-excel format: its renderer's `for_excel`), the style of the reader's language (see
    the module); else a comma. The decimal mark is a comma exactly in the for-Excel semicolon style."""
    params = getattr(request, "query_params", request.GET)
    name = params.get("delimiter") or None
    if name is not None and name not in DELIMITERS:
        raise ValidationError({"delimiter": f"Unknown delimiter {name[:20]!r}; choose {', '.join(DELIMITERS)}."})
    if name is not None:
        delimiter, from_language = DELIMITERS[name], False
    elif for_excel:
        decimal_comma = language_decimal_mark(request.META.get("HTTP_ACCEPT_LANGUAGE", "")) == ","
        delimiter, from_language = (";" if decimal_comma else ","), True
    else:
        delimiter, from_language = ",", False
    decimal_mark = "," if for_excel and delimiter == ";" else "."
    return CSVDialect(delimiter=delimiter, decimal_mark=decimal_mark, from_language=from_language)


def mark_dialect(response, dialect: CSVDialect):
    """Say in `response`'s headers how its CSV is written (DIALECT_HEADERS), and vary it on Accept-Language when
    that chose the style."""
    response[DELIMITER_HEADER] = dialect.delimiter_name
    response[DECIMAL_MARK_HEADER] = dialect.decimal_mark_name
    if dialect.from_language:
        patch_vary_headers(response, ("Accept-Language",))
    return response
