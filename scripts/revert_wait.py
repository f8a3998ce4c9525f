#!/usr/bin/env python
"""How long other writers wait while a large change set is reverted.

Writes --rows trade flows in one transaction (one change set, as an import does), then reverts that change
set in one thread (apps.core.reverts.revert_changeset, run to the end as `manage.py revert_changeset` does)
while another thread updates an unrelated trade flow every --interval seconds, each update in its own
transaction. Prints the revert's duration, how many of the writer's updates committed while the revert was
running, and their latencies (ms). Runs on a migrated database it may write to (it removes its own rows):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/catrack_dev .venv/bin/python scripts/revert_wait.py --rows 20000
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catrack.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connections, transaction  # noqa: E402
from django.db.models import F  # noqa: E402

from apps.actors.models import Actor  # noqa: E402
from apps.core.models import ChangeEvent  # noqa: E402
from apps.core.reverts import revert_changeset  # noqa: E402
from apps.trade.models import TradeFlow  # noqa: E402

COMMODITIES = [f"{code:02d}" for code in range(1, 98)]


def state(slug, iso3):
    actor = Actor.objects.filter(slug=slug).first()
    return actor or Actor.objects.create(slug=slug, kind="state", name_en=slug, name_ru=slug, iso3=iso3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--interval", type=float, default=0.05)
    args = parser.parse_args()

    reporter, partner = state("revert-wait-a", "XRA"), state("revert-wait-b", "XRB")
    TradeFlow.objects.filter(reporter=reporter).delete()
    other = TradeFlow.objects.create(
        reporter=reporter, partner=partner, year=1990, flow="X", commodity_code="TOTAL", value_usd=1
    )
    keys = [(y, m, c) for y in range(1991, 2025) for m in (None, *range(1, 13)) for c in COMMODITIES][: args.rows]
    if len(keys) < args.rows:
        raise SystemExit(f"at most {len(keys)} rows")
    with transaction.atomic():
        TradeFlow.objects.bulk_create(
            TradeFlow(reporter=reporter, partner=partner, year=y, month=m, flow="X", commodity_code=c, value_usd=n)
            for n, (y, m, c) in enumerate(keys)
        )
    changeset = ChangeEvent.objects.filter(resource="trade.tradeflow").order_by("-id").first().changeset

    done = threading.Event()
    latencies, during, result = [], [], {}

    def revert():
        try:
            start = time.monotonic()
            result["revert"] = revert_changeset(changeset)
            result["seconds"] = time.monotonic() - start
        finally:
            done.set()
            connections.close_all()

    def write():
        try:
            while not done.is_set():
                start = time.monotonic()
                with transaction.atomic():
                    TradeFlow.objects.filter(pk=other.pk).update(value_usd=F("value_usd") + 1)
                latencies.append((time.monotonic() - start) * 1000)
                during.append(not done.is_set())
                time.sleep(args.interval)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=revert), threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    in_revert = [ms for ms, running in zip(latencies, during) if running]
    print(f"rows {args.rows}, revert {result['seconds']:.1f} s, load average {os.getloadavg()}")
    print(f"writer: {len(latencies)} updates, {len(in_revert)} committed while the revert ran")
    if latencies:
        print(
            f"writer latency ms: median {statistics.median(latencies):.0f}, max {max(latencies):.0f}, "
            f"p95 {sorted(latencies)[int(len(latencies) * 0.95)]:.0f}"
        )
    TradeFlow.objects.filter(reporter=reporter).delete()


if __name__ == "__main__":
    main()
