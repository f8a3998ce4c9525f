"""manage.py fetch_comtrade against a local HTTP server answering as UN Comtrade's v1 API (issue 28).

The machine has no route to comtradeapi.un.org: a real HTTP server on 127.0.0.1 serves answers shaped
as the API's (tests/trade/data, see its README), and `requests` talks to it as to Comtrade. Both databases.
"""

import io
import json
import os
import subprocess
import sys
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.trade.comtrade_api import ComtradeFetchError, comtrade_fetch, parse_commodities, plan_calls
from apps.trade.models import TradeFlow
from apps.trade.reference.comtrade_areas import by_comtrade_code

pytestmark = pytest.mark.django_db
DATA = Path(__file__).with_name("data")
KEY = "0123456789abcdef-secret"


class FakeComtrade:
    """Answers per URL path, in order (the last one repeats); records every request."""

    def __init__(self):
        self.answers, self.requests = {}, []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                fake.requests.append(
                    {
                        "path": url.path,
                        "query": {k: v[0] for k, v in parse_qs(url.query).items()},
                        "headers": dict(self.headers),
                    }
                )
                queue = fake.answers.get(url.path) or [
                    (404, b'{"statusCode": 404, "message": "Resource not found"}', {})
                ]
                status, body, headers = queue.pop(0) if len(queue) > 1 else queue[0]
                body = fake.filtered(body, fake.requests[-1]["query"])
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def filtered(body, query):
        """As the API does: only the records of the flows asked for."""
        if "flowCode" not in query or b'"data"' not in body:
            return body
        answer = json.loads(body)
        answer["data"] = [r for r in answer["data"] if r["flowCode"] in query["flowCode"].split(",")]
        answer["count"] = len(answer["data"])
        return json.dumps(answer).encode()

    def answer(self, path, *answers):
        """answers: file names in tests/trade/data, or (status, file name, headers)."""
        self.answers[path] = [
            (200, (DATA / a).read_bytes(), {}) if isinstance(a, str) else (a[0], (DATA / a[1]).read_bytes(), a[2])
            for a in answers
        ]


PREVIEW = "/public/v1/preview/C/A/HS"
FULL = "/data/v1/get/C/A/HS"


@pytest.fixture
def comtrade(settings):
    fake = FakeComtrade()
    settings.COMTRADE_API_URL = fake.url
    settings.COMTRADE_SUBSCRIPTION_KEY = ""
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def fetch(tmp_path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("fetch_comtrade", *args, "--cache-dir", str(tmp_path / "cache"), stdout=out, stderr=err)
    return out.getvalue()


def test_without_a_key_the_preview_is_asked_and_its_answer_imported_like_a_file(tmp_path, comtrade):
    comtrade.answer(PREVIEW, "comtrade_preview_kaz_2023.json")
    out = fetch(tmp_path, "--reporters", "KAZ", "--years", "2023")
    # One call per flow on the preview: a flow's partners fit in its 500 records where two flows' may not.
    assert [r["path"] for r in comtrade.requests] == [PREVIEW, PREVIEW]
    assert [r["query"] for r in comtrade.requests] == [
        {
            "reportercode": "398",
            "period": "2023",
            "cmdCode": "TOTAL",
            "partner2Code": "0",
            "customsCode": "C00",
            "motCode": "0",
            "maxRecords": "500",
            "includeDesc": "true",
            "flowCode": flow,
        }
        for flow in ("X", "M")
    ]
    assert not any("Ocp-Apim-Subscription-Key" in r["headers"] for r in comtrade.requests)
    assert "the public preview (no key: at most 500 records a call)" in out
    assert "4 rows read: 4 inserted, 0 updated, 0 unchanged, 0 rejected" in out
    assert TradeFlow.objects.get(partner__iso3="CHN", flow="X").value_usd == Decimal("15000000000.50")
    # The same command again: the calls were imported, so nothing is asked and nothing changes.
    again = fetch(tmp_path, "--reporters", "KAZ", "--years", "2023")
    assert len(comtrade.requests) == 2
    assert "2 calls to the public preview (no key: at most 500 records a call): 0 fetched, 2 already imported" in again


def test_the_same_answer_as_a_file_gives_the_same_rows(tmp_path, comtrade):
    """Same natural key and rules: importing the recorded answer after fetching it changes nothing."""
    comtrade.answer(PREVIEW, "comtrade_preview_kaz_2023.json")
    fetch(tmp_path, "--reporters", "398", "--years", "2023", "--flows", "all")
    stored = dict(TradeFlow.objects.values_list("id", "updated_at"))
    out = io.StringIO()
    call_command("import_comtrade", str(DATA / "comtrade_preview_kaz_2023.json"), stdout=out, stderr=io.StringIO())
    assert "0 inserted, 0 updated, 4 unchanged" in out.getvalue()
    assert dict(TradeFlow.objects.values_list("id", "updated_at")) == stored


def test_with_a_key_the_full_api_is_asked_with_the_key_in_a_header_never_shown(tmp_path, comtrade, settings):
    settings.COMTRADE_SUBSCRIPTION_KEY = KEY
    comtrade.answer(FULL, "comtrade_preview_kaz_2023.json")
    out = fetch(tmp_path, "--reporters", "KAZ", "--years", "2023", "--partners", "CHN,world", "--flows", "X")
    (request,) = comtrade.requests
    assert request["path"] == FULL and request["headers"]["Ocp-Apim-Subscription-Key"] == KEY
    assert request["query"]["maxRecords"] == "100000" and "subscription-key" not in request["query"]
    assert (request["query"]["partnerCode"], request["query"]["flowCode"]) == ("156,0", "X")
    assert "the full API (subscription key)" in out and KEY not in out
    assert KEY not in "".join(p.read_text() for p in (tmp_path / "cache").iterdir())


def test_a_refused_key_is_a_clear_error(tmp_path, comtrade, settings):
    settings.COMTRADE_SUBSCRIPTION_KEY = KEY
    comtrade.answer(FULL, (401, "comtrade_401.json", {}))
    with pytest.raises(CommandError) as raised:
        fetch(tmp_path, "--reporters", "KAZ", "--years", "2023")
    assert "refused the subscription key (HTTP 401: Access denied due to invalid subscription key" in str(raised.value)
    assert KEY not in str(raised.value)


def test_a_rate_limit_is_waited_out_as_retry_after_says(tmp_path, comtrade):
    comtrade.answer(PREVIEW, (429, "comtrade_429.json", {"Retry-After": "1"}), "comtrade_preview_kaz_2023.json")
    waits = []
    calls = plan_calls(reporters=[398], years=[2023], frequency="A", partners=None, flows=None, commodity="TOTAL")
    summary = comtrade_fetch(calls=calls, cache_dir=tmp_path, sleep=waits.append)
    assert (waits, summary.retries, summary.imported.inserted) == ([1.0], 1, 4)
    assert len(comtrade.requests) == 2


def test_a_rate_limit_that_lasts_stops_with_a_message_and_resumes_later(tmp_path, comtrade):
    comtrade.answer(PREVIEW, "comtrade_preview_kaz_2023.json", (429, "comtrade_429.json", {}))
    waits = []
    calls = plan_calls(reporters=[398], years=[2023, 2024], frequency="A", partners=None, flows=None, commodity="TOTAL")
    with pytest.raises(ComtradeFetchError, match="still rate-limited after 4 tries. Run the same command again"):
        comtrade_fetch(calls=calls, cache_dir=tmp_path, sleep=waits.append, max_tries=4)
    assert waits == [1, 2, 4]  # backoff without Retry-After
    assert TradeFlow.objects.count() == 4  # the first call's rows stay imported
    comtrade.answer(PREVIEW, "comtrade_empty.json")
    summary = comtrade_fetch(calls=calls, cache_dir=tmp_path, sleep=waits.append)
    assert (summary.resumed, summary.fetched, summary.empty) == (1, 1, 1)
    assert [r["query"]["period"] for r in comtrade.requests] == ["2023", "2024", "2024", "2024", "2024", "2024"]


def test_an_empty_answer_imports_nothing_and_is_no_error(tmp_path, comtrade):
    comtrade.answer(PREVIEW, "comtrade_empty.json")
    out = fetch(tmp_path, "--reporters", "UZB", "--years", "2024")
    assert "2 fetched, 0 already imported (resumed), 2 empty" in out
    assert not TradeFlow.objects.exists()


def test_an_answer_without_descriptions_names_areas_by_their_codes(tmp_path, comtrade):
    comtrade.answer(PREVIEW, "comtrade_api_kaz_2022_no_desc.json")
    fetch(tmp_path, "--reporters", "KAZ", "--years", "2022", "--flows", "X,M")
    assert sorted(TradeFlow.objects.values_list("partner__iso3", flat=True)) == ["CHN", "S19", "W00"]


def test_monthly_hs_codes_ask_the_years_months_in_one_call(tmp_path, comtrade):
    comtrade.answer("/public/v1/preview/C/M/HS", "comtrade_chn_kaz_2805_2025_monthly.json")
    fetch(
        tmp_path,
        "--reporters",
        "CHN",
        "--partners",
        "KAZ",
        "--years",
        "2025",
        "--frequency",
        "M",
        "--commodities",
        "2805,2846",
        "--flows",
        "X",
    )
    (request,) = comtrade.requests
    assert request["query"]["period"] == ",".join(f"2025{m:02d}" for m in range(1, 13))
    assert request["query"]["cmdCode"] == "2805,2846"
    assert sorted(TradeFlow.objects.values_list("month", "commodity_code")) == [(4, "2805"), (5, "2805")]


def test_commodity_levels_are_comtrades_codes():
    assert [parse_commodities(level) for level in ("TOTAL", "hs2", "HS4", "HS6", "28,2846,280530")] == [
        "TOTAL",
        "AG2",
        "AG4",
        "AG6",
        "28,2846,280530",
    ]
    with pytest.raises(ComtradeFetchError, match="'28x' is not TOTAL, HS2, HS4, HS6 or an HS code"):
        parse_commodities("28x")


def test_a_dry_run_fetches_and_checks_everything_and_writes_nothing(tmp_path, comtrade):
    comtrade.answer(PREVIEW, "comtrade_preview_kaz_2023.json")
    out = fetch(tmp_path, "--reporters", "KAZ", "--years", "2023", "--dry-run")
    assert "Dry run, nothing written: 4 rows read; would insert 4, update 0, leave 0 unchanged, reject 0" in out
    assert not TradeFlow.objects.exists()
    out = fetch(tmp_path, "--reporters", "KAZ", "--years", "2023")  # not recorded as done: imported now
    assert "4 inserted" in out and len(comtrade.requests) == 2  # the answers kept by the dry run are reused


def test_a_full_answer_is_reported_as_probably_cut_short_and_asked_again(tmp_path, comtrade):
    record = json.loads((DATA / "comtrade_preview_kaz_2023.json").read_text())["data"][0]
    partners = [area.comtrade_code for area in by_comtrade_code().values() if area.comtrade_code != 398][:250]
    answer = {
        "elapsedTime": "2 secs",
        "count": 500,
        "error": "",
        "data": [
            {**record, "partnerCode": code, "partnerISO": None, "partnerDesc": None, "cmdCode": cmd}
            for code in partners
            for cmd in ("2805", "2846")
        ],
    }
    assert len(answer["data"]) == 500
    (tmp_path / "full.json").write_text(json.dumps(answer))
    comtrade.answers[PREVIEW] = [(200, (tmp_path / "full.json").read_bytes(), {})]
    args = ("--reporters", "KAZ", "--years", "2023", "--flows", "X", "--commodities", "2805,2846")
    out = fetch(tmp_path, *args)
    assert "1 answers filled the limit and are probably cut short" in out
    fetch(tmp_path, *args)
    assert len(comtrade.requests) == 1  # its answer is kept: imported again, not asked again


def test_unknown_arguments_are_named(tmp_path, comtrade):
    for args, message in (
        (["--reporters", "XYZ", "--years", "2023"], "reporter 'XYZ' is neither"),
        (["--reporters", "KAZ", "--years", "2024-2015"], "ends before it starts"),
        (["--reporters", "KAZ", "--years", "2023", "--flows", "Z"], "flows: 'Z' is not one of"),
    ):
        with pytest.raises(CommandError, match=message):
            fetch(tmp_path, *args)
    assert not comtrade.requests


def test_without_network_it_fails_at_once_with_a_message_and_no_traceback(tmp_path):
    env = {
        **os.environ,
        "COMTRADE_API_URL": "http://127.0.0.1:9",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "DJANGO_SETTINGS_MODULE": "catrack.settings.test",
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "fetch_comtrade",
            "--reporters",
            "KAZ",
            "--years",
            "2023",
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "cannot reach 127.0.0.1:9 (no network, or the service is down" in result.stderr
    assert "Traceback" not in result.stderr
