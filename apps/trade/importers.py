"""Loading UN Comtrade exports into TradeFlow: one transaction, one set-based merge on the natural key.

PostgreSQL (fast path, v1 CSV): the file's bytes go straight into COPY (PostgreSQL parses the CSV),
the values are converted and checked set-based in SQL, compared with the table in one join, and only
new or changed rows are written. If PostgreSQL refuses anything (a row with a stray separator more
than the first, a legacy or JSON file, a bad value), the import starts again on the Python path:
every row through `comtrade_csv.normalise_row`, the one parser, which names the first bad line and
column. So both databases accept exactly the same files. Reporters and partners unknown to the
database are created from the Comtrade reference list (apps/trade/reference/comtrade_areas.csv).
"""

import csv
import io
import json
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.actors.models import Actor, ActorKind
from apps.core.change_capture import lock_change_feed
from apps.core.csv_cells import csv_writer
from apps.sources.models import Source
from apps.trade.comtrade_csv import (
    PAD,
    STATE_CODE,
    WORLD_ALIASES,
    WORLD_CODE,
    ComtradeError,
    Layout,
    RowError,
    is_json,
    iter_lines,
    iter_records,
    normalise_row,
    read_layout,
    utf8_chunks,
)
from apps.trade.import_progress import ImportProgress
from apps.trade.models import ALL_CUSTOMS_PROCEDURES, ALL_MODES_OF_TRANSPORT, TradeFlow
from apps.trade.partitions import trade_flow_analyze, trade_flow_partition_years, trade_flow_partitions_ensure
from apps.trade.reference import comtrade_areas

try:  # only the PostgreSQL path needs it
    import psycopg
except ImportError:  # pragma: no cover
    psycopg = None

KEY_FIELDS = (
    "reporter_id",
    "partner_id",
    "partner2_id",
    "year",
    "month",
    "flow",
    "commodity_code",
    "customs_code",
    "mot_code",
)
VALUE_FIELDS = ("value_usd", "net_weight_kg", "quantity", "quantity_unit")
# The layout the Python path writes to COPY after checking each row (same SQL afterwards).
CANONICAL = Layout(
    delimiter=",",
    header=[
        "refYear",
        "refMonth",
        "reporterISO",
        "partnerISO",
        "flowCode",
        "cmdCode",
        "primaryValue",
        "netWgt",
        "qty",
        "qtyUnitAbbr",
        "reporterDesc",
        "partnerDesc",
        "partner2ISO",
        "customsCode",
        "motCode",
    ],
    width=15,
    index={
        "year": 0,
        "month": 1,
        "reporter": 2,
        "partner": 3,
        "flow": 4,
        "commodity": 5,
        "value": 6,
        "net_weight": 7,
        "quantity": 8,
        "quantity_unit": 9,
        "reporter_desc": 10,
        "partner_desc": 11,
        "partner2": 12,
        "customs": 13,
        "mot": 14,
    },
)


@dataclass
class ImportSummary:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    created_actors: list = field(default_factory=list)  # ISO3 / Comtrade area codes
    seconds: float = 0.0
    path_taken: str = ""
    missing_actors: dict = field(default_factory=dict)  # code -> name in the file, found by the Python path
    dry_run: bool = False  # everything ran, then the transaction was rolled back: the counts are what would be


STAGE = "comtrade_import_stage"


class _Refused(Exception):
    """The fast path found the data unacceptable; re-read the files in Python to say where."""


def comtrade_import(
    *,
    paths,
    create_missing_states=False,
    skip_invalid=False,
    rejects_path=None,
    source_slug=None,
    progress=None,
    dry_run=False,
):
    """Import Comtrade exports (v1 CSV, legacy CSV, v1 API JSON; plain or gzip) in one transaction.

    Returns an ImportSummary (rows read, inserted, updated, unchanged, rejected, actors created).
    Raises ComtradeError (file, line, column, reason) for bad input; nothing is written then.
    `create_missing_states`: a three-letter code the reference list lacks becomes a state named as
    the file names it (otherwise it is an error). `progress`: an ImportProgress showing each phase
    (read, copy, compare, merge, commit); True is bars or lines on stderr, None/False nothing.
    `dry_run`: every phase runs (every check, the compare with the stored rows, the writes) and the
    transaction is then rolled back: the summary says what would be inserted, updated, unchanged and
    rejected, and the database is as before (a rejects file is still written: it is the report).
    """
    started = time.perf_counter()
    if progress is True:
        progress = ImportProgress.for_stream(sys.stderr, ci=bool(os.environ.get("CI")))
    progress = progress or ImportProgress.quiet()
    paths = [str(path) for path in paths]
    source_id = None
    if source_slug:
        source_id = Source.objects.filter(slug=source_slug).values_list("id", flat=True).first()
        if source_id is None:
            raise ComtradeError(source_slug, "no source has this slug")
    if skip_invalid and not rejects_path:
        raise ComtradeError("--rejects", "skipping invalid rows needs a rejects file to list them in")
    if rejects_path:
        _check_rejects_path(str(rejects_path), paths)
    options = dict(create_missing_states=create_missing_states, source_id=source_id, progress=progress)
    summary = None
    with ExitStack() as stack:
        stack.enter_context(transaction.atomic())
        if connection.vendor == "postgresql" and not skip_invalid and not any(map(_needs_python, paths)):
            try:
                with transaction.atomic():
                    summary = _postgres_fast(paths, **options)
            except (_Refused, DatabaseError, *((psycopg.Error,) if psycopg else ())):
                summary = None  # read again on the Python path: it accepts what it accepts, or says why not
                progress.note("PostgreSQL's COPY could not take the file as it is: reading it again row by row.")
        if summary is None:
            # The rejects file is put in place inside the outer transaction: if that fails, nothing is imported.
            with _Rejects(rejects_path) as rejects, transaction.atomic():
                summary = _python_path(paths, rejects=rejects if skip_invalid else None, **options)
        if dry_run:
            transaction.set_rollback(True)
        ending = stack.pop_all()  # the transaction's end (commit, or the dry run's rollback) is a phase of its own
    with progress.phase("rollback (dry run)" if dry_run else "commit", total=1, unit="transaction"):
        ending.close()
    summary.dry_run = dry_run
    summary.seconds = time.perf_counter() - started
    return summary


def import_report(summary: ImportSummary, *, rejects_path: str | None = None) -> list[str]:
    """The lines an import (or its dry run) reports: the counts, the actors created, where rejects went."""
    rate = summary.rows / summary.seconds if summary.seconds else 0
    if summary.dry_run:
        lines = [
            f"Dry run, nothing written: {summary.rows} rows read; would insert {summary.inserted}, "
            f"update {summary.updated}, leave {summary.unchanged} unchanged, reject {summary.rejected} "
            f"({summary.seconds:.1f} s)."
        ]
    else:
        lines = [
            f"{summary.rows} rows read: {summary.inserted} inserted, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.rejected} rejected "
            f"in {summary.seconds:.1f} s ({rate:,.0f} rows/s)."
        ]
    if summary.created_actors:
        verb = "Would create" if summary.dry_run else "Created"
        lines.append(f"{verb} actors (states and statistical areas): {', '.join(summary.created_actors)}.")
    if summary.rejected and rejects_path:
        lines.append(f"Rejected rows are listed in {rejects_path}.")
    return lines


def _check_rejects_path(rejects_path, paths):
    """ComtradeError unless the rejects file can be written without touching an input file."""
    folder = os.path.dirname(os.path.abspath(rejects_path))
    if not os.path.isdir(folder):
        raise ComtradeError(
            rejects_path, f"the folder {folder} does not exist (create it, or choose another --rejects path)"
        )
    if os.path.isdir(rejects_path):
        raise ComtradeError(
            rejects_path,
            f"is a folder: --rejects names the file to write (e.g. {os.path.join(rejects_path, 'rejects.csv')})",
        )
    if os.path.exists(rejects_path) and not os.access(rejects_path, os.W_OK) or not os.access(folder, os.W_OK):
        raise ComtradeError(rejects_path, "cannot be written (permissions): choose another --rejects path")
    target = os.path.realpath(rejects_path)
    for path in paths:
        if os.path.realpath(path) == target:
            raise ComtradeError(
                rejects_path, "is also an input file: the rejects would overwrite it (choose another --rejects path)"
            )


class _Rejects:
    """The rejects file: where each skipped row came from, why, and the row as it was.

    Written to a temporary file beside it, renamed over `path` only when the import succeeds: a failed
    import leaves an earlier rejects file as it was. Cells are written formula-safe (apps.core.csv_cells).
    """

    def __init__(self, path):
        self.path, self.count, self._file = path, 0, None

    def __enter__(self):
        if self.path:
            folder, name = os.path.split(os.path.abspath(self.path))
            descriptor, self._partial = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=folder)
            self._file = open(descriptor, "w", newline="", encoding="utf-8")
            self._writer = csv_writer(self._file)
            self._writer.writerow(["file", "line", "column", "reason", "row"])
        return self

    def add(self, path, line, column, reason, fields):
        self.count += 1
        self._writer.writerow([path, line, column, reason, *fields])

    def __exit__(self, exc_type, *exc):
        if self._file:
            self._file.close()
            try:
                if exc_type is None:
                    os.replace(self._partial, self.path)
            finally:
                if os.path.exists(self._partial):
                    os.unlink(self._partial)


def _total_bytes(paths):
    return sum(os.path.getsize(path) for path in paths if os.path.exists(path)) or None


def _needs_python(path):
    """Files COPY cannot take as they are: JSON, and the legacy format (flow codes 1-4)."""
    if is_json(path):
        return True
    first = list(iter_lines([next(utf8_chunks(path))]))[:2]
    return read_layout(path, first).legacy


def _actor_ids():
    return dict(Actor.objects.filter(iso3__isnull=False).values_list("iso3", "id"))


def resolvable(code, *, create_missing_states):
    """Whether an unknown code can become an actor: in the reference list, a non-state area, or allowed."""
    return code in comtrade_areas.by_code() or not STATE_CODE.match(code) or create_missing_states


def _create_actors(descriptions):
    """The missing actors: as the Comtrade reference list names them, else as the file does.

    A code the reference lacks is a state if it is three letters (ISO3), else one of Comtrade's
    statistical areas ("Areas, nes"). Returns the codes created, sorted.
    """
    reference = comtrade_areas.by_code()
    created = []
    for code, file_name in sorted(descriptions.items()):
        known = reference.get(code)
        name = known.name_en if known else (file_name or code)
        kind = known.kind if known else (ActorKind.STATE if STATE_CODE.match(code) else ActorKind.AREA)
        slug = slugify(name) or code.lower().strip("_") or "area"
        if Actor.objects.filter(slug=slug).exists():
            slug = f"{slug}-{slugify(code) or 'area'}"
        Actor.objects.create(kind=kind, iso3=code, slug=slug, name_en=name, name_ru="")
        created.append(code)
    return created


# --- Python path: every row checked in Python (SQLite, --skip-invalid, and diagnostics) ----------


def _checked_rows(paths, *, actor_ids, create_missing_states, rejects, summary, phase):
    """Yield (path, line, FlowRow) for rows to load; reject or raise on the others.

    `phase` counts the bytes of the files read (their total is the phase's)."""
    seen = {}
    missing = {}
    offset = 0
    for path in paths:

        def on_read(position, offset=offset):
            phase.set(offset + position)

        for line, fields, layout in iter_records(path, on_read=on_read):
            summary.rows += 1
            try:
                row = normalise_row(fields, layout)
                for side, code, name in row.codes():
                    if code not in actor_ids and code not in missing:
                        if not resolvable(code, create_missing_states=create_missing_states):
                            raise RowError(
                                layout.name(side),
                                f"no actor has ISO3 code {code!r} and the Comtrade "
                                "reference list does not know it (add it, or pass --create-missing-states)",
                            )
                        missing[code] = name
                previous = seen.setdefault(row.natural_key, (path, line))
                if previous != (path, line):
                    raise RowError(
                        layout.name("commodity"),
                        f"repeats the row at {previous[0]} line {previous[1]} "
                        "(same reporter, partner, partner2, period, flow, commodity, customs procedure "
                        "and mode of transport)",
                    )
            except RowError as error:
                if rejects is None:
                    raise ComtradeError(path, error.reason, line=line, column=error.column) from None
                rejects.add(path, line, error.column, error.reason, fields)
                summary.rejected += 1
                continue
            yield path, line, row
        offset += os.path.getsize(path)
    summary.missing_actors = missing


def _python_path(paths, *, rejects, create_missing_states, source_id, progress):
    summary = ImportSummary(path_taken="python")
    actor_ids = _actor_ids()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            _pg_prepare(cursor)
            # The rows are checked as they are read and streamed on into COPY: one phase.
            with progress.phase("read and copy", total=_total_bytes(paths), unit="bytes") as phase:
                rows = _checked_rows(
                    paths,
                    actor_ids=actor_ids,
                    create_missing_states=create_missing_states,
                    rejects=rejects,
                    summary=summary,
                    phase=phase,
                )
                _pg_copy(cursor, _canonical_chunks(rows), CANONICAL)
            summary.created_actors = _create_actors(summary.missing_actors)
            with progress.phase("compare", total=summary.rows - summary.rejected) as phase:
                _, repeated = _pg_compare(cursor, CANONICAL, rows=summary.rows, with_names=False, source_id=source_id)
                phase.set(phase.total)
            if repeated:
                raise ComtradeError(paths[0], "two rows revise the same stored flow")
            _pg_merge(cursor, summary, total=summary.rows - summary.rejected, source_id=source_id, progress=progress)
        return summary
    with progress.phase("read", total=_total_bytes(paths), unit="bytes") as phase:
        rows = list(
            _checked_rows(
                paths,
                actor_ids=actor_ids,
                create_missing_states=create_missing_states,
                rejects=rejects,
                summary=summary,
                phase=phase,
            )
        )
    summary.created_actors = _create_actors(summary.missing_actors)
    _orm_merge(rows, summary, source_id=source_id, progress=progress)
    return summary


def _canonical_chunks(rows, rows_per_chunk=20000):
    """Checked rows written back as canonical CSV bytes for COPY."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CANONICAL.header)
    count = 0
    for _, _, row in rows:
        writer.writerow(
            [
                row.year,
                row.month or "",
                row.reporter_code,
                row.partner_code,
                row.flow,
                row.commodity_code,
                row.value_usd,
                "" if row.net_weight_kg is None else row.net_weight_kg,
                "" if row.quantity is None else row.quantity,
                row.quantity_unit,
                "",
                "",
                row.partner2_code or "",
                row.customs_code,
                row.mot_code,
            ]
        )
        count += 1
        if count % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


MERGE_BATCH = 5000  # rows written per step of the portable merge (its progress moves by this much)


def _orm_merge(rows, summary, *, source_id, progress):
    """Portable merge: compare with the stored rows in Python, bulk insert and bulk update."""
    actor_ids = _actor_ids()
    keys, values_at = slice(1, 1 + len(KEY_FIELDS)), slice(1 + len(KEY_FIELDS), 1 + len(KEY_FIELDS) + len(VALUE_FIELDS))
    source_at = values_at.stop
    stored_count = TradeFlow.objects.count()
    # Compare: read the stored rows' keys, then look up each file row (both counted).
    with progress.phase("compare", total=stored_count + len(rows)) as phase:
        existing = {}
        for values in TradeFlow.objects.values_list("id", *KEY_FIELDS, *VALUE_FIELDS, "source_id").iterator(
            chunk_size=MERGE_BATCH
        ):
            existing[tuple(values[keys])] = values
            phase.update()
        new, changed = _compare_rows(
            rows,
            existing,
            actor_ids,
            summary,
            keys=keys,
            values_at=values_at,
            source_at=source_at,
            source_id=source_id,
            phase=phase,
        )
    with progress.phase("merge", total=len(new) + len(changed)) as phase:
        for start in range(0, len(new), MERGE_BATCH):
            TradeFlow.objects.bulk_create(new[start : start + MERGE_BATCH], batch_size=500)
            phase.update(len(new[start : start + MERGE_BATCH]))
        for start in range(0, len(changed), MERGE_BATCH):
            TradeFlow.objects.bulk_update(
                changed[start : start + MERGE_BATCH], [*VALUE_FIELDS, "source_id", "updated_at"], batch_size=500
            )
            phase.update(len(changed[start : start + MERGE_BATCH]))
    summary.inserted, summary.updated = len(new), len(changed)


def _compare_rows(rows, existing, actor_ids, summary, *, keys, values_at, source_at, source_id, phase):
    """(new TradeFlows, changed TradeFlows) of the file rows against the stored ones; counts the unchanged."""
    now = timezone.now()
    new, changed = [], []
    for _, _, row in rows:
        phase.update()
        key = (
            actor_ids[row.reporter_code],
            actor_ids[row.partner_code],
            actor_ids[row.partner2_code] if row.partner2_code else None,
            row.year,
            row.month,
            row.flow,
            row.commodity_code,
            row.customs_code,
            row.mot_code,
        )
        values = (row.value_usd, row.net_weight_kg, row.quantity, row.quantity_unit)
        stored = existing.get(key)
        if stored is None:
            new.append(TradeFlow(**dict(zip(KEY_FIELDS, key)), **dict(zip(VALUE_FIELDS, values)), source_id=source_id))
        elif tuple(stored[values_at]) != values or (source_id is not None and stored[source_at] != source_id):
            flow = TradeFlow(
                id=stored[0],
                **dict(zip(VALUE_FIELDS, values)),
                updated_at=now,
                source_id=source_id if source_id is not None else stored[source_at],
            )
            changed.append(flow)
        else:
            summary.unchanged += 1
    return new, changed


# --- PostgreSQL fast path ----------------------------------------------------------------------


def _postgres_fast(paths, *, create_missing_states, source_id, progress):  # noqa: ARG001 (unknown codes: Python path)
    summary = ImportSummary(path_taken="copy")
    with connection.cursor() as cursor:
        _pg_prepare(cursor)
        for path in paths:
            with progress.phase(f"copy {os.path.basename(path)}", total=_total_bytes([path]), unit="bytes") as phase:
                copied, layout = _pg_copy_file(cursor, path, phase)
            summary.rows += copied
            with progress.phase("compare", total=copied) as phase:
                _, repeated = _pg_compare(cursor, layout, rows=copied, with_names=False, source_id=source_id)
                phase.set(copied)
            if repeated:
                raise _Refused("rows repeat a stored flow's key")
        _pg_merge(cursor, summary, total=summary.rows, source_id=source_id, progress=progress)
    return summary


def _pg_copy_file(cursor, path, phase):
    """COPY one file as it is (PostgreSQL parses the CSV). Returns (rows copied, the file's Layout)."""
    chunks = utf8_chunks(path, on_read=phase.set)
    first_chunk = next(chunks)
    layout = read_layout(path, list(iter_lines([first_chunk]))[:2])

    def file_chunks():
        yield first_chunk
        yield from chunks

    return _pg_copy(cursor, file_chunks(), layout), layout


def _pg_prepare(cursor):
    # Memory for the hash join and aggregates over a million rows (the default 4MB spills to disk),
    # and for the temporary tables (settable only before the session's first temporary table).
    cursor.execute("SET LOCAL work_mem = '256MB'")
    # Two sorts of a million rows on text keys cost more than the hash join the planner underrates here
    # (docs/benchmarks.md, "Figures behind the code").
    cursor.execute("SET LOCAL enable_mergejoin = off")
    cursor.execute("SELECT count(*) FROM pg_class WHERE relpersistence = 't' AND pg_table_is_visible(oid)")
    if not cursor.fetchone()[0]:
        with transaction.atomic():
            try:
                cursor.execute("SET temp_buffers = '256MB'")
            except DatabaseError:
                pass
    # The change feed's lock before the table's: every writer takes it before its row or table locks, so an
    # import and another write cannot deadlock over the two (apps.core.change_capture). Other writes wait
    # for the import; readers are not blocked.
    lock_change_feed()
    # Serialise imports (a concurrent one could insert the same keys); readers are not blocked.
    cursor.execute("LOCK TABLE trade_tradeflow IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute("DROP TABLE IF EXISTS comtrade_diff")


def _pg_copy(cursor, chunks, layout):
    """COPY the bytes as they are into a text staging table partitioned by year; PostgreSQL parses the CSV.

    The staging table has a partition for each year trade_tradeflow has one of ({STAGE}_y<year>) and one for
    every other year ({STAGE}_new: rows no stored flow can match), so that the compare knows the file's years
    without reading it and reads only those years' stored flows (_pg_compare). A year that is no number makes
    the COPY raise (then diagnosed on the Python path). Returns the rows copied.
    """
    # Unlogged rather than temporary so that parallel workers can scan it in the compare (docs/benchmarks.md, "Figures behind the code");
    # it is created and dropped inside the import's transaction, under its lock. The parent has no storage of its own.
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    columns = ", ".join(f"c{i} text" for i in range(layout.width))
    partitions = [
        f"CREATE UNLOGGED TABLE {STAGE}_y{year} PARTITION OF {STAGE} FOR VALUES FROM ({year}) TO ({year + 1})"
        for year in trade_flow_partition_years() or []
    ]
    cursor.execute(
        ";".join(
            [
                f"CREATE TABLE {STAGE} ({columns}) PARTITION BY RANGE (({_pg_year(layout, alias='')}))",
                *partitions,
                f"CREATE UNLOGGED TABLE {STAGE}_new PARTITION OF {STAGE} DEFAULT",
            ]
        )
    )
    delimiter = {",": ",", "\t": "E'\\t'", ";": ";"}[layout.delimiter]
    delimiter = delimiter if delimiter.startswith("E") else f"'{delimiter}'"
    raw = cursor.cursor
    # FORCE_NOT_NULL: an empty field is '' (as a quoted "" is), never NULL, so every check sees text.
    not_null = ", ".join(f"c{i}" for i in range(layout.width))
    with raw.copy(
        f"COPY {STAGE} FROM STDIN (FORMAT csv, HEADER true, DELIMITER {delimiter}, FORCE_NOT_NULL ({not_null}))"
    ) as copy:
        for chunk in chunks:
            copy.write(chunk)
    return raw.rowcount


def _pg_col(layout, field, alias="s."):
    """SQL for a staged field's text, its padding trimmed ('' when the layout has no such field)."""
    return f"btrim({alias}c{layout.index[field]}, '{PAD}')" if field in layout.index else "''"


def _pg_period(layout, alias="s."):
    """SQL for the staged period (YYYY or YYYYMM); any other text becomes 'period <it>', which no cast takes."""
    period = _pg_col(layout, "period", alias)
    return f"CASE WHEN {period} ~ '^[0-9]{{4}}([0-9]{{2}})?$' THEN {period} ELSE 'period ' || {period} END"


def _pg_year(layout, alias="s."):
    """SQL for a staged row's year (smallint): refYear, else the period's first four digits. It is the staging
    table's partition key too, so a row's partition and its year always agree."""
    if "year" in layout.index:
        return f"{_pg_col(layout, 'year', alias)}::smallint"
    return f"left({_pg_period(layout, alias)}, 4)::smallint"


def _pg_area_code(iso, number):
    """SQL for the area code a row gives (comtrade_csv._area, set-based): the ISO column `iso` (an
    upper-cased text expression) unless it is empty or a number, else the numeric Comtrade code
    (`number`, or the number in the ISO column) translated by comtrade_areas.code_by_number(), the
    mapping the Python path reads, written into the statement as a constant. '' when neither is given;
    a number the list lacks, or text that is no number, becomes '#<it>', a code no actor has, so the
    import goes the Python path, which names the line and column.
    """
    mapping = comtrade_areas.code_by_number()
    if not all(n.isdigit() and code.isalnum() and code.isascii() for n, code in mapping.items()):
        raise ValueError("comtrade_areas.csv: numeric codes and area codes must be digits and letters")
    numbers = json.dumps(mapping, separators=(",", ":"))
    aliases = ", ".join(f"'{alias}'" for alias in sorted(WORLD_ALIASES))
    given = f"CASE WHEN {iso} = '' THEN {number} ELSE {iso} END"
    # ISO codes start with a letter: the cheap comparison settles nearly every row before the regex.
    return f"""CASE WHEN {iso} IN ({aliases}) THEN '{WORLD_CODE}'
                    WHEN {iso} >= 'A' OR ({iso} <> '' AND {iso} !~ '^[0-9]+$') THEN {iso}
                    WHEN {given} = '' THEN ''
                    ELSE coalesce('{numbers}'::jsonb ->> coalesce(NULLIF(ltrim({given}, '0'), ''), '0'),
                                  '#' || {given}) END"""


def _pg_compare(cursor, layout, *, rows, with_names, source_id):
    """One pass over the staged file: convert, resolve actors, compare with the table.

    Only rows that are new, changed, or not resolvable to two actors are kept (in comtrade_diff),
    so an unchanged re-import writes nothing. A bad value makes PostgreSQL raise (then diagnosed).
    Returns (rows kept, whether a revised stored row is matched by more than one file row).
    """

    def col(field):
        return _pg_col(layout, field)

    def upper(field):  # codes are ASCII: the "C" collation's upper() is the cheap one
        return f'upper({col(field)} COLLATE "C")'

    year = _pg_year(layout)
    if "year" in layout.index:
        month = f"CASE WHEN {col('month')} IN ('', '0', '52') THEN NULL ELSE {col('month')}::smallint END"
    else:  # a period that is not YYYY or YYYYMM is cast as a whole, so that it fails
        checked = _pg_period(layout)
        month = f"CASE WHEN length({checked}) = 6 THEN substr({checked}, 5, 2)::smallint END"
    optional = "NULLIF({}, '')::numeric(20,3)"
    reporter_code, partner_code, partner2_code = (
        _pg_area_code(upper(side), col(f"{side}_number")) for side in ("reporter", "partner", "partner2")
    )
    # Without a partner2 column every row is partner2 World: no join (a join to nothing kept the
    # planner from running the compare in parallel (docs/benchmarks.md, "Figures behind the code")).
    has_partner2 = "partner2" in layout.index or "partner2_number" in layout.index
    partner2_id, partner2_join = "NULL::bigint", ""
    if has_partner2:
        partner2_id, partner2_join = "p2.id", "LEFT JOIN actors_actor p2 ON p2.iso3 = s.partner2_code"
    names = (col("reporter_desc"), col("partner_desc")) if with_names else ("NULL", "NULL")
    source_differs = "OR t.source_id IS DISTINCT FROM %(source)s" if source_id is not None else ""

    def converted(table, fence=""):
        return f"""
        SELECT s.*, r.id AS reporter_id, p.id AS partner_id, {partner2_id} AS partner2_id
        FROM (
            SELECT {reporter_code} AS reporter_code, {partner_code} AS partner_code,
                   NULLIF(NULLIF({partner2_code}, ''), '{WORLD_CODE}') AS partner2_code,
                   coalesce(NULLIF({upper("customs")}, ''), '{ALL_CUSTOMS_PROCEDURES}') AS customs_code,
                   coalesce(NULLIF({col("mot")}, ''), '{ALL_MODES_OF_TRANSPORT}')::smallint AS mot_code,
                   {year} AS year, {month} AS month, {upper("flow")} AS flow,
                   CASE WHEN {upper("commodity")} = 'TOTAL' THEN 'TOTAL' ELSE {col("commodity")} END
                       AS commodity_code,
                   {col("value")}::numeric(20,2) AS value_usd,
                   {optional.format(col("net_weight"))} AS net_weight_kg,
                   {optional.format(col("quantity"))} AS quantity,
                   {col("quantity_unit")} AS quantity_unit,
                   {names[0]} AS reporter_desc, {names[1]} AS partner_desc
            FROM {table} s
            {fence}
        ) s
        LEFT JOIN actors_actor r ON r.iso3 = s.reporter_code
        LEFT JOIN actors_actor p ON p.iso3 = s.partner_code
        {partner2_join}
    """

    # `partner2_id IS NULL` where the file has no partner2: the planner estimates it from the column's
    # statistics, where `coalesce(…) = 0` gets a default guess that made it pick a slower plan (docs/benchmarks.md, "Figures behind the code").
    same_partner2 = (
        "coalesce(t.partner2_id, 0) = coalesce(s.partner2_id, 0)" if has_partner2 else "t.partner2_id IS NULL"
    )
    same_key = f"""t.reporter_id = s.reporter_id AND t.partner_id = s.partner_id AND t.year = s.year
                  AND coalesce(t.month, 0) = coalesce(s.month, 0) AND t.flow = s.flow
                  AND t.commodity_code = s.commodity_code AND {same_partner2}
                  AND t.customs_code = s.customs_code AND t.mot_code = s.mot_code"""
    # The stored side of the join is the years the file has rows of and the table has a partition of (the staging
    # table's partitions that received rows): `t.year = ANY(...)` lets the planner read those partitions only.
    # Re-importing one year into a table of many no longer hashes every stored flow (docs/benchmarks.md,
    # session 16); rows of a year the table has no partition of ({STAGE}_new) cannot match a stored flow. On a
    # table not partitioned (before migration trade 0009) the file is compared with the whole table.
    partition_years = trade_flow_partition_years()
    cursor.execute(
        "SELECT substring(c.relname FROM '_y([0-9]{4})$')::int FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        f" WHERE i.inhparent = '{STAGE}'::regclass AND c.relname <> '{STAGE}_new' AND pg_relation_size(c.oid) > 0"
    )
    years = sorted(year for (year,) in cursor.fetchall())
    against = "" if partition_years is None else f"AND t.year = ANY(ARRAY[{', '.join(map(str, years))}]::int[])"
    # A first import, or one of years new to the table, writes every row it reads; a later one mostly matches stored rows.
    stored = partition_years is None or bool(years)
    # Against no stored rows, OFFSET 0 keeps PostgreSQL from flattening the converting subquery into the joins, where
    # each converted value would be computed again for the hash, the join's recheck and the filter: computed once a
    # row (in the parallel workers), the first import's compare took 5.7 s instead of 7.7 at 1M. Not against stored
    # rows: the planner then joins them in the leader alone, and an unchanged 1M re-import took 11.3 s instead of 9.7
    # (docs/benchmarks.md, session 15).
    fence = "" if stored else "OFFSET 0"
    # One pass: an unchanged row is read, converted, matched and dropped; nothing is written for it.
    # CREATE TABLE AS (unlike INSERT ... SELECT) may run its query in parallel.
    cursor.execute("SELECT to_regclass('pg_temp.comtrade_diff') IS NOT NULL")
    into = "INSERT INTO comtrade_diff" if cursor.fetchone()[0] else "CREATE TEMP TABLE comtrade_diff ON COMMIT DROP AS"
    # With an index matching the key, the planner picks a nested loop of index probes: fine for a
    # small file, slower than one hash join for a large one (docs/benchmarks.md, "Figures behind the code").
    cursor.execute(f"SET LOCAL enable_nestloop = {'off' if rows > 10_000 else 'on'}")
    # JIT (switched on by the estimated cost) compiles this pass for seconds of CPU: worth it when the
    # table is empty and every row goes on to be written, not when most rows match stored ones and are
    # dropped (an unchanged re-import) (docs/benchmarks.md, "Figures behind the code").
    cursor.execute(f"SET LOCAL jit = {'off' if stored else 'DEFAULT'}")
    cursor.execute(
        f"""
        {into}
        SELECT s.reporter_code, s.partner_code, s.partner2_code, s.reporter_id, s.partner_id, s.partner2_id,
               s.year, s.month, s.flow, s.commodity_code, s.customs_code, s.mot_code,
               s.value_usd, s.net_weight_kg, s.quantity, s.quantity_unit,
               s.reporter_desc, s.partner_desc, t.id AS existing_id
        FROM ({converted(STAGE, fence)}) s
        LEFT JOIN trade_tradeflow t ON {same_key} {against}
        WHERE t.id IS NULL
           OR (t.value_usd, t.net_weight_kg, t.quantity, t.quantity_unit)
              IS DISTINCT FROM (s.value_usd, s.net_weight_kg, s.quantity, s.quantity_unit)
           {source_differs}
    """,
        {"source": source_id},
    )
    kept = cursor.rowcount
    cursor.execute("SET LOCAL enable_nestloop = on")
    cursor.execute("SET LOCAL jit = DEFAULT")
    # A revision repeated in the file would be ambiguous. New rows repeating each other fail on the
    # unique constraints at insert; revisions are checked here, only when there are any.
    cursor.execute("SELECT EXISTS (SELECT 1 FROM comtrade_diff WHERE existing_id IS NOT NULL)")
    repeated = False
    if cursor.fetchone()[0]:
        cursor.execute(f"""
            SELECT 1 FROM trade_tradeflow t JOIN ({converted(STAGE)}) s ON {same_key}
            WHERE t.id IN (SELECT existing_id FROM comtrade_diff)
            GROUP BY t.id HAVING count(*) > 1 LIMIT 1
        """)
        repeated = cursor.fetchone() is not None
    cursor.execute(f"DROP TABLE {STAGE}")
    return kept, repeated


def _pg_merge(cursor, summary, *, total, source_id, progress):
    """Check the kept rows as a set, then update the changed rows and insert the new ones.

    Codes no actor has are created from the Comtrade reference list; any other makes the import
    go the Python path (which creates areas as the file names them, or says which line is wrong).
    """
    unresolved = "reporter_id IS NULL OR partner_id IS NULL OR (partner2_id IS NULL AND partner2_code IS NOT NULL)"
    cursor.execute(
        "SELECT DISTINCT code FROM comtrade_diff, LATERAL (VALUES (CASE WHEN reporter_id IS NULL THEN reporter_code END),"
        " (CASE WHEN partner_id IS NULL THEN partner_code END), (CASE WHEN partner2_id IS NULL THEN partner2_code END))"
        f" v(code) WHERE ({unresolved}) AND code IS NOT NULL"
    )
    missing = [code for (code,) in cursor.fetchall()]
    if missing:
        reference = comtrade_areas.by_code()
        unknown = sorted(code for code in missing if code not in reference)
        if unknown:
            raise _Refused(f"codes outside the Comtrade reference list: {unknown}")
        summary.created_actors = _create_actors(dict.fromkeys(missing, ""))
        # New actors have no stored flows yet, so their rows are all new: resolving them is enough.
        for side in ("reporter", "partner", "partner2"):
            cursor.execute(
                f"UPDATE comtrade_diff s SET {side}_id = a.id FROM actors_actor a"
                f" WHERE s.{side}_id IS NULL AND a.iso3 = s.{side}_code"
            )
    cursor.execute("SELECT bool_or(value_usd = 'NaN' OR net_weight_kg = 'NaN' OR quantity = 'NaN') FROM comtrade_diff")
    if cursor.fetchone()[0]:
        raise _Refused("a value is NaN")
    cursor.execute(
        "SELECT 1 FROM comtrade_diff WHERE existing_id IS NOT NULL GROUP BY existing_id HAVING count(*) > 1 LIMIT 1"
    )
    if cursor.fetchone():
        raise _Refused("two rows revise the same stored flow")
    cursor.execute("SELECT count(*) FROM comtrade_diff")
    with progress.phase("merge", total=cursor.fetchone()[0]) as phase:
        _pg_write(cursor, summary, source_id=source_id)
        phase.set(phase.total)
    summary.unchanged = total - summary.inserted - summary.updated
    cursor.execute("DROP TABLE comtrade_diff")


def _pg_write(cursor, summary, *, source_id):
    """Update the changed rows and insert the new ones (comtrade_diff's); counts them in `summary`."""
    set_source = "%(source)s" if source_id is not None else "t.source_id"
    cursor.execute(
        f"""
        UPDATE trade_tradeflow t
        SET value_usd = d.value_usd, net_weight_kg = d.net_weight_kg, quantity = d.quantity,
            quantity_unit = d.quantity_unit, source_id = {set_source}, updated_at = statement_timestamp()
        FROM comtrade_diff d WHERE t.id = d.existing_id AND t.year = d.year
    """,
        {"source": source_id},
    )
    summary.updated = cursor.rowcount
    cursor.execute("SELECT DISTINCT year FROM comtrade_diff WHERE existing_id IS NULL")
    years = [year for (year,) in cursor.fetchall()]
    summary.inserted = 0

    def insert_new(table, where, params):
        # New rows repeating one another's key fail here or at their partition's ATTACH, on the unique
        # constraints (then diagnosed on the Python path).
        cursor.execute(
            f"""
            INSERT INTO "{table}" (reporter_id, partner_id, partner2_id, year, month, flow, commodity_code,
                                   customs_code, mot_code, value_usd, net_weight_kg, quantity, quantity_unit,
                                   source_id, created_at, updated_at)
            SELECT reporter_id, partner_id, partner2_id, year, month, flow, commodity_code, customs_code, mot_code,
                   value_usd, net_weight_kg, quantity, quantity_unit, %(source)s, statement_timestamp(),
                   statement_timestamp()
            FROM comtrade_diff
            WHERE existing_id IS NULL AND {where}
            ORDER BY year, reporter_id, partner_id, month, flow, commodity_code  -- a year's partition at a time
        """,
            {"source": source_id, **params},
        )
        summary.inserted += cursor.rowcount

    # A year the table does not have yet is written into its new partition before that is attached, so its
    # indexes and keys are built once at the attach rather than row by row (apps.trade.partitions). One
    # statement a year: the index lets each read its year's rows, not every row of the file.
    if len(years) > 1:
        cursor.execute("CREATE INDEX ON comtrade_diff (year)")
    filled = trade_flow_partitions_ensure(
        years, fill=lambda table, year: insert_new(table, "year = %(year)s", {"year": year})
    )
    if set(years) - set(filled):  # years that had a partition (and years out of range: their CHECK refuses them)
        insert_new("trade_tradeflow", "year <> ALL(%(filled)s::int[])", {"filled": filled})
    if summary.inserted + summary.updated > 10_000:  # the next import and readers plan with the new size
        cursor.execute("SELECT DISTINCT year FROM comtrade_diff")
        trade_flow_analyze([year for (year,) in cursor.fetchall()], rows_written=summary.inserted + summary.updated)
