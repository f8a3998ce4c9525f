"""import_comtrade's edges (issue 16): the rejects file never clobbers an input or an earlier rejects file,
a missing folder and an overflowing number are clear line/column errors, and rejects are formula-safe."""

import pytest
from django.core.management import CommandError, call_command

from apps.trade.comtrade_csv import ComtradeError
from apps.trade.importers import comtrade_import
from apps.trade.models import TradeFlow
from tests.trade.test_comtrade_import import HEADER, ROWS, states, write  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_rejects_equal_to_an_input_file_is_refused_before_anything_is_read(tmp_path, states):
    path = write(tmp_path, ROWS)
    before = path.read_bytes()
    for rejects in [str(path), str(tmp_path / "." / path.name)]:
        with pytest.raises(CommandError, match="also an input file"):
            call_command("import_comtrade", str(path), "--skip-invalid", "--rejects", rejects)
    assert path.read_bytes() == before
    assert TradeFlow.objects.count() == 0


def test_rejects_in_a_missing_folder_is_a_clear_error(tmp_path, states):
    with pytest.raises(CommandError, match="does not exist") as raised:
        call_command(
            "import_comtrade",
            str(write(tmp_path, ROWS)),
            "--skip-invalid",
            "--rejects",
            str(tmp_path / "no" / "such" / "rejects.csv"),
        )
    assert "Nothing was imported" in str(raised.value)
    assert TradeFlow.objects.count() == 0


@pytest.mark.parametrize("value", ["1e30", "-1e30", "1e18", "99999999999999999999999999999999"])
@pytest.mark.parametrize("column", ["primaryValue", "netWgt", "qty"])
def test_a_numeric_overflow_names_its_line_and_column(tmp_path, states, value, column):
    fields = ROWS[1].rstrip("\n").split(",")
    position = {"qty": 17, "netWgt": 18, "primaryValue": 19}[column]
    fields[position] = value
    rows = [ROWS[0], ",".join(fields) + "\n"]
    with pytest.raises(ComtradeError) as raised:
        comtrade_import(paths=[write(tmp_path, rows)])
    assert (raised.value.line, raised.value.column) == (3, column), raised.value
    assert TradeFlow.objects.count() == 0


def test_an_existing_rejects_file_is_kept_when_the_import_fails(tmp_path, states):
    rejects = tmp_path / "rejects.csv"
    rejects.write_text("earlier run\n")
    bad = write(tmp_path, [ROWS[1].replace(",200,", ",12x,")], "bad.csv")
    with pytest.raises(ComtradeError):
        # The second file is not a Comtrade export: the import fails after a reject was written.
        comtrade_import(
            paths=[bad, write(tmp_path, [], "other.csv", header="name,size\n")], skip_invalid=True, rejects_path=rejects
        )
    assert rejects.read_text() == "earlier run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "other.csv", "rejects.csv"]


def test_a_rejects_file_replaces_the_earlier_one_when_the_import_succeeds(tmp_path, states):
    rejects = tmp_path / "rejects.csv"
    rejects.write_text("earlier run\n")
    comtrade_import(
        paths=[write(tmp_path, [ROWS[0], ROWS[1].replace(",200,", ",12x,")])], skip_invalid=True, rejects_path=rejects
    )
    assert rejects.read_text().startswith("file,line,column,reason,row")


def test_rejected_cells_that_look_like_formulas_are_written_as_text(tmp_path, states):
    rows = [ROWS[0], ROWS[1].replace(" 2612 ", "=1+2").replace(",200,", ",=HYPERLINK(1),")]
    rejects = tmp_path / "rejects.csv"
    comtrade_import(paths=[write(tmp_path, rows)], skip_invalid=True, rejects_path=rejects)
    text = rejects.read_text()
    assert "'=1+2" in text and "'=HYPERLINK(1)" in text
    assert ",=" not in text


# Issue 26: files that ended in a traceback are messages naming the file (and line), and nothing is written.


@pytest.mark.parametrize("where", ["header", "data"])
def test_a_nul_byte_is_a_clear_error(tmp_path, states, where):
    rows, header = list(ROWS), HEADER
    if where == "header":
        header = HEADER.replace("refYear", "ref\x00Year")
    else:
        rows[1] = rows[1].replace(",200,", ",2\x0000,")
    with pytest.raises(CommandError, match=f"line {1 if where == 'header' else 3}: the file holds a NUL") as raised:
        call_command("import_comtrade", str(write(tmp_path, rows, header=header)))
    assert "Nothing was imported" in str(raised.value)
    assert TradeFlow.objects.count() == 0


@pytest.mark.parametrize("header", [False, True])
def test_a_field_over_the_csv_limit_on_the_first_lines_is_a_clear_error(tmp_path, states, header):
    rows = list(ROWS)
    if header:
        path = write(tmp_path, rows, header="x" * 200_000 + HEADER)
    else:
        fields = rows[0].split(",", 1)
        rows[0] = "x" * 200_000 + fields[0] + "," + fields[1]
        path = write(tmp_path, rows)
    with pytest.raises(CommandError, match=f"line {1 if header else 2}: a field is longer than 131,072") as raised:
        call_command("import_comtrade", str(path))
    assert "Nothing was imported" in str(raised.value)
    assert TradeFlow.objects.count() == 0


def test_rejects_naming_a_folder_is_refused_before_anything_is_read(tmp_path, states):
    folder = tmp_path / "rejects"
    folder.mkdir()
    with pytest.raises(CommandError, match="is a folder") as raised:
        call_command("import_comtrade", str(write(tmp_path, ROWS)), "--skip-invalid", "--rejects", str(folder))
    assert "Nothing was imported" in str(raised.value)
    assert TradeFlow.objects.count() == 0
    assert list(folder.iterdir()) == [] and not list(tmp_path.glob(".*partial"))
