"""Reading UN Comtrade CSV exports as downloaded: gzip, encodings, header layout, and row rules.

The byte stream is normalised to UTF-8 here so that PostgreSQL can parse it with COPY; the
per-row rules in `normalise_row` are the portable path's parser and the fast path's diagnostician
(the SQL in importers.py applies the same rules set-based).
"""
import codecs
import csv
import gzip
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from apps.trade.models import TOTAL_COMMODITY, YEAR_MAX, YEAR_MIN, FlowCode

CHUNK_BYTES = 4 * 1024 * 1024
WORLD_CODE = "W00"
# Comtrade writes refMonth 52 for an annual figure; some exports leave it empty or 0.
ANNUAL_MONTHS = {"", "0", "52"}
STATE_CODE = re.compile(r"^[A-Z]{3}$")
# Whitespace Comtrade pads codes and numbers with (never inside a value).
PAD = " \t"
MAX_VALUE = Decimal(10) ** 18  # DecimalField(max_digits=20, decimal_places=2)
MAX_QTY = Decimal(10) ** 17  # max_digits=20, decimal_places=3

# Our field -> the Comtrade v1 header names it may come under (compared case- and punctuation-blind).
COLUMN_ALIASES = {
    "year": ["refyear"],
    "month": ["refmonth"],
    "period": ["period"],
    "reporter": ["reporteriso"],
    "partner": ["partneriso"],
    "reporter_desc": ["reporterdesc"],
    "partner_desc": ["partnerdesc"],
    "flow": ["flowcode"],
    "commodity": ["cmdcode"],
    "value": ["primaryvalue"],
    "net_weight": ["netwgt"],
    "quantity": ["qty"],
    "quantity_unit": ["qtyunitabbr"],
}
REQUIRED = ["reporter", "partner", "flow", "commodity", "value"]


class ComtradeError(Exception):
    """A user-facing problem with an input file, located as precisely as known."""

    def __init__(self, path, reason, *, line=None, column=None):
        self.path, self.reason, self.line, self.column = str(path), reason, line, column
        where = self.path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {reason}")


class RowError(Exception):
    def __init__(self, column, reason):
        self.column, self.reason = column, reason
        super().__init__(f"column {column}: {reason}")


@dataclass
class Layout:
    """Where our fields sit in a file: delimiter, header names, and field -> column index."""

    delimiter: str
    header: list
    width: int  # fields per data row (the header's, plus trailing empty ones Comtrade appends)
    index: dict

    def name(self, field):
        return self.header[self.index[field]] if field in self.index else field


@dataclass(frozen=True)
class FlowRow:
    reporter_code: str
    partner_code: str
    year: int
    month: int | None
    flow: str
    commodity_code: str
    value_usd: Decimal
    net_weight_kg: Decimal | None
    quantity: Decimal | None
    quantity_unit: str
    reporter_desc: str = ""
    partner_desc: str = ""

    @property
    def natural_key(self):
        return (self.reporter_code, self.partner_code, self.year, self.month, self.flow, self.commodity_code)

    @property
    def is_aggregate(self):
        """World (W00) and Comtrade's other non-state areas: not a state, so not an actor."""
        return not (STATE_CODE.match(self.reporter_code) and STATE_CODE.match(self.partner_code))


def _open_binary(path):
    path = Path(path)
    try:
        raw = path.open("rb")
    except OSError as error:
        raise ComtradeError(path, f"cannot open the file ({error.strerror})") from None
    magic = raw.read(2)
    raw.seek(0)
    return gzip.GzipFile(fileobj=raw) if magic == b"\x1f\x8b" else raw


def utf8_chunks(path, chunk_bytes=CHUNK_BYTES):
    """Yield the file's bytes as UTF-8 in large chunks: gunzipped, BOM dropped, cp1252 transcoded.

    A file is UTF-8 until a byte sequence says otherwise; if nothing but ASCII came before, the
    rest is read as cp1252 (what Excel on Windows writes). Blank lines at the end are dropped.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    cp1252 = False
    non_ascii_seen = False
    lines_before = 0
    pending_newlines = b""
    first = True
    with _open_binary(path) as stream:
        while True:
            try:
                chunk = stream.read(chunk_bytes)
            except (OSError, EOFError, gzip.BadGzipFile) as error:
                raise ComtradeError(path, f"the compressed file is damaged ({error})") from None
            if not chunk:
                break
            if first:
                first = False
                if chunk.startswith(codecs.BOM_UTF8):
                    chunk = chunk[len(codecs.BOM_UTF8):]
            if cp1252:
                chunk = _from_cp1252(path, chunk, lines_before)
            elif not chunk.isascii():
                try:
                    decoder.decode(chunk)
                    non_ascii_seen = True
                except UnicodeDecodeError as error:
                    if non_ascii_seen:
                        line = lines_before + chunk[: error.start].count(b"\n") + 1
                        raise ComtradeError(path, "the file mixes UTF-8 with another encoding", line=line) from None
                    cp1252 = True
                    chunk = _from_cp1252(path, chunk, lines_before)
            lines_before += chunk.count(b"\n")
            body = chunk.rstrip(b"\r\n")
            if body:
                yield pending_newlines + body
                pending_newlines = chunk[len(body):]
            else:
                pending_newlines += chunk
    yield b"\n"


def _from_cp1252(path, chunk, lines_before):
    try:
        return chunk.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError as error:
        line = lines_before + chunk[: error.start].count(b"\n") + 1
        raise ComtradeError(path, f"byte 0x{chunk[error.start]:02x} is neither UTF-8 nor cp1252", line=line) from None


def iter_lines(chunks):
    """Text lines (with their ends) from UTF-8 chunks."""
    rest = ""
    for chunk in chunks:
        text = rest + chunk.decode("utf-8")
        lines = text.splitlines(keepends=True)
        rest = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
        yield from lines
    if rest:
        yield rest


def _header_key(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


def read_layout(path, first_lines):
    """The layout from the header line and the first data line (to see stray trailing separators)."""
    if not first_lines:
        raise ComtradeError(path, "the file is empty")
    header_line = first_lines[0]
    delimiter = "\t" if header_line.count("\t") > header_line.count(",") else ","
    if header_line.count(";") > max(header_line.count(","), header_line.count("\t")):
        delimiter = ";"
    header = [name.strip(PAD + '"') for name in next(csv.reader([header_line], delimiter=delimiter))]
    keys = [_header_key(name) for name in header]
    index = {}
    for field, aliases in COLUMN_ALIASES.items():
        for position, key in enumerate(keys):
            if key in aliases:
                index[field] = position
                break
    missing = [COLUMN_ALIASES[field][0] for field in REQUIRED if field not in index]
    if "year" not in index and "period" not in index:
        missing.append("refYear or period")
    if missing:
        raise ComtradeError(
            path, "this is not a Comtrade export: missing column(s) " + ", ".join(missing), line=1
        )
    width = len(header)
    if len(first_lines) > 1:
        fields = next(csv.reader([first_lines[1]], delimiter=delimiter))
        if len(fields) > width and not any(f.strip(PAD) for f in fields[width:]):
            width = len(fields)
    return Layout(delimiter=delimiter, header=header, width=width, index=index)


def _decimal(text, column, *, places, limit, required):
    text = text.strip(PAD)
    if text == "":
        if required:
            raise RowError(column, "a value is required")
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RowError(column, f"{text!r} is not a number") from None
    if not number.is_finite():
        raise RowError(column, f"{text!r} is not a number")
    # Before quantize(): 1e30 to 2 places needs more digits than the decimal context has
    # (InvalidOperation, which was an uncaught traceback).
    if number.copy_abs() >= limit:
        raise RowError(column, f"{text} is too large (at most {limit - 1} here)")
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if number < 0:
        raise RowError(column, f"{text} is negative")
    if number >= limit:
        raise RowError(column, f"{text} is too large")
    return number


def _small_int(text, column):
    text = text.strip(PAD)
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise RowError(column, f"{text!r} is not a whole number")
    return int(text)


def normalise_row(fields, layout):
    """One data row's fields -> FlowRow, or RowError naming the column and the reason."""
    if len(fields) < layout.width:
        raise RowError(layout.header[-1], f"the row has {len(fields)} fields, the header {len(layout.header)}")
    if len(fields) > layout.width and any(f.strip(PAD) for f in fields[layout.width:]):
        raise RowError(f"{len(layout.header) + 1}", f"the row has {len(fields)} fields, the header {len(layout.header)}")

    def get(field):
        return fields[layout.index[field]] if field in layout.index else ""

    name = layout.name
    if "year" in layout.index:
        year = _small_int(get("year"), name("year"))
        month_text = get("month").strip(PAD)
        month = None if month_text in ANNUAL_MONTHS else _small_int(month_text, name("month"))
        month_column = name("month")
    else:
        period = get("period").strip(PAD)
        if not re.fullmatch(r"[0-9]{4}([0-9]{2})?", period):
            raise RowError(name("period"), f"{period!r} is not a period (YYYY or YYYYMM)")
        year, month = int(period[:4]), (int(period[4:]) if len(period) == 6 else None)
        month_column = name("period")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise RowError(name("year") if "year" in layout.index else name("period"), f"year {year} is out of range")
    if month is not None and not 1 <= month <= 12:
        raise RowError(month_column, f"month {month} is not 1-12 (or 52 for a year)")
    flow = get("flow").strip(PAD).upper()
    if flow not in FlowCode.values:
        raise RowError(name("flow"), f"flow {flow!r} is not one of {', '.join(FlowCode.values)}")
    commodity = get("commodity").strip(PAD)
    if commodity.upper() == TOTAL_COMMODITY:
        commodity = TOTAL_COMMODITY
    if not commodity:
        raise RowError(name("commodity"), "a commodity code is required (TOTAL for all goods)")
    if len(commodity) > 12:
        raise RowError(name("commodity"), f"{commodity!r} is longer than 12 characters")
    unit = get("quantity_unit").strip(PAD)
    if len(unit) > 16:
        raise RowError(name("quantity_unit"), f"{unit!r} is longer than 16 characters")
    reporter = get("reporter").strip(PAD).upper()
    partner = get("partner").strip(PAD).upper()
    if reporter == partner and STATE_CODE.match(reporter):
        raise RowError(name("partner"), f"the partner is the reporter ({reporter})")
    return FlowRow(
        reporter_code=reporter,
        partner_code=partner,
        year=year,
        month=month,
        flow=flow,
        commodity_code=commodity,
        value_usd=_decimal(get("value"), name("value"), places=2, limit=MAX_VALUE, required=True),
        net_weight_kg=_decimal(get("net_weight"), name("net_weight"), places=3, limit=MAX_QTY, required=False),
        quantity=_decimal(get("quantity"), name("quantity"), places=3, limit=MAX_QTY, required=False),
        quantity_unit=unit,
        reporter_desc=get("reporter_desc").strip(PAD),
        partner_desc=get("partner_desc").strip(PAD),
    )


def iter_records(path, layout=None):
    """(line number, fields) for each data row, with the layout; line 1 is the header."""
    lines = iter_lines(utf8_chunks(path))
    first = []
    for line in lines:
        first.append(line)
        if len(first) == 2:
            break
    layout = layout or read_layout(path, first)

    def all_lines():
        yield from first[1:]
        yield from lines

    reader = csv.reader(all_lines(), delimiter=layout.delimiter, strict=True)
    try:
        for fields in reader:
            yield reader.line_num + 1, fields, layout
    except csv.Error as error:
        raise ComtradeError(path, f"the CSV is malformed ({error})", line=reader.line_num + 1) from None
