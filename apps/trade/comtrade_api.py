"""Fetching trade flows from UN Comtrade's v1 API into TradeFlow, through the same importer as files.

Endpoints (as the UN's own client `comtradeapicall` 1.3.2 calls them, PreviewGet.py):
- without a subscription key, the public preview `GET {base}/public/v1/preview/C/{A|M}/HS`: at most
  500 records a call (`PREVIEW_MAX_RECORDS`);
- with one (`COMTRADE_SUBSCRIPTION_KEY`), `GET {base}/data/v1/get/C/{A|M}/HS`: up to 100,000 records a
  call (`FULL_MAX_RECORDS`), the key sent in the `Ocp-Apim-Subscription-Key` header (never in a URL).
Query parameters as the client's: reportercode, partnerCode, partner2Code, flowCode, period, cmdCode,
customsCode, motCode, maxRecords, includeDesc. An answer is `{"elapsedTime", "count", "data": [...],
"error"}`; an empty one has `"count": 0, "data": []`.

Why not `comtradeapicall` itself: on an HTTP error it prints the body and returns None, on a network
error it prints and returns None, it retries once after 10 s whatever the error, and it hands back a
pandas DataFrame (floats: primaryValue loses its cents past 2**53/100). So the documented endpoints
are called with `requests`, and every failure is an exception that names it.

The work is cut into one call per reporter and year (annual: period YYYY; monthly: the year's twelve
YYYYMM periods in one call), and on the preview per flow too, each answer kept as a file in the cache folder, imported with
`comtrade_import` (same natural key, rules and report as a downloaded file) and recorded as done in
`imported.json` there: run the same command again and it resumes after the last call that was imported.
"""

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urlsplit

import requests
from django.conf import settings

from apps.trade.comtrade_csv import ComtradeError
from apps.trade.import_progress import ImportProgress
from apps.trade.importers import ImportSummary, comtrade_import
from apps.trade.models import FlowCode
from apps.trade.reference import comtrade_areas

PREVIEW_PATH = "/public/v1/preview/C/{freq}/HS"
FULL_PATH = "/data/v1/get/C/{freq}/HS"
PREVIEW_MAX_RECORDS = 500  # comtradeapicall's README: preview functions return at most 500 records
FULL_MAX_RECORDS = 100_000  # one call of the subscription API (comtradr's "large data" article)
# Commodity levels: Comtrade's own codes for "all codes of N digits" (its List of References).
COMMODITY_LEVELS = {"TOTAL": "TOTAL", "HS2": "AG2", "HS4": "AG4", "HS6": "AG6"}
HS_CODE = re.compile(r"^[0-9]{2}([0-9]{2}){0,2}$")
RETRIED_STATUSES = {429, 500, 502, 503, 504}
MAX_BACKOFF_SECONDS = 60
STATE_FILE = "imported.json"
TIMEOUT_SECONDS = 120  # a 100,000-record answer takes Comtrade tens of seconds


class ComtradeFetchError(Exception):
    """A fetch that cannot go on: bad arguments, no network, a refused key, an error answer.

    The message says what happened and what to do; what was imported before it stays imported.
    """


@dataclass(frozen=True)
class ComtradeCall:
    """One call of the API: a reporter, a year (one period, or twelve months) and the fixed filters."""

    reporter_code: int
    year: int
    frequency: str  # A or M
    partner_codes: str | None  # comma-separated Comtrade codes; None: every partner
    flow_codes: str | None  # comma-separated X, M, RX, RM; None: every flow
    commodity: str  # TOTAL, AG2/AG4/AG6, or comma-separated HS codes

    @property
    def period(self) -> str:
        if self.frequency == "A":
            return str(self.year)
        return ",".join(f"{self.year}{month:02d}" for month in range(1, 13))

    @property
    def key(self) -> str:
        """A stable name for this call (its answer's file name in the cache folder)."""
        parts = [
            self.frequency,
            str(self.reporter_code),
            str(self.year),
            self.partner_codes or "all",
            self.flow_codes or "all",
            self.commodity,
        ]
        return "_".join(re.sub(r"[^A-Za-z0-9]+", "-", part) for part in parts)[:200]

    def params(self, max_records: int) -> dict:
        params = {
            "reportercode": self.reporter_code,
            "period": self.period,
            "cmdCode": self.commodity,
            "partner2Code": 0,
            "customsCode": "C00",
            "motCode": 0,
            "maxRecords": max_records,
            "includeDesc": "true",
        }
        if self.partner_codes is not None:
            params["partnerCode"] = self.partner_codes
        if self.flow_codes is not None:
            params["flowCode"] = self.flow_codes
        return params


@dataclass
class FetchSummary:
    calls: int = 0  # calls this request is cut into
    fetched: int = 0  # calls made now (answers already in the cache are not asked again)
    resumed: int = 0  # calls imported by an earlier run, skipped
    empty: int = 0  # answers with no records
    retries: int = 0  # calls repeated after a rate limit or a server error
    truncated: list = field(default_factory=list)  # call keys whose answer filled maxRecords
    imported: ImportSummary = field(default_factory=ImportSummary)  # the sums of every call's import
    endpoint: str = ""  # "preview" or "full"
    dry_run: bool = False


def parse_reporters(text: str) -> list[int]:
    """'KAZ,UZB' or '398,860' (mixed allowed) -> Comtrade codes. ComtradeFetchError names an unknown one."""
    return [_area_number(item, "reporter") for item in _items(text)]


def parse_partners(text: str | None) -> str | None:
    """None/'all' -> None (every partner); 'world' -> '0'; ISO3s or codes -> comma-separated codes."""
    if text is None or text.strip().lower() in ("", "all"):
        return None
    return ",".join(str(_area_number(item, "partner")) for item in _items(text))


def _area_number(item: str, what: str) -> int:
    item = item.strip().upper()
    if item in ("WORLD", "W00", "WLD", "0"):
        return 0
    if item.isdigit():
        area = comtrade_areas.by_comtrade_code().get(str(int(item)))
    else:
        area = comtrade_areas.by_code().get(item)
    if area is None:
        raise ComtradeFetchError(
            f"{what} {item!r} is neither an ISO3 code nor a Comtrade area code the reference "
            "list knows (apps/trade/reference/comtrade_areas.csv)"
        )
    return area.comtrade_code


def parse_years(text: str) -> list[int]:
    """'2015-2024' or '2020,2022' (or both) -> sorted years. ComtradeFetchError for anything else."""
    years = set()
    for item in _items(text):
        match = re.fullmatch(r"([0-9]{4})(?:-([0-9]{4}))?", item)
        if not match:
            raise ComtradeFetchError(f"years: {item!r} is not a year (2024) or a range (2015-2024)")
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first:
            raise ComtradeFetchError(f"years: {item!r} ends before it starts")
        if first < 1962 or last > 2100:  # Comtrade's data start in 1962
            raise ComtradeFetchError(f"years: {item!r} is outside 1962-2100")
        years.update(range(first, last + 1))
    return sorted(years)


def parse_flows(text: str | None) -> str | None:
    """None/'all' -> None; 'X,M' -> 'X,M'. ComtradeFetchError names a flow that is not X, M, RX or RM."""
    if text is None or text.strip().lower() in ("", "all"):
        return None
    flows = [item.upper() for item in _items(text)]
    for flow in flows:
        if flow not in FlowCode.values:
            raise ComtradeFetchError(f"flows: {flow!r} is not one of {', '.join(FlowCode.values)}")
    return ",".join(flows)


def parse_commodities(text: str) -> str:
    """TOTAL, HS2, HS4, HS6 (every code of that length), or HS codes '2805,2846' -> the API's cmdCode."""
    level = COMMODITY_LEVELS.get(text.strip().upper())
    if level:
        return level
    codes = _items(text)
    for code in codes:
        if not HS_CODE.match(code):
            raise ComtradeFetchError(
                f"commodities: {code!r} is not TOTAL, HS2, HS4, HS6 or an HS code of 2, 4 or 6 digits"
            )
    return ",".join(codes)


def _items(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise ComtradeFetchError("an empty list")
    return items


def plan_calls(
    *,
    reporters: list[int],
    years: list[int],
    frequency: str,
    partners: str | None,
    flows: str | None,
    commodity: str,
    per_flow: bool = False,
) -> list[ComtradeCall]:
    """The calls a request is cut into: one per reporter and year, and per flow if `per_flow`.

    `per_flow` is for the preview's 500 records: a reporter's annual TOTAL with every partner is at
    most one record per partner area (about 250) per flow, so one flow a call fits where two may not.
    """
    if frequency not in ("A", "M"):
        raise ComtradeFetchError(f"frequency {frequency!r} is neither A (annual) nor M (monthly)")
    flow_groups = [flows] if not per_flow else (flows.split(",") if flows else list(FlowCode.values))
    return [
        ComtradeCall(reporter, year, frequency, partners, flow_group, commodity)
        for reporter in reporters
        for year in years
        for flow_group in flow_groups
    ]


def comtrade_fetch(
    *,
    calls: list[ComtradeCall],
    cache_dir: str | os.PathLike,
    subscription_key: str | None = None,
    base_url: str | None = None,
    dry_run: bool = False,
    source_slug: str | None = None,
    progress: ImportProgress | None = None,
    max_tries: int = 6,
    sleep: Callable[[float], None] = time.sleep,
    session: requests.Session | None = None,
) -> FetchSummary:
    """Fetch each call's answer (or take it from `cache_dir`), import it, and record it as done.

    Returns a FetchSummary (calls, fetched, resumed, empty, retries, truncated, and the import counts
    summed over the calls: rows, inserted, updated, unchanged, rejected, actors created). A call already
    recorded in `cache_dir/imported.json` is skipped (resuming an interrupted run). Rate limits (429)
    and server errors (5xx, timeouts) are retried up to `max_tries` times, waiting as Retry-After says
    or 1, 2, 4 … seconds (at most 60). Raises ComtradeFetchError for no network, a refused key, an
    error answer, or ComtradeError (file, record, column, reason) for a record the importer refuses;
    the calls imported before stay imported. `dry_run`: every answer is fetched and imported in a
    transaction that is rolled back; nothing is recorded as done.
    """
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    base_url = (base_url or settings.COMTRADE_API_URL).rstrip("/")
    progress = progress or ImportProgress.quiet()
    summary = FetchSummary(calls=len(calls), endpoint="full" if subscription_key else "preview", dry_run=dry_run)
    max_records = FULL_MAX_RECORDS if subscription_key else PREVIEW_MAX_RECORDS
    state = _read_state(cache)
    http = session or requests.Session()
    headers = {"Accept": "application/json"}
    if subscription_key:
        headers["Ocp-Apim-Subscription-Key"] = subscription_key
    with progress.phase("fetch", total=len(calls), unit="calls") as phase:
        for call in calls:
            if call.key in state and not dry_run:
                summary.resumed += 1
                phase.update()
                continue
            answer_path = cache / f"{call.key}.json"
            if not answer_path.exists():
                url = base_url + (FULL_PATH if subscription_key else PREVIEW_PATH).format(freq=call.frequency)
                body = _get(
                    http, url, call.params(max_records), headers, summary=summary, max_tries=max_tries, sleep=sleep
                )
                summary.fetched += 1
                _write_atomically(answer_path, body)
            count = _check_answer(answer_path, call)
            if count >= max_records:
                summary.truncated.append(call.key)
                progress.note(
                    f"{call.key}: the answer holds {count} records, the most one call returns; it is "
                    "probably cut short (use a subscription key, or fewer partners, flows or codes)."
                )
            if count == 0:
                summary.empty += 1
            else:
                _add(summary.imported, comtrade_import(paths=[answer_path], source_slug=source_slug, dry_run=dry_run))
            if not dry_run and call.key not in summary.truncated:
                state[call.key] = {"records": count}
                _write_atomically(cache / STATE_FILE, json.dumps(state, indent=1).encode())
            phase.update()
    summary.imported.dry_run = dry_run
    return summary


def _get(http, url, params, headers, *, summary, max_tries, sleep) -> bytes:
    host = urlsplit(url).netloc
    for attempt in range(1, max_tries + 1):
        try:
            response = http.get(url, params=params, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.Timeout:
            status, message, wait = None, "no answer in time", None
        except requests.ConnectionError as error:
            raise ComtradeFetchError(
                f"cannot reach {host} (no network, or the service is down: {_reason(error)}). Nothing more "
                "was fetched; run the same command again to resume."
            ) from None
        else:
            if response.status_code == 200:
                return response.content
            status, message = response.status_code, _error_message(response)
            wait = _retry_after(response)
            if status in (401, 403):
                raise ComtradeFetchError(
                    f"{host} refused the subscription key (HTTP {status}: {message}). Check "
                    "COMTRADE_SUBSCRIPTION_KEY, or unset it to use the public preview."
                )
            if status not in RETRIED_STATUSES:
                raise ComtradeFetchError(f"{host} answered HTTP {status}: {message}")
        if attempt == max_tries:
            what = "rate-limited" if status == 429 else f"failing ({message})"
            raise ComtradeFetchError(
                f"{host} is still {what} after {max_tries} tries. Run the same command again later to resume."
            )
        summary.retries += 1
        sleep(min(wait if wait is not None else 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))
    raise AssertionError("unreachable")  # pragma: no cover


def _reason(error: Exception) -> str:
    reason = error
    while reason.__context__ is not None and not isinstance(reason, OSError):
        reason = reason.__context__
    text = str(getattr(reason, "strerror", None) or reason)
    return re.sub(r"subscription-key=[^&\s]+", "subscription-key=…", text)[:200]


def _error_message(response) -> str:
    """The message of an error answer: Azure API Management's {"statusCode", "message"}, the API's
    {"error": …}, or the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason or ""
    if isinstance(body, dict):
        for key in ("message", "error", "errorMessage", "title"):
            if body.get(key):
                return str(body[key])[:500]
    return json.dumps(body)[:200]


def _retry_after(response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.strip().replace(".", "", 1).isdigit() else None


def _check_answer(path: Path, call: ComtradeCall) -> int:
    """The number of records of an answer; ComtradeFetchError if it is not one or carries an error."""
    try:
        body = json.loads(path.read_bytes())
    except ValueError:
        path.unlink()  # never resume from a broken file
        raise ComtradeFetchError(f"the answer to {call.key} is not JSON; run again to ask again") from None
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        path.unlink()
        raise ComtradeFetchError(f'the answer to {call.key} has no "data" list; run again to ask again')
    if body.get("error"):
        path.unlink()
        raise ComtradeFetchError(f"Comtrade answered {call.key} with an error: {body['error']}")
    return len(body["data"])


def _read_state(cache: Path) -> dict:
    try:
        return json.loads((cache / STATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:
        raise ComtradeFetchError(f"{cache / STATE_FILE} is damaged; delete it to start again") from None


def _write_atomically(path: Path, data: bytes) -> None:
    descriptor, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    with open(descriptor, "wb") as partial_file:
        partial_file.write(data)
    os.replace(partial, path)


def _add(total: ImportSummary, part: ImportSummary) -> None:
    for name in ("rows", "inserted", "updated", "unchanged", "rejected", "seconds"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.created_actors = sorted({*total.created_actors, *part.created_actors})


def fetch_report(summary: FetchSummary) -> Iterable[str]:
    """The lines fetch_comtrade prints: the calls, then the import's counts (as import_comtrade's)."""
    from apps.trade.importers import import_report

    endpoint = (
        "the full API (subscription key)"
        if summary.endpoint == "full"
        else f"the public preview (no key: at most {PREVIEW_MAX_RECORDS} records a call)"
    )
    yield (
        f"{summary.calls} calls to {endpoint}: {summary.fetched} fetched, {summary.resumed} already imported "
        f"(resumed), {summary.empty} empty, {summary.retries} retried."
    )
    yield from import_report(summary.imported)
    if summary.truncated:
        yield (
            f"{len(summary.truncated)} answers filled the limit and are probably cut short (they will be asked "
            f"again next time): {', '.join(summary.truncated)}."
        )


__all__ = [
    "ComtradeCall",
    "ComtradeError",
    "ComtradeFetchError",
    "FetchSummary",
    "comtrade_fetch",
    "fetch_report",
    "parse_commodities",
    "parse_flows",
    "parse_partners",
    "parse_reporters",
    "parse_years",
    "plan_calls",
]
