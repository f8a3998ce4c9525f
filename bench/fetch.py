"""fetch_comtrade timings: one v1 API answer of N records, served by a local HTTP server, fetched and imported.

Measured against importing the same answer as a file (the same bytes, the same importer: the JSON goes
the Python path) and the same rows written as a v1 CSV (the COPY path on PostgreSQL). The server answers as
tests/trade's fake Comtrade does (`{"elapsedTime", "count", "data", "error"}`, the full API's path), on
127.0.0.1: what is measured is catrack's side (HTTP read, the answer's check, the import), not Comtrade's.
The rows are one reporter's year `FETCH_YEAR`, outside the dataset's years, deleted after each run so
that every run inserts them all.
"""

import csv
import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FETCH_YEAR = 2025  # after bench.dataset.YEARS: these rows never meet the dataset's
REPORTER = "KAZ"
FLOWS = (("X", "Export"), ("M", "Import"))
# The fields of one record as the full API returns them with includeDesc=true (tests/trade/data).
CSV_FIELDS = (
    "typeCode",
    "freqCode",
    "refPeriodId",
    "refYear",
    "refMonth",
    "period",
    "reporterCode",
    "reporterISO",
    "reporterDesc",
    "flowCode",
    "flowDesc",
    "partnerCode",
    "partnerISO",
    "partnerDesc",
    "partner2Code",
    "partner2ISO",
    "partner2Desc",
    "classificationCode",
    "cmdCode",
    "cmdDesc",
    "customsCode",
    "customsDesc",
    "mosCode",
    "motCode",
    "motDesc",
    "qtyUnitAbbr",
    "qty",
    "netWgt",
    "primaryValue",
)


def write_answer(folder: Path, records: int) -> tuple[Path, Path, int]:
    """Write an answer of `records` distinct records (KAZ's FETCH_YEAR: every reference area as a partner,
    both flows, as many six-digit codes as it takes) as the API's JSON and as a v1 CSV of the same rows.

    Returns (JSON path, CSV path, the reporter's Comtrade code). Deterministic: same `records`, same bytes.
    """
    from apps.trade.reference import comtrade_areas

    areas = comtrade_areas.by_code()
    reporter = areas[REPORTER]
    partners = [area for code, area in sorted(areas.items()) if code != REPORTER]
    json_path, csv_path = folder / "comtrade_answer.json", folder / "comtrade_answer.csv"
    with json_path.open("w", encoding="utf-8") as answer, csv_path.open("w", encoding="utf-8", newline="") as plain:
        rows = csv.writer(plain, lineterminator="\n")
        rows.writerow(CSV_FIELDS)
        answer.write(f'{{"elapsedTime": "12.3 secs", "count": {records}, "error": "", "data": [')
        for number in range(records):
            partner = partners[number % len(partners)]
            flow, flow_desc = FLOWS[(number // len(partners)) % 2]
            commodity = f"{100100 + number // (2 * len(partners)):06d}"
            record = {
                "typeCode": "C",
                "freqCode": "A",
                "refPeriodId": int(f"{FETCH_YEAR}0101"),
                "refYear": FETCH_YEAR,
                "refMonth": 52,
                "period": str(FETCH_YEAR),
                "reporterCode": reporter.comtrade_code,
                "reporterISO": reporter.iso3,
                "reporterDesc": reporter.name_en,
                "flowCode": flow,
                "flowDesc": flow_desc,
                "partnerCode": partner.comtrade_code,
                "partnerISO": partner.iso3,
                "partnerDesc": partner.name_en,
                "partner2Code": 0,
                "partner2ISO": "W00",
                "partner2Desc": "World",
                "classificationCode": "H6",
                "cmdCode": commodity,
                "cmdDesc": f"Commodity {commodity}",
                "customsCode": "C00",
                "customsDesc": "TOTAL CPC",
                "mosCode": "0",
                "motCode": 0,
                "motDesc": "TOTAL MOT",
                "qtyUnitAbbr": "kg",
                "qty": 1000 + number,
                "netWgt": 1000 + number,
                "primaryValue": f"{(number * 7919) % 10_000_000 + 1}.25",
            }
            answer.write(("," if number else "") + json.dumps(record))
            rows.writerow(["" if record[name] is None else record[name] for name in CSV_FIELDS])
        answer.write("]}")
    return json_path, csv_path, reporter.comtrade_code


class AnswerServer:
    """A local HTTP server answering every GET with one file (the API's answer), as tests/trade's fake does."""

    def __init__(self, path: Path):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(path.stat().st_size))
                self.end_headers()
                with path.open("rb") as body:
                    shutil.copyfileobj(body, self.wfile, 1 << 20)

            def log_message(self, *args):
                pass

        self.requests = 0
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self):
        self.http.shutdown()
        self.http.server_close()


def _forget_rows():
    """Delete the fetched year's rows (and let the table settle, as autovacuum would after a bulk change)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM trade_tradeflow WHERE year = %s", [FETCH_YEAR])
        if connection.vendor == "postgresql" and not connection.in_atomic_block:  # (a test's transaction)
            cursor.execute("VACUUM ANALYZE trade_tradeflow")


def time_fetch(folder: Path, records: int) -> dict:
    """Seconds and rows/s: fetch_comtrade of an answer of `records` records from a local server, the same
    answer imported as a file, and the same rows as a v1 CSV. Each run starts without the rows and inserts
    them all (asserted); they are deleted afterwards."""
    from apps.trade.comtrade_api import comtrade_fetch, plan_calls
    from apps.trade.importers import comtrade_import

    json_path, csv_path, reporter_code = write_answer(folder, records)
    results = {"records": records, "answer_mb": json_path.stat().st_size / 1e6}
    _forget_rows()
    # Untimed: the partners the database lacks are created now, so that no timed run pays for them.
    comtrade_import(paths=[csv_path])
    _forget_rows()
    json_file = comtrade_import(paths=[json_path])
    assert json_file.inserted == records, json_file
    results["file_json"] = {"seconds": json_file.seconds, "path": json_file.path_taken}
    _forget_rows()
    server = AnswerServer(json_path)
    try:
        calls = plan_calls(
            reporters=[reporter_code], years=[FETCH_YEAR], frequency="A", partners=None, flows=None, commodity="AG6"
        )
        started = time.perf_counter()
        fetched = comtrade_fetch(
            calls=calls, cache_dir=folder / "fetch-cache", subscription_key="bench-key", base_url=server.url
        )
        seconds = time.perf_counter() - started
    finally:
        server.close()
    assert (server.requests, fetched.imported.inserted) == (1, records), fetched
    # An answer of FULL_MAX_RECORDS records is flagged as probably cut short (imported all the same).
    results["fetch"] = {
        "seconds": seconds,
        "import_seconds": fetched.imported.seconds,
        "flagged_cut_short": bool(fetched.truncated),
    }
    _forget_rows()
    csv_file = comtrade_import(paths=[csv_path])
    assert csv_file.inserted == records, csv_file
    results["file_csv"] = {"seconds": csv_file.seconds, "path": csv_file.path_taken}
    _forget_rows()
    for name in ("file_json", "fetch", "file_csv"):
        results[name]["rows_per_s"] = records / results[name]["seconds"]
    results["fetch_over_file_json"] = results["fetch"]["seconds"] / results["file_json"]["seconds"]
    return results
