"""Imports you can watch and rehearse (issue 28): progress for every phase, -v0, --dry-run; both databases."""

import io

import pytest
from django.core.management import call_command

from apps.actors.models import Actor
from apps.trade.import_progress import ImportProgress, ProgressMode
from apps.trade.models import TradeFlow
from tests.trade.test_comtrade_forms import V1_HEADER, V1_ROWS, write_bytes

pytestmark = pytest.mark.django_db


def v1_file(tmp_path, rows=V1_ROWS, name="export.csv"):
    return write_bytes(tmp_path, (V1_HEADER + "\n" + "\n".join(rows) + "\n").encode(), name)


def run(*args):
    out, err = io.StringIO(), io.StringIO()  # not terminals: plain lines
    call_command("import_comtrade", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_every_phase_reports_its_total_and_end_in_plain_lines(tmp_path):
    _, err = run(v1_file(tmp_path))
    lines = err.splitlines()
    started = {line.split(": started")[0]: line for line in lines if ": started (" in line}
    # SQLite reads, compares and merges in Python; PostgreSQL copies and compares in SQL.
    assert {"compare", "merge", "commit"} <= set(started), err
    assert {"read", "read and copy", f"copy {tmp_path.name}"} & set(started) or any(
        name.startswith("copy ") for name in started
    ), err
    assert started["compare"] == "compare: started (2 rows)" and started["merge"] == "merge: started (2 rows)"
    for phase in started:
        assert any(line.startswith(f"{phase}: done") for line in lines), (phase, err)
    assert "\r" not in err  # no bar drawing in a log


def test_a_long_phase_prints_its_share_and_an_estimate_of_what_is_left():
    stream = io.StringIO()
    progress = ImportProgress(ProgressMode.LINES, stream, line_seconds=3600)
    with progress.phase("read", total=4 * 1024 * 1024, unit="bytes") as phase:
        phase.set(1024 * 1024)
        phase.set(2 * 1024 * 1024)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "read: started (4.0 MB)"
    assert lines[1].startswith("read: 25% (1.0 MB of 4.0 MB), about ") and lines[1].endswith(" s left")
    assert lines[2].startswith("read: 50% (2.0 MB of 4.0 MB), about ")
    assert lines[3].startswith("read: done, 2.0 MB in ")


def test_verbosity_0_is_quiet(tmp_path):
    out = io.StringIO()
    err = io.StringIO()
    call_command("import_comtrade", str(v1_file(tmp_path)), "-v0", stdout=out, stderr=err)
    assert (out.getvalue(), err.getvalue()) == ("", "")
    assert TradeFlow.objects.count() == 2


def test_a_dry_run_writes_nothing_and_says_what_would_change(tmp_path):
    out, _ = run(v1_file(tmp_path), "--dry-run")
    assert "Dry run, nothing written: 2 rows read; would insert 2, update 0, leave 0 unchanged, reject 0" in out
    assert "Would create actors" in out
    assert not TradeFlow.objects.exists() and not Actor.objects.exists()
    # Against stored rows: one revised, one the same.
    run(v1_file(tmp_path))
    stored = dict(TradeFlow.objects.values_list("id", "updated_at"))
    revised = [V1_ROWS[0], V1_ROWS[1].replace(",300", ",301")]
    out, _ = run(v1_file(tmp_path, revised, "revised.csv"), "--dry-run")
    assert "would insert 0, update 1, leave 1 unchanged, reject 0" in out
    assert dict(TradeFlow.objects.values_list("id", "updated_at")) == stored


def test_a_dry_run_counts_rejected_rows(tmp_path):
    rows = [*V1_ROWS, V1_ROWS[0].replace("1000.5", "lots")]
    out, _ = run(v1_file(tmp_path, rows), "--dry-run", "--skip-invalid", "--rejects", tmp_path / "rejects.csv")
    assert "would insert 2, update 0, leave 0 unchanged, reject 1" in out
    assert not TradeFlow.objects.exists()
