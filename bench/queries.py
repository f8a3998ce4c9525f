"""Representative requests: the API through Django's full request stack against raw SQL with psycopg.

The raw SQL is the floor: the same page (count and rows, or the same aggregate) fetched with
psycopg, server-side prepare off (`prepare_threshold=None`, as Django's backend runs), and dumped
to JSON. The API is timed with django.test.Client (middleware, auth, throttling, DRF, JSON).
"""
import json
import statistics
import time

PAGE = 50
# The actor by slug as a scalar subquery: PostgreSQL then knows the id before it scans, so a page is
# read in order straight off the (reporter, flow, year) index; a join on slug sorts every match.
ACTOR_ID = "(SELECT id FROM actors_actor WHERE slug = %s)"


def raw_requests(*, reporter, participant, year_min):
    """name -> (list of (sql, params)) producing the same data as the matching API request."""
    return {
        "trade_flows_list": [
            ("SELECT count(*) FROM trade_tradeflow t"
             f" WHERE t.reporter_id = {ACTOR_ID} AND t.flow = 'X' AND t.year >= %s", [reporter, year_min]),
            ("SELECT t.id, t.year, t.month, t.flow, t.commodity_code, t.value_usd, t.net_weight_kg, t.quantity,"
             " t.quantity_unit, t.source_id, t.created_at, t.updated_at, r.slug, r.name_en, r.iso3,"
             " p.slug, p.name_en, p.iso3"
             " FROM trade_tradeflow t JOIN actors_actor r ON r.id = t.reporter_id"
             " JOIN actors_actor p ON p.id = t.partner_id"
             f" WHERE t.reporter_id = {ACTOR_ID} AND t.flow = 'X' AND t.year >= %s"
             " ORDER BY t.year DESC, t.reporter_id, t.partner_id, t.flow, t.commodity_code, t.month LIMIT %s",
             [reporter, year_min, PAGE]),
        ],
        "trade_flows_summary": [  # all flows, by partner and year: aggregate on ids, then name the groups
            ("SELECT p.slug, p.name_en, g.year, g.n, g.total FROM (SELECT partner_id, year, count(*) AS n,"
             " sum(value_usd) AS total FROM trade_tradeflow GROUP BY partner_id, year) g"
             " JOIN actors_actor p ON p.id = g.partner_id ORDER BY p.slug, p.name_en, g.year", []),
        ],
        "summits_by_participant": [
            ("SELECT count(*) FROM summits_summit s WHERE EXISTS (SELECT 1 FROM summits_summitparticipant sp"
             f" WHERE sp.summit_id = s.id AND sp.actor_id = {ACTOR_ID})", [participant]),
            ("SELECT s.id, s.slug, s.title_en, s.date, s.date_precision, s.city_en, s.level, f.slug, h.slug"
             " FROM summits_summit s JOIN summits_summitformat f ON f.id = s.format_id"
             " LEFT JOIN actors_actor h ON h.id = s.host_id"
             " WHERE EXISTS (SELECT 1 FROM summits_summitparticipant sp"
             f" WHERE sp.summit_id = s.id AND sp.actor_id = {ACTOR_ID}) ORDER BY s.date DESC, s.id LIMIT %s",
             [participant, PAGE]),
            ("SELECT sp.summit_id, sp.role, a.slug, a.name_en FROM summits_summitparticipant sp"
             " JOIN actors_actor a ON a.id = sp.actor_id WHERE sp.summit_id = ANY(%s)", "ids"),
            ("SELECT c.object_id, c.section, c.paragraph, c.key_phrase, src.slug, src.title FROM sources_citation c"
             " JOIN sources_source src ON src.id = c.source_id JOIN django_content_type ct ON ct.id = c.content_type_id"
             " WHERE ct.app_label = 'summits' AND ct.model = 'summit' AND c.object_id = ANY(%s)", "ids"),
        ],
        "pledges_summary": [
            ("SELECT a.slug, a.name_en, g.n, g.n_usd, g.total FROM (SELECT donor_id, count(*) AS n,"
             " count(amount_usd) AS n_usd, sum(amount_usd) AS total FROM investments_pledge WHERE counts_in_totals"
             " GROUP BY donor_id) g JOIN actors_actor a ON a.id = g.donor_id"
             " ORDER BY g.total DESC NULLS LAST, a.slug, a.name_en", []),
        ],
    }


def _run_raw(connection, statements):
    page = []
    ids = None
    with connection.cursor() as cursor:
        for sql, params in statements:
            if params == "ids":
                params = [ids]
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            if ids is None and rows and len(rows[0]) > 2:
                ids = [row[0] for row in rows]
            page.append(rows)
    return json.dumps(page, default=str)


def _stats(samples):
    samples = sorted(samples)
    return {"median_ms": statistics.median(samples) * 1000,
            "p95_ms": samples[min(len(samples) - 1, int(len(samples) * 0.95))] * 1000}


def time_raw(database_url, requests, repeat):
    import psycopg

    results = {}
    with psycopg.connect(database_url, prepare_threshold=None, autocommit=True) as connection:
        for name, statements in requests.items():
            for _ in range(3):
                _run_raw(connection, statements)
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                _run_raw(connection, statements)
                samples.append(time.perf_counter() - started)
            results[name] = {**_stats(samples), "queries": len(statements)}
    return results


def time_api(urls, repeat):
    """name -> timings and SQL queries per request, or None when the URL is not served."""
    from django.db import connection
    from django.test import Client
    from django.urls import Resolver404, resolve

    client = Client()
    results = {}
    for name, url in urls.items():
        try:
            resolve(url.split("?")[0])
        except Resolver404:
            results[name] = None
            continue
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url)
        if response.status_code != 200:
            results[name] = {"error": f"HTTP {response.status_code}: {response.content[:200]!r}"}
            continue
        for _ in range(2):
            client.get(url)
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            samples.append(time.perf_counter() - started)
        results[name] = {**_stats(samples), "queries": len(queries),
                         "bytes": len(response.content)}
    return results
