"""Real Comtrade exports that were refused whole (issue 28), on SQLite and PostgreSQL.

- an area with a numeric Comtrade code and no ISO code (490 "Other Asia, nes" in legacy files; every
  area in a v1 API answer asked without descriptions, where reporterISO/partnerISO are null);
- a legacy (classic) header whose rows carry the newer flow codes: Trade Flow Code 0, Trade Flow X/M.
"""

from decimal import Decimal
from pathlib import Path

import pytest

from apps.actors.models import Actor
from apps.trade.comtrade_csv import ComtradeError
from apps.trade.importers import comtrade_import
from apps.trade.models import TradeFlow
from tests.trade.test_comtrade_forms import LEGACY_HEADER, V1_HEADER, import_twice, stored, write_bytes

pytestmark = pytest.mark.django_db
DATA = Path(__file__).with_name("data")  # answers shaped as the real v1 API's (see data/README.md)


def test_a_legacy_area_with_a_code_and_no_iso_loads(tmp_path):
    rows = [
        'HS,2019,2019,2019,0,0,2,Export,490,"Other Asia, nes",,0,World,WLD,,,,,,,,TOTAL,"All Commodities",1,'
        "No Quantity,,,,,,,336000000000,,,0",
        'HS,2019,2019,2019,0,0,1,Import,398,Kazakhstan,KAZ,490,"Other Asia, nes",,,,,,,,,TOTAL,"All Commodities",'
        "1,No Quantity,,,,,,,1200000,,,0",
    ]
    summary = import_twice(write_bytes(tmp_path, (LEGACY_HEADER + "\r\n" + "\r\n".join(rows) + "\r\n").encode()))
    assert summary.inserted == 2
    assert stored() == {
        ("S19", "W00", None, 2019, None, "X", "TOTAL", "C00", 0): Decimal("336000000000.00"),
        ("KAZ", "S19", None, 2019, None, "M", "TOTAL", "C00", 0): Decimal("1200000.00"),
    }
    assert Actor.objects.get(iso3="S19").name_en == "Other Asia, nes"


def test_a_legacy_header_with_the_newer_flow_codes_loads(tmp_path):
    rows = [
        'HS,2023,2023,2023,0,0,0,X,398,Kazakhstan,KAZ,156,China,CHN,,,,,,,,TOTAL,"All Commodities",1,'
        "No Quantity,,,,,,,15000000000,,,0",
        'HS,2023,2023,2023,0,0,0,M,398,Kazakhstan,KAZ,156,China,CHN,,,,,,,,TOTAL,"All Commodities",1,'
        "No Quantity,,,,,,,14000000000,,,0",
        'HS,2023,2023,2023,0,0,0,Re-export,398,Kazakhstan,KAZ,156,China,CHN,,,,,,,,TOTAL,"All Commodities",1,'
        "No Quantity,,,,,,,1000,,,0",
    ]
    summary = import_twice(write_bytes(tmp_path, (LEGACY_HEADER + "\n" + "\n".join(rows) + "\n").encode()))
    assert summary.inserted == 3
    assert sorted(TradeFlow.objects.values_list("flow", flat=True)) == ["M", "RX", "X"]


def test_a_legacy_flow_code_0_with_words_that_are_no_flow_names_the_column(tmp_path):
    row = "HS,2023,2023,2023,0,0,0,Transit,398,Kazakhstan,KAZ,156,China,CHN,,,,,,,,TOTAL,All,1,,,,,,,,5,,,0"
    with pytest.raises(ComtradeError) as raised:
        comtrade_import(paths=[write_bytes(tmp_path, (LEGACY_HEADER + "\n" + row + "\n").encode())])
    assert (raised.value.line, raised.value.column) == (2, "Trade Flow Code")


def test_a_v1_csv_with_codes_and_empty_iso_columns_loads(tmp_path):
    rows = [
        "C,A,20220101,2022,52,2022,490,,,X,Export,0,,,0,,,H6,TOTAL,All,C00,,0,0,,,,,479000000000",
        "C,A,20220101,2022,52,2022,398,,,M,Import,490,,,0,,,H6,TOTAL,All,C00,,0,0,,,,,2500000",
        "C,A,20220101,2022,52,2022,398,KAZ,Kazakhstan,X,Export,156,CHN,China,643,,,H6,TOTAL,All,C00,,0,0,,,,,700",
    ]
    summary = import_twice(write_bytes(tmp_path, (V1_HEADER + "\n" + "\n".join(rows) + "\n").encode()))
    assert summary.inserted == 3
    assert stored() == {
        ("S19", "W00", None, 2022, None, "X", "TOTAL", "C00", 0): Decimal("479000000000.00"),
        ("KAZ", "S19", None, 2022, None, "M", "TOTAL", "C00", 0): Decimal("2500000.00"),
        ("KAZ", "CHN", "RUS", 2022, None, "X", "TOTAL", "C00", 0): Decimal("700.00"),
    }


def test_a_v1_api_answer_without_descriptions_loads(tmp_path):
    """The API leaves the ISO and description fields null unless asked with includeDesc=true."""
    path = write_bytes(tmp_path, (DATA / "comtrade_api_kaz_2022_no_desc.json").read_bytes(), "answer.json")
    summary = import_twice(path)
    assert summary.inserted == 3
    assert stored() == {  # the API's USD to the cent, as primaryValue gives them (no float rounding)
        ("KAZ", "W00", None, 2022, None, "X", "TOTAL", "C00", 0): Decimal("84394134417.45"),
        ("KAZ", "CHN", None, 2022, None, "X", "TOTAL", "C00", 0): Decimal("13176513285.05"),
        ("KAZ", "S19", None, 2022, None, "M", "TOTAL", "C00", 0): Decimal("123456789.50"),
    }


def test_an_area_code_outside_the_reference_list_names_its_column_and_line(tmp_path):
    row = "C,A,20220101,2022,52,2022,9999,,,X,Export,0,,,0,,,H6,TOTAL,All,C00,,0,0,,,,,5"
    with pytest.raises(ComtradeError) as raised:
        comtrade_import(paths=[write_bytes(tmp_path, (V1_HEADER + "\n" + row + "\n").encode())])
    assert (raised.value.line, raised.value.column) == (2, "reporterCode")
    assert "9999" in raised.value.reason
    assert not TradeFlow.objects.exists()


@pytest.mark.postgres_only
def test_postgres_copies_a_v1_csv_named_by_numeric_codes_and_stores_what_the_python_path_stores(tmp_path):
    """Numeric codes only (ISO columns empty, a partner2 too, World as 0 and as 000, a padded 0490): COPY
    takes the file (it fell back to the Python path before), through the one mapping both paths read."""
    rows = [
        "C,A,20220101,2022,52,2022,490,,,X,Export,000,,,0,,,H6,TOTAL,All,C00,,0,0,,,,,479000000000",
        "C,A,20220101,2022,52,2022,398,,,M,Import,0490,,,0,,,H6,TOTAL,All,C00,,0,0,,,,,2500000",
        "C,A,20220101,2022,52,2022,398,,,X,Export,156,,,643,,,H6,2612,Ores,C00,,0,0,,kg,10,20,700",
        "C,A,20220101,2022,52,2022,398,KAZ,Kazakhstan,X,Export,156,CHN,China,0,,,H6,TOTAL,All,C00,,0,0,,,,,900",
    ]
    path = write_bytes(tmp_path, (V1_HEADER + "\n" + "\n".join(rows) + "\n").encode())
    copied = comtrade_import(paths=[path])
    assert (copied.path_taken, copied.inserted) == ("copy", 4)
    assert copied.created_actors == sorted(copied.created_actors) and "S19" in copied.created_actors
    rows_copied = stored()
    actors_copied = set(Actor.objects.values_list("iso3", "slug", "name_en", "kind"))
    assert rows_copied[("KAZ", "CHN", "RUS", 2022, None, "X", "2612", "C00", 0)] == Decimal("700.00")
    assert rows_copied[("S19", "W00", None, 2022, None, "X", "TOTAL", "C00", 0)] == Decimal("479000000000.00")
    again = comtrade_import(paths=[path])
    assert (again.path_taken, again.inserted, again.updated, again.unchanged) == ("copy", 0, 0, 4)

    TradeFlow.objects.all().delete()
    Actor.objects.filter(iso3__in=copied.created_actors).delete()
    rejects = tmp_path / "rejects.csv"
    python = comtrade_import(paths=[path], skip_invalid=True, rejects_path=rejects)  # --skip-invalid: Python path
    assert (python.path_taken, python.inserted, python.rejected) == ("python", 4, 0)
    assert python.created_actors == copied.created_actors
    assert stored() == rows_copied
    assert set(Actor.objects.values_list("iso3", "slug", "name_en", "kind")) == actors_copied


@pytest.mark.postgres_only
def test_postgres_sends_a_numeric_code_outside_the_list_to_the_python_path_which_names_it(tmp_path):
    rows = [
        "C,A,20220101,2022,52,2022,398,,,X,Export,156,,,0,,,H6,TOTAL,All,C00,,0,0,,,,,5",
        "C,A,20220101,2022,52,2022,398,,,X,Export,0,,,9998,,,H6,TOTAL,All,C00,,0,0,,,,,5",
    ]
    with pytest.raises(ComtradeError) as raised:
        comtrade_import(paths=[write_bytes(tmp_path, (V1_HEADER + "\n" + "\n".join(rows) + "\n").encode())])
    assert (raised.value.line, raised.value.column) == (3, "partner2Code") and "9998" in raised.value.reason
    assert not TradeFlow.objects.exists()
