"""Every form a real Comtrade export takes loads the same on SQLite and PostgreSQL (issue 13).

Line ends, stray separators, encodings, gzip; the v1 CSV with partner2 / customs procedure / mode of
transport, the legacy classic CSV, the v1 API's JSON; World exports into an empty database. Each test
writes its own small file; each re-import changes nothing.
"""

import gzip
import json
from decimal import Decimal

import pytest
from django.db import connection

from apps.actors.models import Actor
from apps.trade.comtrade_csv import ComtradeError
from apps.trade.importers import comtrade_import
from apps.trade.models import TradeFlow

pytestmark = pytest.mark.django_db

V1_HEADER = (
    "typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,reporterDesc,flowCode,"
    "flowDesc,partnerCode,partnerISO,partnerDesc,partner2Code,partner2ISO,partner2Desc,classificationCode,"
    "cmdCode,cmdDesc,customsCode,customsDesc,mosCode,motCode,motDesc,qtyUnitAbbr,qty,netWgt,primaryValue"
)
V1_ROWS = [
    "C,A,20210101,2021,52,2021,398,KAZ,Kazakhstan,X,Export,156,CHN,China,0,W00,World,H5,TOTAL,All,C00,TOTAL CPC,"
    "0,0,TOTAL MOT,N/A,,,1000.5",
    "C,A,20210101,2021,52,2021,398,KAZ,Kazakhstan,M,Import,392,JPN,Japan,0,W00,World,H5,2612,Ores,C00,TOTAL CPC,"
    "0,0,TOTAL MOT,kg,10,20,300",
]
V1_EXPECTED = {
    ("KAZ", "CHN", None, 2021, None, "X", "TOTAL", "C00", 0): Decimal("1000.50"),
    ("KAZ", "JPN", None, 2021, None, "M", "2612", "C00", 0): Decimal("300.00"),
}


def stored():
    return {
        (
            f.reporter.iso3,
            f.partner.iso3,
            f.partner2.iso3 if f.partner2 else None,
            f.year,
            f.month,
            f.flow,
            f.commodity_code,
            f.customs_code,
            f.mot_code,
        ): f.value_usd
        for f in TradeFlow.objects.select_related("reporter", "partner", "partner2")
    }


def write_bytes(tmp_path, data, name="export.csv", *, compress=False):
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def import_twice(path):
    """Import, then import again: the second must change nothing. Returns the first summary."""
    first = comtrade_import(paths=[path])
    before = dict(TradeFlow.objects.values_list("id", "updated_at"))
    again = comtrade_import(paths=[path])
    assert (again.inserted, again.updated) == (0, 0)
    assert dict(TradeFlow.objects.values_list("id", "updated_at")) == before
    return first


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize(
    "variant",
    ["plain", "quoted", "no-final-newline", "one-row", "gzip", "cp1252", "latin-1", "bom", "blank-line-at-end"],
)
def test_every_line_end_and_encoding_imports_into_an_empty_database(tmp_path, line_end, variant):
    header, rows = V1_HEADER, list(V1_ROWS)
    encoding = "utf-8"
    if variant == "quoted":  # what Excel and csv.QUOTE_ALL write
        header = ",".join(f'"{name}"' for name in header.split(","))
        rows = [",".join(f'"{value}"' for value in row.split(",")) for row in rows]
    if variant == "one-row":
        rows = rows[:1]
    if variant in ("cp1252", "latin-1"):
        rows[1] = rows[1].replace("Japan", '"Japon, Côte"')
        encoding = "cp1252" if variant == "cp1252" else "iso-8859-1"
    text = header + line_end + line_end.join(rows)
    if variant != "no-final-newline" and variant != "one-row":
        text += line_end
    if variant == "blank-line-at-end":
        text += line_end + line_end
    data = text.encode(encoding)
    if variant == "bom":
        data = b"\xef\xbb\xbf" + data
    summary = import_twice(write_bytes(tmp_path, data, compress=variant == "gzip"))
    expected = dict(list(V1_EXPECTED.items())[: len(rows)])
    assert stored() == expected
    assert summary.inserted == len(rows)
    if connection.vendor == "postgresql":
        assert summary.path_taken == "copy"  # COPY itself takes every line end


@pytest.mark.parametrize("where", ["first row", "later row", "every row", "header and rows", "several"])
def test_stray_separators_after_the_last_column_on_any_row(tmp_path, where):
    header, rows = V1_HEADER, list(V1_ROWS)
    if where == "first row":
        rows[0] += ","
    elif where == "later row":
        rows[1] += ","
    elif where == "every row":
        rows = [row + "," for row in rows]
    elif where == "header and rows":
        header += ","
        rows = [row + "," for row in rows]
    else:
        rows = [rows[0] + ",,,", rows[1]]
    import_twice(write_bytes(tmp_path, (header + "\r\n" + "\r\n".join(rows) + "\r\n").encode()))
    assert stored() == V1_EXPECTED


def test_a_short_row_names_the_first_missing_column_and_counts_right(tmp_path):
    rows = [V1_ROWS[0] + ",", V1_ROWS[1].rsplit(",", 2)[0]]  # the first row one longer, the second two short
    with pytest.raises(ComtradeError) as raised:
        comtrade_import(paths=[write_bytes(tmp_path, (V1_HEADER + "\n" + "\n".join(rows)).encode())])
    assert (raised.value.line, raised.value.column) == (3, "netWgt")
    assert raised.value.reason == "the row has 27 fields, the header 29"
    assert not TradeFlow.objects.exists()


def test_rows_differing_only_in_partner2_customs_or_transport_are_distinct_flows(tmp_path):
    base = V1_ROWS[0]
    rows = [
        base,
        base.replace(",0,W00,World,", ",899,_X,Areas nes,").replace(",1000.5", ",10"),
        base.replace(",C00,TOTAL CPC,", ",C01,Import for processing,").replace(",1000.5", ",20"),
        base.replace(",0,0,TOTAL MOT,", ",0,2100,Sea,").replace(",1000.5", ",30"),
    ]
    summary = import_twice(write_bytes(tmp_path, (V1_HEADER + "\n" + "\n".join(rows) + "\n").encode()))
    assert summary.inserted == 4
    assert stored() == {
        ("KAZ", "CHN", None, 2021, None, "X", "TOTAL", "C00", 0): Decimal("1000.50"),
        ("KAZ", "CHN", "_X", 2021, None, "X", "TOTAL", "C00", 0): Decimal("10.00"),
        ("KAZ", "CHN", None, 2021, None, "X", "TOTAL", "C01", 0): Decimal("20.00"),
        ("KAZ", "CHN", None, 2021, None, "X", "TOTAL", "C00", 2100): Decimal("30.00"),
    }
    # An area the reference list lacks is created as the file names it, of the area kind.
    areas_nes = Actor.objects.get(iso3="_X")
    assert (areas_nes.kind, areas_nes.name_en) == ("area", "Areas nes")


def test_a_world_export_imports_into_an_empty_database(tmp_path):
    """Every reporter's trade with World: reporters and World come from the reference list."""
    rows = [
        "C,A,20220101,2022,52,2022,398,KAZ,Kazakhstan,X,Export,0,W00,World,0,W00,World,H6,TOTAL,All,C00,,0,0,,,,,"
        "84000000000",
        "C,A,20220101,2022,52,2022,842,USA,USA,M,Import,0,W00,World,0,W00,World,H6,TOTAL,All,C00,,0,0,,,,,"
        "3376000000000",
        'C,A,20220101,2022,52,2022,490,S19,"Other Asia, nes",X,Export,0,W00,World,0,W00,World,H6,TOTAL,All,'
        "C00,,0,0,,,,,479000000000",
    ]
    assert not Actor.objects.exists()
    summary = import_twice(write_bytes(tmp_path, (V1_HEADER + "\r\n" + "\r\n".join(rows) + "\r\n").encode()))
    assert (summary.inserted, sorted(summary.created_actors)) == (3, ["KAZ", "S19", "USA", "W00"])
    kinds = dict(Actor.objects.values_list("iso3", "kind"))
    assert kinds == {"KAZ": "state", "USA": "state", "S19": "area", "W00": "area"}
    assert Actor.objects.get(iso3="USA").name_en == "United States"  # the reference list's name, not the file's
    assert TradeFlow.objects.filter(partner__iso3="W00").count() == 3


LEGACY_HEADER = (
    "Classification,Year,Period,Period Desc.,Aggregate Level,Is Leaf Code,Trade Flow Code,Trade Flow,"
    "Reporter Code,Reporter,Reporter ISO,Partner Code,Partner,Partner ISO,2nd Partner Code,2nd Partner,"
    "2nd Partner ISO,Customs Proc. Code,Customs,Mode of Transport Code,Mode of Transport,Commodity Code,"
    "Commodity,Qty Unit Code,Qty Unit,Qty,Alt Qty Unit Code,Alt Qty Unit,Alt Qty,Netweight (kg),"
    "Gross weight (kg),Trade Value (US$),CIF Trade Value (US$),FOB Trade Value (US$),Flag"
)


def test_the_legacy_classic_format_imports(tmp_path):
    rows = [
        'HS,2019,2019,2019,0,0,2,Export,398,Kazakhstan,KAZ,0,World,WLD,,,,,,,,TOTAL,"All Commodities",1,'
        "No Quantity,,,,,,,57723400000,,,0",
        'HS,2019,2019,2019,0,0,1,Import,398,Kazakhstan,KAZ,392,Japan,JPN,,,,,,,,TOTAL,"All Commodities",1,'
        "No Quantity,,,,,,,650000000,,,0",
        'HS,2019,201903,March 2019,2,0,3,Re-Export,398,Kazakhstan,KAZ,156,China,CHN,,,,,,,,26,"Ores",8,'
        "Weight in kilograms,1500,,,,1500,,123.5,,,0",
    ]
    summary = import_twice(write_bytes(tmp_path, (LEGACY_HEADER + "\r\n" + "\r\n".join(rows) + "\r\n").encode()))
    assert summary.inserted == 3
    assert stored() == {
        ("KAZ", "W00", None, 2019, None, "X", "TOTAL", "C00", 0): Decimal("57723400000.00"),
        ("KAZ", "JPN", None, 2019, None, "M", "TOTAL", "C00", 0): Decimal("650000000.00"),
        ("KAZ", "CHN", None, 2019, 3, "RX", "26", "C00", 0): Decimal("123.50"),
    }
    ores = TradeFlow.objects.get(commodity_code="26")
    assert (ores.quantity, ores.quantity_unit, ores.net_weight_kg) == (
        Decimal("1500.000"),
        "Weight in kilograms",
        Decimal("1500.000"),
    )


def test_a_legacy_flow_code_outside_1_to_4_names_the_codes(tmp_path):
    row = "HS,2019,2019,2019,0,0,7,Export,398,Kazakhstan,KAZ,0,World,WLD,,,,,,,,TOTAL,All,1,,,,,,,,5,,,0"
    with pytest.raises(ComtradeError) as raised:
        comtrade_import(paths=[write_bytes(tmp_path, (LEGACY_HEADER + "\n" + row + "\n").encode())])
    assert (raised.value.line, raised.value.column) == (2, "Trade Flow Code")
    assert "flow '7' is not one of 1, 2, 3, 4" in raised.value.reason


def v1_json_record(**changes):
    record = {
        "typeCode": "C",
        "freqCode": "A",
        "refPeriodId": 20210101,
        "refYear": 2021,
        "refMonth": 52,
        "period": "2021",
        "reporterCode": 398,
        "reporterISO": "KAZ",
        "reporterDesc": "Kazakhstan",
        "flowCode": "X",
        "partnerCode": 156,
        "partnerISO": "CHN",
        "partnerDesc": "China",
        "partner2Code": 0,
        "partner2ISO": "W00",
        "classificationCode": "H5",
        "cmdCode": "TOTAL",
        "customsCode": "C00",
        "mosCode": "0",
        "motCode": 0,
        "qtyUnitAbbr": None,
        "qty": None,
        "netWgt": None,
        "primaryValue": 1000.5,
        "isAggregate": True,
    }
    record.update(changes)
    return record


@pytest.mark.parametrize("compress", [False, True])
def test_the_v1_api_json_imports(tmp_path, compress):
    document = {
        "elapsedTime": "0.1 secs",
        "count": 2,
        "data": [
            v1_json_record(),
            v1_json_record(
                flowCode="M",
                partnerCode=392,
                partnerISO="JPN",
                cmdCode="2612",
                qtyUnitAbbr="kg",
                qty=10,
                netWgt=20,
                primaryValue=300,
            ),
        ],
        "error": "",
    }
    data = json.dumps(document).encode()
    summary = import_twice(write_bytes(tmp_path, data, "answer.json", compress=compress))
    assert summary.inserted == 2 and stored() == V1_EXPECTED


def test_a_bad_json_record_is_named_by_its_number(tmp_path):
    document = {"data": [v1_json_record(), v1_json_record(primaryValue="12x", flowCode="M")]}
    with pytest.raises(ComtradeError) as raised:
        comtrade_import(paths=[write_bytes(tmp_path, json.dumps(document).encode(), "answer.json")])
    assert (raised.value.line, raised.value.column) == (2, "primaryValue")
    assert not TradeFlow.objects.exists()


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\r\n", b"\xef\xbb\xbf", b"   \n"], ids=repr)
def test_an_empty_file_says_it_is_empty(tmp_path, content):
    for compress in (False, True):
        with pytest.raises(ComtradeError, match="the file is empty"):
            comtrade_import(paths=[write_bytes(tmp_path, content, compress=compress)])


def test_an_empty_json_answer_says_it_is_empty(tmp_path):
    with pytest.raises(ComtradeError, match="the file is empty"):
        comtrade_import(paths=[write_bytes(tmp_path, b'{"count": 0, "data": []}', "answer.json")])


def test_a_header_without_rows_imports_nothing(tmp_path):
    summary = comtrade_import(paths=[write_bytes(tmp_path, (V1_HEADER + "\r\n").encode())])
    assert (summary.rows, summary.inserted) == (0, 0)
