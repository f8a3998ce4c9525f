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

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def formula_safe(value):
    """`value` as a cell no spreadsheet runs: text starting like a formula gets a leading "'"; other
    values (numbers, None, dates, and text that is a plain number) come back unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _FormulaSafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([formula_safe(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


LINE_END = "\n"


def csv_writer(file, **options):
    """csv.writer(file, **options) whose writerow()/writerows() write every cell through formula_safe();
    lines end with LINE_END unless `lineterminator` is given."""
    options.setdefault("lineterminator", LINE_END)
    return _FormulaSafeWriter(csv.writer(file, **options))
