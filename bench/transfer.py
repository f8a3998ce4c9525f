"""Transfer (issue 29): what gzip and conditional GETs save on the wire, and what they cost the server.

In this process, through Django's whole middleware stack (apps.core.transfer's CompressionMiddleware, Django's
ConditionalGetMiddleware) with the production settings bench/run.py sets, each answer read to its end:

- a JSON list page (500 trade flows) and two CSV exports (every pledge; the trade flows of one year, streamed
  from COPY), each asked without and with `Accept-Encoding: gzip`: median and p95 time, body bytes;
- a JSON list page and a summary asked again with the ETag of their first answer (`If-None-Match`):
  the 304's time against the full 200's. The server still builds the answer to compare ETags, so a 304 saves
  the bytes, not the work: "nothing gets slower" is that the 304 takes no longer than the 200.

Samples of the cases compared are interleaved (and their order alternated) so a noisy machine's drift falls on
both alike.
"""

import gzip
import statistics
import time

PAGE_SIZE = 500
# Seconds of timed samples one case pair may take: at 10M flows one year's CSV takes ~5 s and every pledge's ~6 s,
# so 40 rounds of each pair were ~16 of the 10M run's 77 minutes (session 16). A pair slower than this budget
# allows is timed MIN_ROUNDS times instead (its median then of fewer samples, its p95 the slowest of them).
BUDGET_SECONDS = 60
MIN_ROUNDS = 5


def transfer_urls(*, reporter, year):
    """{name: path} of the answers measured with and without gzip."""
    return {
        "json_page": f"/api/v1/trade-flows/?reporter={reporter}&page_size={PAGE_SIZE}",
        "pledges_csv": "/api/v1/pledges/?format=csv",
        "trade_csv_year": f"/api/v1/trade-flows/?format=csv&year={year}",
    }


def conditional_urls(*, reporter):
    """{name: path} of the answers asked again with their ETag (streamed CSV carries none)."""
    return {
        "json_page": f"/api/v1/trade-flows/?reporter={reporter}&page_size={PAGE_SIZE}",
        # Not a public page: production settings want collected static files (a manifest) the benchmark has not.
        "pledges_summary": "/api/v1/pledges/summary/?group_by=donor",
    }


def _body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def _timed(client, url, **headers):
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    body = _body(response)
    return time.perf_counter() - started, response, body


def _summary(seconds):
    ordered = sorted(seconds)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000,
    }


def rounds_within_budget(pair_seconds, repeat):
    """Timed rounds for a case pair whose one round (both cases) took `pair_seconds`: `repeat`, or as many as
    BUDGET_SECONDS holds, but never fewer than MIN_ROUNDS (nor more than `repeat`)."""
    if pair_seconds <= 0:
        return repeat
    return max(min(MIN_ROUNDS, repeat), min(repeat, int(BUDGET_SECONDS / pair_seconds)))


def _interleaved(cases, repeat):
    """{case: [seconds…]} of `cases` ({case: a call returning (seconds, response, body)}), run in turns, the turn's
    order alternated; three warm-up rounds are dropped."""
    samples = {name: [] for name in cases}
    names = list(cases)
    for i in range(repeat + 3):
        for name in names if i % 2 else names[::-1]:
            seconds, _response, _body = cases[name]()
            if i >= 3:
                samples[name].append(seconds)
    return samples


def time_transfer(*, reporter, year, repeat):
    """The figures of the module's docstring: {"gzip": {name: {...}}, "conditional": {name: {...}}}."""
    from django.test import Client

    client = Client()
    results = {"gzip": {}, "conditional": {}}
    for name, url in transfer_urls(reporter=reporter, year=year).items():
        plain_seconds, plain_response, plain = _timed(client, url)
        zipped_seconds, zipped_response, zipped = _timed(client, url, accept_encoding="gzip")
        if plain_response.status_code != 200 or zipped_response.status_code != 200:
            results["gzip"][name] = {"error": f"HTTP {plain_response.status_code}/{zipped_response.status_code}"}
            continue
        compressed = zipped_response.get("Content-Encoding") == "gzip"
        samples = _interleaved(
            {
                "plain": lambda url=url: _timed(client, url),
                "gzip": lambda url=url: _timed(client, url, accept_encoding="gzip"),
            },
            rounds := rounds_within_budget(plain_seconds + zipped_seconds, repeat),
        )
        results["gzip"][name] = {
            "url": url,
            "rounds": rounds,
            "compressed": compressed,
            # The same bytes once unzipped (a CSV's rows are in the same order: the list's total order).
            "same_content": (gzip.decompress(zipped) if compressed else zipped) == plain,
            "plain": {"bytes": len(plain), **_summary(samples["plain"])},
            "gzip": {"bytes": len(zipped), **_summary(samples["gzip"])},
        }
    for name, url in conditional_urls(reporter=reporter).items():
        first_seconds, first, _ = _timed(client, url, accept_encoding="gzip")
        etag = first.get("ETag")
        if first.status_code != 200 or not etag:
            results["conditional"][name] = {"error": f"HTTP {first.status_code}, ETag {etag!r}"}
            continue
        _, again, _ = _timed(client, url, accept_encoding="gzip", if_none_match=etag)
        samples = _interleaved(
            {
                "full": lambda url=url: _timed(client, url, accept_encoding="gzip"),
                "not_modified": lambda url=url, etag=etag: _timed(
                    client, url, accept_encoding="gzip", if_none_match=etag
                ),
            },
            rounds := rounds_within_budget(2 * first_seconds, repeat),
        )
        results["conditional"][name] = {
            "url": url,
            "rounds": rounds,
            "status_again": again.status_code,
            "full": {"bytes": len(_body(first)), **_summary(samples["full"])},
            "not_modified": {"bytes": len(_body(again)), **_summary(samples["not_modified"])},
        }
    return results


def print_transfer(report):
    """The transfer block of bench/run.py's table."""
    transfer = report.get("transfer")
    if not transfer:
        return
    print("\ntransfer (in process, whole middleware stack): without and with Accept-Encoding: gzip")
    print(
        f"  {'answer':16} {'plain KB':>9} {'gzip KB':>8} {'ratio':>6} | {'plain ms':>8} {'p95':>7} | {'gzip ms':>8} {'p95':>7}"
    )
    for name, row in transfer["gzip"].items():
        if "error" in row:
            print(f"  {name:16} {row['error']}")
            continue
        plain, zipped = row["plain"], row["gzip"]
        note = (
            ""
            if row["compressed"] and row["same_content"]
            else "  NOT COMPRESSED"
            if not row["compressed"]
            else "  DIFFERENT CONTENT"
        )
        print(
            f"  {name:16} {plain['bytes'] / 1024:9.1f} {zipped['bytes'] / 1024:8.1f} "
            f"{zipped['bytes'] / plain['bytes']:6.2f} | {plain['median_ms']:8.1f} {plain['p95_ms']:7.1f} | "
            f"{zipped['median_ms']:8.1f} {zipped['p95_ms']:7.1f}  {row.get('rounds', '')} rounds{note}"
        )
    print("  conditional GET with the first answer's ETag (If-None-Match), gzip accepted")
    for name, row in transfer["conditional"].items():
        if "error" in row:
            print(f"  {name:16} {row['error']}")
            continue
        full, again = row["full"], row["not_modified"]
        print(
            f"  {name:16} 200: {full['median_ms']:7.1f} ms (p95 {full['p95_ms']:.1f}), {full['bytes']:,} B | "
            f"{row['status_again']}: {again['median_ms']:7.1f} ms (p95 {again['p95_ms']:.1f}), {again['bytes']:,} B "
            f"| {again['median_ms'] / full['median_ms']:.2f}x"
        )
