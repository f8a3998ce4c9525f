"""Reading UN Comtrade exports as downloaded: gzip, encodings, line ends, header layout, and row rules.

Forms read: the v1 CSV (refYear, reporterISO, flowCode, cmdCode, primaryValue, ...), the legacy
"classic" CSV (Year, Reporter ISO, Trade Flow Code 1-4, Trade Value (US$), ...) and the v1 API's
JSON (`{"data": [{...}, ...]}`). The byte stream is normalised to UTF-8 with LF line ends here so that
PostgreSQL can parse a v1 CSV with COPY; the per-row rules in `normalise_row` are the one parser of
every form (the SQL in importers.py applies the same rules set-based to v1 CSV, and falls back to
this parser for anything it refuses).
"""

import codecs
import csv
import gzip
import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from django.db import connection

from apps.core.models import decimal_storage_error
from apps.trade.models import TOTAL_COMMODITY, YEAR_MAX, YEAR_MIN, FlowCode
from apps.trade.reference import comtrade_areas

CHUNK_BYTES = 4 * 1024 * 1024
WORLD_CODE = "W00"
# Other spellings of World: the legacy format's ISO column, and its numeric code.
WORLD_ALIASES = {"WLD", "0", WORLD_CODE}
ALL_CUSTOMS_PROCEDURES = "C00"  # Comtrade's customsCode for the total over customs procedures
ALL_MODES_OF_TRANSPORT = 0  # Comtrade's motCode for the total over modes of transport
# The legacy format's Trade Flow Code (1 Import, 2 Export, 3 Re-export, 4 Re-import).
LEGACY_FLOW_CODES = {"1": "M", "2": "X", "3": "RX", "4": "RM"}
# The legacy format's Trade Flow column in words, for files whose Trade Flow Code holds 0 (Comtrade
# Plus writes its classic layout so for flows the old codes lack): the flow is in the words column,
# as the newer code (X, M, RX, RM) or spelled out.
LEGACY_FLOW_WORDS = {
    "x": "X",
    "m": "M",
    "rx": "RX",
    "rm": "RM",
    "export": "X",
    "import": "M",
    "reexport": "RX",
    "reimport": "RM",
}
# Comtrade writes refMonth 52 for an annual figure; some exports leave it empty or 0.
ANNUAL_MONTHS = {"", "0", "52"}
STATE_CODE = re.compile(r"^[A-Z]{3}$")
# Whitespace Comtrade pads codes and numbers with (never inside a value).
PAD = " \t"
MAX_VALUE = Decimal(10) ** 18  # DecimalField(max_digits=20, decimal_places=2)
MAX_QTY = Decimal(10) ** 17  # max_digits=20, decimal_places=3

# Our field -> the header names it may come under, v1 first, then the legacy (classic) format's
# (compared case- and punctuation-blind: "Trade Value (US$)" is "tradevalueus").
COLUMN_ALIASES = {
    "year": ["refyear", "year"],
    "month": ["refmonth"],
    "period": ["period"],
    "reporter": ["reporteriso"],
    "partner": ["partneriso"],
    "partner2": ["partner2iso", "2ndpartneriso"],
    # Comtrade's numeric area codes: what identifies an area when its ISO column is empty (the v1
    # API leaves reporterISO null unless asked for descriptions; legacy files leave "Other Asia, nes"
    # and other areas without one).
    "reporter_number": ["reportercode"],
    "partner_number": ["partnercode"],
    "partner2_number": ["partner2code", "2ndpartnercode"],
    "reporter_desc": ["reporterdesc", "reporter"],
    "partner_desc": ["partnerdesc", "partner"],
    "partner2_desc": ["partner2desc", "2ndpartner"],
    "flow": ["flowcode", "tradeflowcode"],
    "flow_desc": ["flowdesc", "tradeflow"],
    "commodity": ["cmdcode", "commoditycode"],
    "customs": ["customscode", "customsproccode"],
    "mot": ["motcode", "modeoftransportcode"],
    "value": ["primaryvalue", "tradevalueus"],
    "net_weight": ["netwgt", "netweightkg"],
    "quantity": ["qty"],
    "quantity_unit": ["qtyunitabbr", "qtyunit"],
}
REQUIRED = ["flow", "commodity", "value"]
# Each area is named by its ISO column, its numeric code column, or both.
AREA_COLUMNS = {"reporter": "reporter_number", "partner": "partner_number"}
MAX_UNIT = 64  # TradeFlow.quantity_unit


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
    header: list  # the header's names, trailing empty ones (a stray separator) left out
    width: int  # fields per data row as COPY stages them (the first data row's, trailing empties included)
    index: dict
    legacy: bool = False  # the classic format: flow codes 1-4, World as WLD

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
    partner2_code: str | None = None  # None: World (the total over second partners)
    partner2_desc: str = ""
    customs_code: str = ALL_CUSTOMS_PROCEDURES
    mot_code: int = ALL_MODES_OF_TRANSPORT

    @property
    def natural_key(self):
        """Comtrade's own key of a figure (as TradeFlow's unique constraints)."""
        return (
            self.reporter_code,
            self.partner_code,
            self.partner2_code,
            self.year,
            self.month,
            self.flow,
            self.commodity_code,
            self.customs_code,
            self.mot_code,
        )

    def codes(self):
        """(column, area code, name in the file) of each area the row names."""
        yield "reporter", self.reporter_code, self.reporter_desc
        yield "partner", self.partner_code, self.partner_desc
        if self.partner2_code is not None:
            yield "partner2", self.partner2_code, self.partner2_desc


def _open_binary(path):
    path = Path(path)
    try:
        raw = path.open("rb")
    except OSError as error:
        raise ComtradeError(path, f"cannot open the file ({error.strerror})") from None
    magic = raw.read(2)
    raw.seek(0)
    return gzip.GzipFile(fileobj=raw) if magic == b"\x1f\x8b" else raw


def _bytes_read(stream):
    """How far into the file on disk a stream has read (a gzip file: the compressed bytes)."""
    raw = stream.fileobj if isinstance(stream, gzip.GzipFile) else stream
    try:
        return raw.tell()
    except (OSError, ValueError, AttributeError):
        return 0


def utf8_chunks(path, chunk_bytes=CHUNK_BYTES, *, on_read=None):
    """Yield the file's bytes as UTF-8 in large chunks: gunzipped, BOM dropped, cp1252 transcoded,
    every line end (CRLF, CR) made LF.

    A file is UTF-8 until a byte sequence says otherwise; if nothing but ASCII came before, the
    rest is read as cp1252 (what Excel on Windows writes; ISO-8859-1 text is read the same way, the
    two agree on every printable character). Blank lines at the end are dropped. Line ends are
    made LF because PostgreSQL's COPY takes the first line's end for the whole file. `on_read`, if
    given, is called with the bytes of the file read so far (for progress against its size).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    cp1252 = False
    carried_cr = False  # a CR ending one chunk may be half of a CRLF
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
            if on_read is not None:
                on_read(_bytes_read(stream))
            if first:
                first = False
                if chunk.startswith(codecs.BOM_UTF8):
                    chunk = chunk[len(codecs.BOM_UTF8) :]
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
            if carried_cr:
                chunk = b"\r" + chunk
            carried_cr = chunk.endswith(b"\r")
            if carried_cr:
                chunk = chunk[:-1]
            if b"\r" in chunk:
                chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            if b"\x00" in chunk:  # COPY and the database's text refuse it; no Comtrade export has one
                line = lines_before + chunk[: chunk.index(b"\x00")].count(b"\n") + 1
                raise ComtradeError(
                    path,
                    "the file holds a NUL byte (0x00), which no text CSV has (a UTF-16 or "
                    "binary file? save it as CSV in UTF-8)",
                    line=line,
                )
            lines_before += chunk.count(b"\n")
            body = chunk.rstrip(b"\n")
            if body:
                yield pending_newlines + body
                pending_newlines = chunk[len(body) :]
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
    """Text lines (with their LF ends) from utf8_chunks' output."""
    rest = ""
    decoder = codecs.getincrementaldecoder("utf-8")()  # a chunk may end inside a character
    for chunk in chunks:
        lines = (rest + decoder.decode(chunk)).split("\n")
        rest = lines.pop()
        for line in lines:
            yield line + "\n"
    if rest:
        yield rest


def _header_key(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


def read_layout(path, first_lines):
    """The layout from the header line and the first data line (to see stray trailing separators).

    Raises ComtradeError for an empty file or a header without Comtrade's columns.
    """
    if not first_lines or not "".join(first_lines).strip():
        raise ComtradeError(path, "the file is empty")
    header_line = first_lines[0]
    delimiter = "\t" if header_line.count("\t") > header_line.count(",") else ","
    if header_line.count(";") > max(header_line.count(","), header_line.count("\t")):
        delimiter = ";"
    header = [name.strip(PAD + '"') for name in _parsed_line(path, header_line, delimiter, line=1)]
    staged_width = len(header)
    while header and not header[-1]:
        header.pop()
    layout = layout_for(path, header, delimiter=delimiter)
    if len(first_lines) > 1:
        fields = _parsed_line(path, first_lines[1], delimiter, line=2)
        if len(fields) > staged_width and not any(f.strip(PAD) for f in fields[staged_width:]):
            staged_width = len(fields)
    layout.width = max(staged_width, len(header))
    return layout


def layout_for(path, header, *, delimiter=","):
    """The Layout of a header (a list of names): which column holds which field, and which form it is."""
    keys = [_header_key(name) for name in header]
    index = {}
    for field, aliases in COLUMN_ALIASES.items():
        for alias in aliases:  # v1's name first: "reporterDesc" wins over a legacy-style "Reporter"
            if alias in keys:
                index[field] = keys.index(alias)
                break
    missing = [COLUMN_ALIASES[field][0] for field in REQUIRED if field not in index]
    missing += [
        f"{COLUMN_ALIASES[field][0]} or {COLUMN_ALIASES[number][0]}"
        for field, number in AREA_COLUMNS.items()
        if field not in index and number not in index
    ]
    if "year" not in index and "period" not in index:
        missing.append("refYear or period")
    if missing:
        raise ComtradeError(path, "this is not a Comtrade export: missing column(s) " + ", ".join(missing), line=1)
    legacy = keys[index["flow"]] == "tradeflowcode"
    return Layout(delimiter=delimiter, header=header, width=len(header), index=index, legacy=legacy)


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
    inexact = decimal_storage_error(number, vendor=connection.vendor)  # the fields' own rule (ExactDecimalField)
    if inexact is not None:
        raise RowError(column, f"{text}: {inexact}")
    return number


def _small_int(text, column):
    text = text.strip(PAD)
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise RowError(column, f"{text!r} is not a whole number")
    return int(text)


def _period(text, column):
    """(year, month or None) from a period written YYYY or YYYYMM."""
    if not re.fullmatch(r"[0-9]{4}([0-9]{2})?", text):
        raise RowError(column, f"{text!r} is not a period (YYYY or YYYYMM)")
    return int(text[:4]), (int(text[4:]) if len(text) == 6 else None)


def area_code(text):
    """A reporter/partner code as stored: upper case, World's spellings as W00."""
    code = text.strip(PAD).upper()
    return WORLD_CODE if code in WORLD_ALIASES else code


def _area(layout, get, field):
    """The area code a row gives for `field` (reporter, partner, partner2): its ISO column, else its
    numeric Comtrade code translated through the reference list ('' when neither is given).

    A number in the ISO column is read as a Comtrade code too. Raises RowError for a number the
    reference list does not know.
    """
    code = area_code(get(field))
    if code and not code.isdigit():
        return code
    if code:
        number, column = code, layout.name(field)
    else:
        number, column = get(f"{field}_number"), layout.name(f"{field}_number")
    if not number:
        return ""
    if not number.isdigit():
        raise RowError(column, f"{number!r} is not a Comtrade area code (a number)")
    number = str(int(number))
    code = comtrade_areas.code_by_number().get(number)  # "0" is World (W00) there
    if code is None:
        raise RowError(
            column,
            f"Comtrade area code {number} is not in the reference list (apps/trade/reference/comtrade_areas.csv)",
        )
    return code


def normalise_row(fields, layout):
    """One data row's fields -> FlowRow, or RowError naming the column and the reason.

    Separators after the last named column are allowed on any row as long as they hold nothing.
    """
    header_width = len(layout.header)
    if len(fields) < header_width:
        raise RowError(layout.header[len(fields)], f"the row has {len(fields)} fields, the header {header_width}")
    if any(f.strip(PAD) for f in fields[header_width:]):
        raise RowError(
            f"{header_width + 1}",
            f"the row has {len(fields)} fields, the header {header_width}; "
            "the ones after the last column are not empty",
        )

    def get(field):
        return fields[layout.index[field]].strip(PAD) if field in layout.index else ""

    name = layout.name
    if "year" in layout.index:
        year = _small_int(get("year"), name("year"))
        if "month" in layout.index:
            month_text, month_column = get("month"), name("month")
            month = None if month_text in ANNUAL_MONTHS else _small_int(month_text, month_column)
        elif get("period"):  # the legacy format: Year and Period (YYYY or YYYYMM)
            month_column = name("period")
            period_year, month = _period(get("period"), month_column)
            if period_year != year:
                raise RowError(month_column, f"period {get('period')} is not in year {year}")
        else:
            month, month_column = None, name("year")
    else:
        month_column = name("period")
        year, month = _period(get("period"), month_column)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise RowError(name("year") if "year" in layout.index else name("period"), f"year {year} is out of range")
    if month is not None and not 1 <= month <= 12:
        raise RowError(month_column, f"month {month} is not 1-12 (or 52 for a year)")
    flow = get("flow").upper()
    if layout.legacy:
        flow = LEGACY_FLOW_CODES.get(flow, flow)
        if flow == "0" and "flow_desc" in layout.index:
            flow = LEGACY_FLOW_WORDS.get(re.sub(r"[^a-z]", "", get("flow_desc").lower()), flow)
    if flow not in FlowCode.values:
        codes = LEGACY_FLOW_CODES if layout.legacy else FlowCode.values
        raise RowError(name("flow"), f"flow {flow!r} is not one of {', '.join(codes)}")
    commodity = get("commodity")
    if commodity.upper() == TOTAL_COMMODITY:
        commodity = TOTAL_COMMODITY
    if not commodity:
        raise RowError(name("commodity"), "a commodity code is required (TOTAL for all goods)")
    if len(commodity) > 12:
        raise RowError(name("commodity"), f"{commodity!r} is longer than 12 characters")
    unit = get("quantity_unit")
    if len(unit) > MAX_UNIT:
        raise RowError(name("quantity_unit"), f"{unit!r} is longer than {MAX_UNIT} characters")
    reporter, partner = _area(layout, get, "reporter"), _area(layout, get, "partner")
    for field, code in (("reporter", reporter), ("partner", partner)):
        if not code:
            raise RowError(
                name(field) if field in layout.index else name(f"{field}_number"),
                "an ISO3 (or Comtrade area) code is required",
            )
        if len(code) > 3:
            raise RowError(name(field), f"{code!r} is not an ISO3 or Comtrade area code")
    if reporter == partner:
        raise RowError(name("partner"), f"the partner is the reporter ({reporter})")
    partner2 = _area(layout, get, "partner2") or WORLD_CODE
    if len(partner2) > 3:
        raise RowError(name("partner2"), f"{partner2!r} is not an ISO3 or Comtrade area code")
    customs = get("customs").upper() or ALL_CUSTOMS_PROCEDURES
    if len(customs) > 3:
        raise RowError(name("customs"), f"{customs!r} is not a customs procedure code (e.g. C00)")
    mot_text = get("mot")
    mot = ALL_MODES_OF_TRANSPORT if mot_text == "" else _small_int(mot_text, name("mot"))
    if not 0 <= mot <= 32767:
        raise RowError(name("mot"), f"mode of transport {mot} is out of range")
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
        reporter_desc=get("reporter_desc"),
        partner_desc=get("partner_desc"),
        partner2_code=None if partner2 == WORLD_CODE else partner2,
        partner2_desc=get("partner2_desc"),
        customs_code=customs,
        mot_code=mot,
    )


def is_json(path):
    """Whether the file (after gzip and a BOM) starts as JSON does: the v1 API's `{"data": [...]}`."""
    for chunk in utf8_chunks(path):
        text = chunk.lstrip()
        if text:
            return text[:1] in (b"{", b"[")
    return False


def iter_json_records(path, *, on_read=None):
    """(record number, fields, layout) for each record of a v1 API JSON answer ({"data": [...]}).

    Numbers are kept as the file writes them (no float rounding): the same text a CSV would carry.
    """
    text = b"".join(utf8_chunks(path, on_read=on_read)).decode("utf-8")
    try:
        document = json.loads(text, parse_float=str, parse_int=str)
    except json.JSONDecodeError as error:
        raise ComtradeError(path, f"the JSON is malformed ({error.msg})", line=error.lineno) from None
    records = document.get("data") if isinstance(document, dict) else document
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise ComtradeError(path, 'this is not a Comtrade API answer: no "data" list of records')
    if not records:
        raise ComtradeError(path, 'the file is empty (its "data" list has no records)')
    header = list(dict.fromkeys(key for record in records for key in record))
    layout = layout_for(path, header)
    for number, record in enumerate(records, start=1):
        yield number, ["" if record.get(key) is None else str(record.get(key)) for key in header], layout


def iter_records(path, layout=None, *, on_read=None):
    """(line number, fields, layout) for each data row; line 1 is the header (a JSON file: record number).

    `on_read(bytes read from the file so far)` is called as the file is read (see utf8_chunks).
    """
    if is_json(path):
        yield from iter_json_records(path, on_read=on_read)
        return
    lines = iter_lines(utf8_chunks(path, on_read=on_read))
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
            if fields:  # a blank line between rows holds no figure
                yield reader.line_num + 1, fields, layout
    except csv.Error as error:
        raise _csv_error(path, error, line=reader.line_num + 1) from None


def _parsed_line(path, text, delimiter, *, line):
    try:
        return next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error as error:
        raise _csv_error(path, error, line=line) from None


def _csv_error(path, error, *, line):
    """The ComtradeError for a csv.Error at `line`."""
    if "field larger than field limit" in str(error):
        return ComtradeError(
            path,
            f"a field is longer than {csv.field_size_limit():,} characters, which no "
            "Comtrade field is (a missing closing quote?)",
            line=line,
        )
    return ComtradeError(path, f"the CSV is malformed ({error})", line=line)
