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
    assert dataset.write_comtrade_csv(tmp_path / "c.csv", rows=300, states=states, seed=8).read_bytes() != \
        first.read_bytes()
    Actor.objects.bulk_create([Actor(kind="state", iso3=code, slug=states.slug(i), name_en=states.name(i))
                               for i, code in enumerate(states.codes)])
    summary = comtrade_import(paths=[first])
    assert (summary.rows, summary.inserted, summary.rejected) == (300, 300, 0)
    assert TradeFlow.objects.filter(month__isnull=True).count() == 300
    assert comtrade_import(paths=[first]).unchanged == 300
