"""The one CSV writer for everything catrack writes as CSV (API lists and summaries, the importer's
rejects file): cells a spreadsheet would run as a formula are written as text.

A cell starting with =, +, -, @, tab or carriage return is a formula to Excel, LibreOffice and Google
Sheets (`=HYPERLINK(...)` from an actor's name, `=1+2` from an imported commodity code). As OWASP's
"CSV Injection" advice says, such text gets a leading apostrophe, which spreadsheets show as text. Plain
numbers (`-5`, `+3.2`, `1e-3`) are left as they are: a spreadsheet reads them as numbers, not formulas.
The admin's export does the same through IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT (settings).

Lines end with LF, as PostgreSQL's COPY writes the streamed lists: one line ending for every CSV.
Digits are ASCII digits only (as in the SQL twin, apps.core.api.csv_export.FormulaSafe): text such as
"-٣" is not a number to a spreadsheet.
"""

import csv
import re
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def formula_safe(value):
    """`value` as a cell no spreadsheet runs: text starting like a formula gets a leading "'"; other
    values (numbers, None, dates, and text that is a plain number) come back unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def is_number_text(value):
    """Whether text is a plain number a spreadsheet should read as one (PLAIN_NUMBER without a leading zero:
    '0042', a code, stays text)."""
    return bool(PLAIN_NUMBER.fullmatch(value)) and not re.match(r"[+-]?0\d", value)


def with_decimal_mark(value, decimal_mark, *, numbers_from_text=False):
    """`value` with `decimal_mark` for its decimal point when it is a decimal number (a Decimal or float; with
    `numbers_from_text`, also text that is_number_text), for spreadsheets whose locale writes `1234,50`.
    Integers, dates and other text come back unchanged."""
    if decimal_mark == "." or isinstance(value, bool):
        return value
    if isinstance(value, (Decimal, float)) or (numbers_from_text and isinstance(value, str) and is_number_text(value)):
        return str(value).replace(".", decimal_mark)
    return value


class _FormulaSafeWriter:
    def __init__(self, writer, decimal_mark=".", numbers_from_text=False):
        self._writer = writer
        self._decimal_mark = decimal_mark
        self._numbers_from_text = numbers_from_text

    def writerow(self, row):
        cells = [formula_safe(value) for value in row]
        if self._decimal_mark != ".":
            # After formula_safe: "-5,5" is no plain number to it, but a number here.
            cells = [with_decimal_mark(v, self._decimal_mark, numbers_from_text=self._numbers_from_text) for v in cells]
        return self._writer.writerow(cells)

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


LINE_END = "\n"


def csv_writer(file, *, decimal_mark=".", numbers_from_text=False, **options):
    """csv.writer(file, **options) whose writerow()/writerows() write every cell through formula_safe() and,
    with a `decimal_mark` other than ".", with_decimal_mark(); lines end with LINE_END unless
    `lineterminator` is given."""
    options.setdefault("lineterminator", LINE_END)
    return _FormulaSafeWriter(csv.writer(file, **options), decimal_mark, numbers_from_text)
