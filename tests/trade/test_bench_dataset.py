"""The benchmark's generated Comtrade file is deterministic and imports cleanly (bench/dataset.py)."""

import pytest

from apps.actors.models import Actor
from apps.trade.importers import comtrade_import
from apps.trade.models import TradeFlow
from bench import dataset

pytestmark = pytest.mark.django_db


def test_generated_comtrade_file_is_seeded_and_imports(tmp_path):
    states = dataset.make_states(7)
    first = dataset.write_comtrade_csv(tmp_path / "a.csv", rows=300, states=states, seed=7)
    second = dataset.write_comtrade_csv(tmp_path / "b.csv", rows=300, states=states, seed=7)
    assert first.read_bytes() == second.read_bytes()
    assert (
        dataset.write_comtrade_csv(tmp_path / "c.csv", rows=300, states=states, seed=8).read_bytes()
        != first.read_bytes()
    )
    Actor.objects.bulk_create(
        [
            Actor(kind="state", iso3=code, slug=states.slug(i), name_en=states.name(i))
            for i, code in enumerate(states.codes)
        ]
    )
    summary = comtrade_import(paths=[first])
    assert (summary.rows, summary.inserted, summary.rejected) == (300, 300, 0)
    assert TradeFlow.objects.filter(month__isnull=True).count() == 300
    assert comtrade_import(paths=[first]).unchanged == 300


def test_comtrade_shaped_file_has_hs6_months_and_mirrors_and_imports(tmp_path):
    """--shape comtrade: exactly N distinct rows, six-digit codes, monthly and annual rows, mirror rows where the
    partner reports too; deterministic; loads through the same importer with nothing rejected."""
    import csv

    states = dataset.make_states(7)
    path = dataset.write_comtrade_shaped_csv(tmp_path / "a.csv", rows=2000, states=states, seed=7)
    assert (
        path.read_bytes()
        == dataset.write_comtrade_shaped_csv(tmp_path / "b.csv", rows=2000, states=states, seed=7).read_bytes()
    )
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2000
    keys = {(r["reporterISO"], r["partnerISO"], r["refYear"], r["refMonth"], r["flowCode"], r["cmdCode"]) for r in rows}
    assert len(keys) == 2000
    assert sum(len(r["cmdCode"]) == 6 for r in rows) > 1900
    monthly = [r for r in rows if r["freqCode"] == "M"]
    assert 0 < len(monthly) < 2000 and all(r["period"] == f"{r['refYear']}{int(r['refMonth']):02d}" for r in monthly)
    opposite = {"X": "M", "M": "X"}
    mirrors = sum(
        (r["partnerISO"], r["reporterISO"], r["refYear"], r["refMonth"], opposite[r["flowCode"]], r["cmdCode"]) in keys
        for r in rows
    )
    assert mirrors >= 200  # about 15% of the rows have their mirror in the file
    Actor.objects.bulk_create(
        [
            Actor(kind="state", iso3=code, slug=states.slug(i), name_en=states.name(i))
            for i, code in enumerate(states.codes)
        ]
    )
    summary = comtrade_import(paths=[path])
    assert (summary.rows, summary.inserted, summary.rejected) == (2000, 2000, 0)
    assert TradeFlow.objects.filter(month__isnull=False).count() == len(monthly)
