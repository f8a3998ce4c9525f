"""The Comtrade reference list (apps/trade/reference/comtrade_areas.csv) covers the reporters real exports
name: here the European Union as a reporter (code 97, EUR), imported into an empty database without flags."""

import pytest

from apps.actors.models import Actor
from apps.trade.models import TradeFlow
from apps.trade.reference import comtrade_areas
from tests.trade.test_comtrade_forms import V1_HEADER, import_twice, write_bytes

pytestmark = pytest.mark.django_db


def test_the_eu_as_reporter_imports_into_an_empty_database(tmp_path):
    rows = [  # synthetic values in the shape of a v1 export
        "C,A,20220101,2022,52,2022,97,EUR,European Union,M,Import,398,KAZ,Kazakhstan,0,W00,World,H6,TOTAL,All,"
        "C00,,0,0,,,,,1000",
        "C,A,20220101,2022,52,2022,97,EUR,European Union,X,Export,0,W00,World,0,W00,World,H6,TOTAL,All,"
        "C00,,0,0,,,,,2000",
    ]
    assert not Actor.objects.exists()
    summary = import_twice(write_bytes(tmp_path, (V1_HEADER + "\n" + "\n".join(rows) + "\n").encode()))
    assert (summary.inserted, sorted(summary.created_actors)) == (2, ["EUR", "KAZ", "W00"])
    eu = Actor.objects.get(iso3="EUR")
    assert (eu.kind, eu.name_en) == ("area", "European Union")
    assert TradeFlow.objects.filter(reporter=eu).count() == 2


def test_the_reference_names_comtrade_codes_once():
    areas = list(comtrade_areas.by_code().values())
    assert comtrade_areas.by_code()["EUR"].comtrade_code == 97
    assert len({area.comtrade_code for area in areas}) == len(areas)
