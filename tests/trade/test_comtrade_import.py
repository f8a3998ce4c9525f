"""import_comtrade on real Comtrade-shaped files: quirks, idempotency, revisions, rollback, rejects.

The same tests run on SQLite (Python path) and PostgreSQL (COPY path); a few PostgreSQL-only
tests pin the COPY path's own behaviour.
"""

import gzip
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from apps.actors.models import Actor
from apps.trade.comtrade_csv import ComtradeError
from apps.trade.importers import comtrade_import
from apps.trade.models import TradeFlow
from tests.factories import SourceFactory, StateFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,reporterDesc,flowCode,"
    "flowDesc,partnerCode,partnerISO,partnerDesc,cmdCode,cmdDesc,qtyUnitAbbr,qty,netWgt,primaryValue\n"
)
# Real exports end every data row with a stray separator, pad codes and quote descriptions.
ROWS = [
    'C,A,20210101,2021,52,2021,398,KAZ,Kazakhstan,X,Export,156,CHN,China,TOTAL,"All Commodities, total",N/A,,,'
    '"1234567.5",\n',
    "C,A,20210101,2021,52,2021,398, KAZ ,Kazakhstan,M,Import,392,jpn,Japan, 2612 ,Uranium ores,kg,10.5,100.25,200,\n",
    'C,M,20210301,2021,3,202103,398,KAZ,Kazakhstan,X,Export,156,CHN,China,TOTAL,"All, ""quoted""",N/A,,,99,\n',
    "C,A,20210101,2021,52,2021,398,KAZ,Kazakhstan,X,Export,0,W00,World,TOTAL,All,N/A,,,5000000,\n",
]


@pytest.fixture
def states():
    return {code: StateFactory(iso3=code, slug=f"test-{code.lower()}") for code in ("KAZ", "CHN", "JPN")}


def write(tmp_path, rows, name="comtrade.csv", *, header=HEADER, compress=False, encoding="utf-8", bom=False):
    data = (header + "".join(rows)).encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def stored():
    return {
        (f.reporter.iso3, f.partner.iso3, f.year, f.month, f.flow, f.commodity_code): (
            f.value_usd,
            f.net_weight_kg,
            f.quantity,
            f.quantity_unit,
        )
        for f in TradeFlow.objects.select_related("reporter", "partner")
    }


EXPECTED = {
    ("KAZ", "CHN", 2021, None, "X", "TOTAL"): (Decimal("1234567.50"), None, None, "N/A"),
    ("KAZ", "JPN", 2021, None, "M", "2612"): (Decimal("200.00"), Decimal("100.250"), Decimal("10.500"), "kg"),
    ("KAZ", "CHN", 2021, 3, "X", "TOTAL"): (Decimal("99.00"), None, None, "N/A"),
    ("KAZ", "W00", 2021, None, "X", "TOTAL"): (Decimal("5000000.00"), None, None, "N/A"),
}


def test_import_reads_a_comtrade_export_as_downloaded(tmp_path, states):
    summary = comtrade_import(paths=[write(tmp_path, ROWS)])
    assert stored() == EXPECTED
    assert (summary.rows, summary.inserted, summary.updated, summary.unchanged) == (4, 4, 0, 0)
    # World is a partner like any other, an actor of the area kind created from the reference list.
    world = Actor.objects.get(iso3="W00")
    assert (world.kind, world.name_en, summary.created_actors) == ("area", "World", ["W00"])


@pytest.mark.parametrize("variant", ["gzip", "bom", "cp1252", "tab", "period"])
def test_import_accepts_encodings_compression_and_layouts(tmp_path, states, variant):
    rows, header = list(ROWS), HEADER
    options = {}
    if variant == "gzip":
        options["compress"] = True
    elif variant == "bom":
        options["bom"] = True
    elif variant == "cp1252":  # what Excel on Windows saves: "Côte" with a cp1252 byte
        rows[1] = rows[1].replace("Japan", "Japon, Côte")
        rows[1] = rows[1].replace("Japon, Côte", '"Japon, Côte"')
        options["encoding"] = "cp1252"
    elif variant == "tab":
        header = header.replace(",", "\t")
        rows = [
            "C\tA\t20210101\t2021\t52\t2021\t398\tKAZ\tKazakhstan\tX\tExport\t156\tCHN\tChina\tTOTAL\tAll\tN/A"
            "\t\t\t1234567.5\n"
        ]
    elif variant == "period":  # no refYear/refMonth: the period says both
        header = "period,reporterISO,partnerISO,flowCode,cmdCode,primaryValue,netWgt,qty,qtyUnitAbbr\n"
        rows = ["2021,KAZ,CHN,X,TOTAL,1234567.5,,,N/A\n", "202103,KAZ,CHN,X,TOTAL,99,,,N/A\n"]
    comtrade_import(paths=[write(tmp_path, rows, header=header, **options)])
    expected = {
        "tab": {k: v for k, v in EXPECTED.items() if k[1] == "CHN" and k[3] is None},
        "period": {k: v for k, v in EXPECTED.items() if k[1] == "CHN"},
    }.get(variant, EXPECTED)
    assert stored() == expected


def test_reimporting_the_same_file_changes_nothing(tmp_path, states):
    path = write(tmp_path, ROWS, compress=True)
    comtrade_import(paths=[path])
    before = dict(TradeFlow.objects.values_list("id", "updated_at"))
    summary = comtrade_import(paths=[path])
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 0, 4)
    assert dict(TradeFlow.objects.values_list("id", "updated_at")) == before


def test_a_revised_value_updates_only_that_row(tmp_path, states):
    comtrade_import(paths=[write(tmp_path, ROWS)])
    before = dict(TradeFlow.objects.values_list("id", "updated_at"))
    revised = [ROWS[0], ROWS[1].replace(",200,", ",250.5,"), ROWS[2], ROWS[3]]
    summary = comtrade_import(paths=[write(tmp_path, revised, "revised.csv")])
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 3)
    flow = TradeFlow.objects.get(commodity_code="2612")
    assert flow.value_usd == Decimal("250.50")
    assert flow.updated_at > before[flow.id]
    after = dict(TradeFlow.objects.values_list("id", "updated_at"))
    assert {k: v for k, v in after.items() if k != flow.id} == {k: v for k, v in before.items() if k != flow.id}


@pytest.mark.parametrize(
    "bad_row, column, reason",
    [
        (ROWS[1].replace(",200,", ",12x,"), "primaryValue", "'12x' is not a number"),
        (ROWS[1].replace(",200,", ",,"), "primaryValue", "a value is required"),
        (ROWS[1].replace(",200,", ",-5,"), "primaryValue", "-5 is negative"),
        (ROWS[1].replace(",M,Import,", ",DX,Import,"), "flowCode", "flow 'DX' is not one of"),
        (ROWS[1].replace(",52,2021,", ",13,2021,"), "refMonth", "month 13"),
        (ROWS[1].replace(",2021,52,", ",20x1,52,"), "refYear", "'20x1' is not a whole number"),
        (ROWS[1].replace(",jpn,", ",KAZ,"), "partnerISO", "the partner is the reporter"),
        (ROWS[1], "cmdCode", "repeats the row at"),
    ],
)
def test_a_bad_row_stops_the_import_naming_line_and_column(tmp_path, states, bad_row, column, reason):
    path = write(tmp_path, [ROWS[0], ROWS[1], ROWS[2], bad_row] if "repeats" in reason else [ROWS[0], bad_row])
    line = 5 if "repeats" in reason else 3
    with pytest.raises(ComtradeError) as raised:
        comtrade_import(paths=[path])
    assert (raised.value.line, raised.value.column) == (line, column)
    assert reason in raised.value.reason
    assert TradeFlow.objects.count() == 0  # the good row before it was not kept either


def test_the_command_reports_a_bad_row_without_a_traceback(tmp_path, states):
    path = write(tmp_path, [ROWS[0], ROWS[1].replace(",200,", ",12x,")])
    with pytest.raises(CommandError, match=r"comtrade\.csv, line 3, column primaryValue: '12x' is not a number"):
        call_command("import_comtrade", str(path))
    with pytest.raises(CommandError, match="cannot open the file"):
        call_command("import_comtrade", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="missing column"):
        call_command("import_comtrade", str(write(tmp_path, ["1,2\n"], "other.csv", header="a,b\n")))
    assert TradeFlow.objects.count() == 0


def test_a_revision_that_breaks_a_rule_leaves_the_stored_rows_alone(tmp_path, states):
    comtrade_import(paths=[write(tmp_path, ROWS)])
    before = stored()
    with pytest.raises(ComtradeError, match="line 4, column primaryValue"):
        comtrade_import(
            paths=[
                write(
                    tmp_path, [ROWS[0].replace('"1234567.5"', "1"), ROWS[1], ROWS[2].replace(",99,", ",-1,")], "bad.csv"
                )
            ]
        )
    assert stored() == before


def test_a_code_outside_the_reference_list_is_an_error_unless_missing_states_are_created(tmp_path, states):
    rows = [ROWS[0], ROWS[1].replace(",jpn,Japan,", ",QQQ,Qland,")]
    path = write(tmp_path, rows)
    with pytest.raises(ComtradeError) as raised:
        comtrade_import(paths=[path])
    assert (raised.value.line, raised.value.column) == (3, "partnerISO")
    assert "'QQQ'" in raised.value.reason and "--create-missing-states" in raised.value.reason
    assert not Actor.objects.filter(iso3="QQQ").exists()

    summary = comtrade_import(paths=[path], create_missing_states=True)
    qland = Actor.objects.get(iso3="QQQ")
    assert (qland.kind, qland.name_en, qland.slug) == ("state", "Qland", "qland")
    assert summary.created_actors == ["QQQ"] and summary.inserted == 2
    assert TradeFlow.objects.filter(partner=qland, commodity_code="2612").exists()


def test_a_state_in_the_reference_list_is_created_without_flags_named_from_the_list(tmp_path, states):
    rows = [ROWS[0], ROWS[1].replace(",jpn,Japan,", ",UZB,Uzbek thing,")]
    summary = comtrade_import(paths=[write(tmp_path, rows)])
    uzbekistan = Actor.objects.get(iso3="UZB")
    assert (uzbekistan.kind, uzbekistan.name_en, uzbekistan.slug) == ("state", "Uzbekistan", "uzbekistan")
    assert summary.created_actors == ["UZB"] and summary.inserted == 2


def test_skip_invalid_loads_the_good_rows_and_lists_the_bad_ones(tmp_path, states):
    rows = [ROWS[0], ROWS[1].replace(",200,", ",12x,"), ROWS[2], ROWS[3], "C,A,1,2021\n"]
    rejects = tmp_path / "rejects.csv"
    out = tmp_path / "out.txt"
    with out.open("w") as stdout:
        call_command(
            "import_comtrade", str(write(tmp_path, rows)), "--skip-invalid", "--rejects", str(rejects), stdout=stdout
        )
    assert stored() == {k: v for k, v in EXPECTED.items() if k[2:] != (2021, None, "M", "2612")}
    lines = rejects.read_text().splitlines()
    assert lines[0] == "file,line,column,reason,row"
    assert [line.split(",")[1:3] for line in lines[1:]] == [
        ["3", "primaryValue"],
        ["6", "refMonth"],
    ]  # the first column the short row lacks
    report = out.read_text()
    assert "5 rows read: 3 inserted, 0 updated, 0 unchanged, 2 rejected" in report
    assert "Created actors (states and statistical areas): W00." in report


def test_source_is_recorded_when_given(tmp_path, states):
    dataset = SourceFactory(slug="un-comtrade", kind="dataset")
    comtrade_import(paths=[write(tmp_path, ROWS)], source_slug="un-comtrade")
    assert set(TradeFlow.objects.values_list("source", flat=True)) == {dataset.id}
    with pytest.raises(ComtradeError, match="no source"):
        comtrade_import(paths=[write(tmp_path, ROWS)], source_slug="nope")


@pytest.mark.postgres_only
def test_postgres_takes_the_copy_path_and_the_python_path_agrees(tmp_path, states):
    path = write(tmp_path, ROWS)
    assert comtrade_import(paths=[path]).path_taken == "copy"
    copied = stored()
    TradeFlow.objects.all().delete()
    rejects = tmp_path / "rejects.csv"
    summary = comtrade_import(paths=[path], skip_invalid=True, rejects_path=rejects)
    assert summary.path_taken == "python"
    assert stored() == copied == EXPECTED
    again = comtrade_import(paths=[path], skip_invalid=True, rejects_path=rejects)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)


@pytest.mark.postgres_only
def test_copy_path_reports_a_row_with_too_many_fields(tmp_path, states):
    path = write(tmp_path, [ROWS[0], ROWS[2].replace("99,\n", "99,extra,more\n")])
    with pytest.raises(ComtradeError) as raised:
        comtrade_import(paths=[path])
    assert raised.value.line == 3 and "fields" in raised.value.reason


def test_a_file_revising_a_stored_row_twice_is_refused(tmp_path, states):
    comtrade_import(paths=[write(tmp_path, ROWS)])
    before = stored()
    twice = [ROWS[1], ROWS[1].replace(",200,", ",201,")]  # one equal to the stored value, one not
    with pytest.raises(ComtradeError) as raised:
        comtrade_import(paths=[write(tmp_path, twice, "twice.csv")])
    assert raised.value.line == 3 and "repeats the row at" in raised.value.reason
    assert stored() == before


def test_several_files_import_in_one_transaction(tmp_path, states):
    first = write(tmp_path, ROWS[:2], "a.csv")
    second = write(tmp_path, [ROWS[2]], "b.csv.gz", compress=True)
    summary = comtrade_import(paths=[first, second])
    assert (summary.rows, summary.inserted) == (3, 3)
    assert stored() == {k: v for k, v in EXPECTED.items() if k[1] != "W00"}
    broken = write(tmp_path, [ROWS[3].replace("5000000", "oops")], "c.csv")
    with pytest.raises(ComtradeError, match=r"c\.csv, line 2, column primaryValue"):
        comtrade_import(paths=[write(tmp_path, [ROWS[0].replace('"1234567.5"', "7")], "d.csv"), broken])
    assert stored() == {k: v for k, v in EXPECTED.items() if k[1] != "W00"}
