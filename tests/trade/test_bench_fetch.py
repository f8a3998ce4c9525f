"""bench/fetch.py, the benchmark's fetch_comtrade case, run small: it builds a real answer, serves it over
HTTP, and every run inserts every row (issue 28). Not a timing test: the figures are bench/run.py's."""

import json

import pytest

from apps.trade.models import TradeFlow
from bench import fetch

pytestmark = pytest.mark.django_db


def test_the_fetch_case_inserts_the_same_rows_by_each_way_and_leaves_none(tmp_path):
    stored_before = TradeFlow.objects.count()
    report = fetch.time_fetch(tmp_path, 600)  # more records than reference areas: two flows, two codes
    assert report["records"] == 600
    assert all(report[name]["rows_per_s"] > 0 for name in ("fetch", "file_json", "file_csv"))
    assert report["fetch"]["flagged_cut_short"] is False
    answer = json.loads((tmp_path / "comtrade_answer.json").read_text())
    assert answer["count"] == len(answer["data"]) == 600
    keys = {(r["partnerISO"], r["flowCode"], r["cmdCode"]) for r in answer["data"]}
    assert len(keys) == 600  # distinct natural keys: the runs insert, never update
    assert TradeFlow.objects.count() == stored_before  # the fetched year's rows are deleted after
