"""Representative requests: the API through Django's full request stack against raw SQL with psycopg.

The raw SQL is the floor: the same page (count and rows, or the same aggregate) fetched with
psycopg, binding and preparing statements as catrack's Django connection does (settings: server-side
binding, a statement prepared after PREPARE_THRESHOLD runs; see `django_binding`), and dumped to JSON. The API is
timed through Django's WSGI handler called as gunicorn's worker calls it (`wsgi_get`: middleware, auth, throttling,
DRF, JSON, the request signals).
"""

import io
import json
import statistics
import sys
import time
from typing import NamedTuple
from urllib.parse import unquote_to_bytes, urlsplit

PAGE = 50
EXACT_COUNT_UP_TO = 10_500  # apps.core.api.pagination.EXACT_COUNT_UP_TO (MAX_PAGE_OFFSET + MAX_PAGE_SIZE)
# The actor by slug as a scalar subquery: PostgreSQL then knows the id before it scans, so a page is
# read in order straight off the (reporter, flow, year) index; a join on slug sorts every match.
ACTOR_ID = "(SELECT id FROM actors_actor WHERE slug = %s)"
# Every column of a trade flow the API shows (TradeFlowSerializer), the three actors as slug, name, kind,
# in the API's total order (the natural key, then the id).
TRADE_FLOW_PAGE_SELECT = (
    "SELECT t.id, t.year, t.month, t.flow, t.commodity_code, t.customs_code, t.mot_code, t.value_usd,"
    " t.net_weight_kg, t.quantity, t.quantity_unit, t.source_id, t.created_at, t.updated_at,"
    " r.slug, r.name_en, r.kind, p.slug, p.name_en, p.kind, p2.slug, p2.name_en, p2.kind"
)
TRADE_FLOW_ORDER = (
    " ORDER BY t.year DESC, t.reporter_id, t.partner_id, t.flow, t.commodity_code, t.month,"
    " t.partner2_id, t.customs_code, t.mot_code, t.id"
)


def fact_citations(app_label, model):
    """(sql, "ids"): the citations of a page's facts of app_label.model as FactSerializer shows them (source, section,
    paragraph, key phrase, note, claims), with what backs each fact is computed from (apps.sources.corroboration:
    basis, the source's independent origin and is_official), in Citation's order."""
    return (
        "SELECT c.object_id, c.id, src.slug, src.title, src.author, src.url, c.section, c.paragraph, c.key_phrase,"
        " c.note, c.basis, c.inference, c.field, c.value, c.rank, c.rank_reason,"
        " coalesce(src.root_origin_id, src.id) AS origin, src.is_official FROM sources_citation c"
        " JOIN sources_source src ON src.id = c.source_id JOIN django_content_type ct ON ct.id = c.content_type_id"
        f" WHERE ct.app_label = '{app_label}' AND ct.model = '{model}' AND c.object_id = ANY(%s)"
        " ORDER BY c.object_id, c.source_id, c.paragraph, c.id",
        "ids",
    )


def raw_requests(*, reporter, participant, year_min):
    """name -> (list of (sql, params)) producing the same data as the matching API request."""
    return {
        "trade_flows_list": [
            # One plan kept per prepared statement, as PostgreSQL keeps one on its own for the API's page statement
            # (tests/trade/test_partitions.py); without the setting these two stay planned on every run, over every
            # partition (8-11 ms at 1M flows). Sent in one pipeline with the setting: one round trip.
            ("SET plan_cache_mode = force_generic_plan", []),
            (
                "SELECT count(*) FROM trade_tradeflow t"
                f" WHERE t.reporter_id = {ACTOR_ID} AND t.flow = 'X' AND t.year >= %s",
                [reporter, year_min],
            ),
            (
                TRADE_FLOW_PAGE_SELECT + " FROM trade_tradeflow t JOIN actors_actor r ON r.id = t.reporter_id"
                " JOIN actors_actor p ON p.id = t.partner_id LEFT JOIN actors_actor p2 ON p2.id = t.partner2_id"
                f" WHERE t.reporter_id = {ACTOR_ID} AND t.flow = 'X' AND t.year >= %s" + TRADE_FLOW_ORDER + " LIMIT %s",
                [reporter, year_min, PAGE],
            ),
            ("RESET plan_cache_mode", []),
        ],
        "trade_flows_list_paging": [
            # The list's second page with its count kept (apps.core.api.counts): nothing written since the first
            # page, so the API reads the feed's position and the page. The floor reads the same two.
            ("SET plan_cache_mode = force_generic_plan", []),
            ("SELECT max(id) FROM core_changeevent", []),
            (
                TRADE_FLOW_PAGE_SELECT + " FROM trade_tradeflow t JOIN actors_actor r ON r.id = t.reporter_id"
                " JOIN actors_actor p ON p.id = t.partner_id LEFT JOIN actors_actor p2 ON p2.id = t.partner2_id"
                f" WHERE t.reporter_id = {ACTOR_ID} AND t.flow = 'X' AND t.year >= %s"
                + TRADE_FLOW_ORDER
                + " LIMIT %s OFFSET %s",
                [reporter, year_min, PAGE, PAGE],
            ),
            ("RESET plan_cache_mode", []),
        ],
        "trade_flows_list_bounded": [
            # As trade_flows_list, the count stopping after EXACT_COUNT_UP_TO + 1 rows (count=estimated).
            ("SET plan_cache_mode = force_generic_plan", []),
            (
                "SELECT count(*) FROM (SELECT 1 FROM trade_tradeflow t"
                f" WHERE t.reporter_id = {ACTOR_ID} AND t.flow = 'X' AND t.year >= %s LIMIT %s) bounded",
                [reporter, year_min, EXACT_COUNT_UP_TO + 1],
            ),
            (
                TRADE_FLOW_PAGE_SELECT + " FROM trade_tradeflow t JOIN actors_actor r ON r.id = t.reporter_id"
                " JOIN actors_actor p ON p.id = t.partner_id LEFT JOIN actors_actor p2 ON p2.id = t.partner2_id"
                f" WHERE t.reporter_id = {ACTOR_ID} AND t.flow = 'X' AND t.year >= %s" + TRADE_FLOW_ORDER + " LIMIT %s",
                [reporter, year_min, PAGE],
            ),
            ("RESET plan_cache_mode", []),
        ],
        # All the flows a total may add (apps.trade.selectors.summable_trade_flows: the TOTAL line, annual,
        # partner2 World, all customs procedures and modes, X and M), by partner and year: aggregate on ids,
        # then name the groups.
        "trade_flows_summary": [
            (
                "SELECT p.slug, p.name_en, g.year, g.n, g.total FROM (SELECT partner_id, year, count(*) AS n,"
                " sum(value_usd) AS total FROM trade_tradeflow WHERE commodity_code = 'TOTAL' AND month IS NULL"
                " AND partner2_id IS NULL AND customs_code = 'C00' AND mot_code = 0 AND flow IN ('X', 'M')"
                " GROUP BY partner_id, year) g"
                " JOIN actors_actor p ON p.id = g.partner_id ORDER BY p.slug, p.name_en, g.year",
                [],
            ),
        ],
        "summits_by_participant": [
            (
                "SELECT count(*) FROM summits_summit s WHERE EXISTS (SELECT 1 FROM summits_summitparticipant sp"
                f" WHERE sp.summit_id = s.id AND sp.actor_id = {ACTOR_ID})",
                [participant],
            ),
            # Everything the API's page shows (SummitSerializer: status, mode and the replacement's brief too), in its
            # orders: summits by date, title and id; participants by role, actor name and id; citations by source,
            # paragraph and id, with their claims and what backs the summit (tests/api/test_bench_floors.py).
            (
                "SELECT s.id, s.created_at, s.updated_at, s.slug, s.title_en, s.title_ru, s.level, s.status, s.mode,"
                " s.date, s.date_precision, s.end_date, s.city_en, s.city_ru, s.ordinal, s.summary_en, f.slug,"
                " f.name_en, h.slug, h.name_en, h.kind, rs.slug, rs.title_en, rs.date, rs.date_precision"
                " FROM summits_summit s JOIN summits_summitformat f ON f.id = s.format_id"
                " LEFT JOIN actors_actor h ON h.id = s.host_id LEFT JOIN summits_summit rs ON rs.id = s.replaced_by_id"
                " WHERE EXISTS (SELECT 1 FROM summits_summitparticipant sp"
                f" WHERE sp.summit_id = s.id AND sp.actor_id = {ACTOR_ID}) ORDER BY s.date DESC, s.title_en, s.id"
                " LIMIT %s",
                [participant, PAGE],
            ),
            (
                "SELECT sp.summit_id, sp.id, sp.role, a.slug, a.name_en, a.kind, rb.slug, rb.name_en, rb.kind"
                " FROM summits_summitparticipant sp JOIN actors_actor a ON a.id = sp.actor_id"
                " LEFT JOIN actors_actor rb ON rb.id = sp.represented_by_id WHERE sp.summit_id = ANY(%s)"
                " ORDER BY sp.summit_id, sp.role, a.name_en, sp.id",
                "ids",
            ),
            fact_citations("summits", "summit"),
        ],
        "pledges_summary": [
            # As apps.investments.selectors: a pledge stated in USD counts with its amount, and each total
            # carries how many of its parts are exact / up to / about / at least (its qualifier).
            (
                "SELECT a.slug, a.name_en, g.n, g.n_usd, g.total, g.exact, g.up_to, g.about, g.at_least FROM ("
                "SELECT donor_id, count(*) AS n, count(usd) AS n_usd, sum(usd) AS total,"
                " count(*) FILTER (WHERE q = 'exact') AS exact, count(*) FILTER (WHERE q = 'up_to') AS up_to,"
                " count(*) FILTER (WHERE q = 'about') AS about, count(*) FILTER (WHERE q = 'at_least') AS at_least"
                " FROM (SELECT donor_id, COALESCE(amount_usd, CASE WHEN currency = 'USD' THEN amount END) AS usd,"
                " CASE WHEN amount_usd IS NOT NULL THEN amount_usd_qualifier"
                " WHEN currency = 'USD' AND amount IS NOT NULL THEN amount_qualifier END AS q"
                " FROM investments_pledge WHERE counts_in_totals) p"
                " GROUP BY donor_id) g JOIN actors_actor a ON a.id = g.donor_id"
                " ORDER BY g.total DESC NULLS LAST, a.slug, a.name_en",
                [],
            ),
        ],
    }


# Search (issue 12): the indexed expressions of apps.search.kinds, written out as SQL by hand. The
# query is the words as prefixes in each language's configuration, OR-ed (apps.search.text).
TRADE_FLOW_VECTOR = (
    "(setweight(to_tsvector('simple', COALESCE(t.commodity_code, '')), 'B')"
    " || setweight(to_tsvector('simple', COALESCE(t.quantity_unit, '')), 'B'))"
)
DOCUMENT_VECTOR = (
    "(setweight(to_tsvector('english', COALESCE(d.title_en, '')), 'A')"
    " || setweight(to_tsvector('russian', COALESCE(d.title_ru, '')), 'A')"
    " || setweight(to_tsvector('english', COALESCE(d.summary_en, '')), 'B'))"
)
TSQUERY = "(to_tsquery('russian', %s) || to_tsquery('english', %s) || to_tsquery('simple', %s))"


def _words_match(vector, words):
    """SQL and params: all words in the vector, or each word in it or near a title (trigram word similarity)."""
    sql = f"{vector} @@ {TSQUERY}"
    everything = " & ".join(f"{word}:*" for word in words)
    params = [everything] * 3
    each = []
    for word in words:
        each.append(f"({vector} @@ {TSQUERY} OR d.title_en %%> %s OR d.title_ru %%> %s)")
        params += [f"{word}:*"] * 3 + [word, word]
    return f"({sql} OR ({' AND '.join(each)}))", params


def search_requests(*, commodity, document_words):
    """name -> statements for the search cases: trade flows by `q=<commodity>`, documents by `q=<words>`."""
    flows_where = f"{TRADE_FLOW_VECTOR} @@ {TSQUERY}"
    flow_params = [f"{commodity}:*"] * 3
    documents_where, document_params = _words_match(DOCUMENT_VECTOR, document_words)
    return {
        "trade_flows_q": [
            (f"SELECT count(*) FROM trade_tradeflow t WHERE {flows_where}", flow_params),
            (
                TRADE_FLOW_PAGE_SELECT + " FROM trade_tradeflow t JOIN actors_actor r ON r.id = t.reporter_id"
                " JOIN actors_actor p ON p.id = t.partner_id LEFT JOIN actors_actor p2 ON p2.id = t.partner2_id"
                f" WHERE {flows_where}" + TRADE_FLOW_ORDER + " LIMIT %s",
                [*flow_params, PAGE],
            ),
        ],
        "documents_q": [
            # The page and its total in one statement, as the API's paginator reads them.
            (
                "SELECT d.id, d.created_at, d.updated_at, d.slug, d.kind, d.title_en, d.title_ru, d.adopted_on,"
                " d.adopted_on_precision, d.summary_en, d.url, count(*) OVER (), s.slug, s.title_en, s.date,"
                " s.date_precision, i.slug, i.title_en"
                " FROM summits_document d LEFT JOIN summits_summit s ON s.id = d.summit_id"
                f" LEFT JOIN summits_document i ON i.id = d.implements_id WHERE {documents_where}"
                " ORDER BY d.title_en, d.id LIMIT %s",
                [*document_params, PAGE],
            ),
            (
                "SELECT ds.document_id, ds.id, a.slug, a.name_en, a.kind, sb.slug, sb.name_en, sb.kind"
                " FROM summits_documentsignatory ds JOIN actors_actor a ON a.id = ds.actor_id"
                " LEFT JOIN actors_actor sb ON sb.id = ds.signed_by_id WHERE ds.document_id = ANY(%s)"
                " ORDER BY ds.document_id, a.name_en",
                "ids",
            ),
            (
                "SELECT dt.document_id, t.slug, t.name_en FROM summits_topic t"
                " JOIN summits_document_topics dt ON dt.topic_id = t.id WHERE dt.document_id = ANY(%s)"
                " ORDER BY t.name_en",
                "ids",
            ),
            fact_citations("summits", "document"),
        ],
    }


def plans(database_url, url):
    """EXPLAIN of each statement the API sends for `url`: {'scans': [...], 'seq_scans': [...], 'plan': text}.

    scans: the plan's scan nodes ('Bitmap Index Scan on document_search_idx', …), seq_scans: the tables
    read by a sequential scan (none wanted on big tables).
    """
    import re

    import psycopg
    from django.db import connection as django_connection
    from django.test import Client

    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with django_connection.execute_wrapper(record):
        Client().get(url)
    text = []
    with psycopg.connect(database_url, cursor_factory=psycopg.ClientCursor) as connection:
        word, place = _thresholds()
        connection.execute(f"SET pg_trgm.word_similarity_threshold = {word}")
        connection.execute(f"SET pg_trgm.similarity_threshold = {place}")
        for sql, params in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue  # a SET the request sends first (the search thresholds, set above)
            text += [row[0] for row in connection.execute(f"EXPLAIN {sql}", params).fetchall()]
    scans = [match.group(0).strip() for line in text if (match := re.search(r"[A-Za-z ]*Scan[A-Za-z ]* on \S+", line))]
    return {
        "scans": scans,
        "seq_scans": sorted({s.split(" on ")[1] for s in scans if s.startswith("Seq Scan")}),
        "plan": "\n".join(text),
    }


def partitions_in_plan(plan):
    """The partitions of trade_tradeflow an EXPLAIN text reads ({'trade_tradeflow_y2024', …}): a year-filtered
    request must read its years' only (apps.trade.partitions); pruned partitions are not in the plan."""
    import re

    return set(re.findall(r"\btrade_tradeflow_(?:y\d{4}|before_\d+|after_\d+)\b", plan))


def pruning(database_url, url):
    """The partitions of trade_tradeflow that the EXPLAIN of `url`'s statements reads (sorted names); for a
    `format=csv` url, of the SELECT its COPY runs (bench.exports.api_copy_select)."""
    from urllib.parse import urlsplit

    query = urlsplit(url).query
    if "format=csv" in query:
        import psycopg

        from bench.exports import api_copy_select

        select = api_copy_select("&".join(p for p in query.split("&") if p != "format=csv"))
        with psycopg.connect(database_url) as connection:
            text = "\n".join(row[0] for row in connection.execute(f"EXPLAIN {select}").fetchall())
    else:
        text = plans(database_url, url)["plan"]
    return sorted(partitions_in_plan(text))


def _thresholds():
    from apps.search.text import PLACE_SIMILARITY_THRESHOLD, WORD_SIMILARITY_THRESHOLD

    return WORD_SIMILARITY_THRESHOLD, PLACE_SIMILARITY_THRESHOLD


def _pipelined(statements):
    """True for statements that set `plan_cache_mode` first: all sent in one pipeline, one round trip."""
    return bool(statements) and statements[0][0].startswith("SET plan_cache_mode")


def _run_pipelined(connection, statements):
    """Each statement's rows (None for SET/RESET), sent in one pipeline and read after its sync."""
    cursors = []
    with connection.pipeline():
        for sql, params in statements:
            cursors.append(connection.cursor())
            cursors[-1].execute(sql, params)
    return [cursor.fetchall() if cursor.description is not None else None for cursor in cursors]


def _run_raw(connection, statements):
    if _pipelined(statements):
        return json.dumps([rows for rows in _run_pipelined(connection, statements) if rows is not None], default=str)
    return json.dumps([rows for _, rows in raw_rows(connection, statements)], default=str)


def raw_rows(connection, statements):
    """Each statement's (column names, rows), run in order on `connection` (a DB-API connection: psycopg's, or
    Django's); a statement whose params are "ids" reads the ids of the first statement that returned rows of more
    than two columns (the page: its first column)."""
    results = []
    ids = None
    with connection.cursor() as cursor:
        for sql, params in statements:
            if params == "ids":
                params = [ids]
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            if ids is None and rows and len(rows[0]) > 2:
                ids = [row[0] for row in rows]
            results.append(([column[0] for column in cursor.description], rows))
    return results


# Requests timed with the exact count kept from the previous sample (apps.core.api.counts): a client paging through an
# unchanged list. Every other request is timed cold: the kept counts are forgotten before each sample (and before
# its statements are recorded for the replay), so its figure includes the count, as the first page of a list does.
WARM_COUNTS = frozenset({"trade_flows_list_paging"})


def _stats(samples):
    samples = sorted(samples)
    return {
        "median_ms": statistics.median(samples) * 1000,
        "p95_ms": samples[min(len(samples) - 1, int(len(samples) * 0.95))] * 1000,
    }


def time_requests(database_url, raw, urls, repeat):
    """(raw results, API results) per request name, the three timings interleaved sample by sample.

    For each request: the raw SQL reference, the API through Django's full request stack, and the API's
    own statements replayed with psycopg (as Django sends them: `django_binding`), so `API / own SQL` is what Django and DRF add on top of the database. Interleaving keeps
    a noisy machine's drifts out of the ratios.
    """
    import psycopg
    from django.db import connection as django_connection
    from django.urls import Resolver404, resolve

    from apps.core.api.counts import clear_count_cache

    raw_results, api_results = {}, {}
    binding = django_binding()
    with (
        psycopg.connect(database_url, autocommit=True, **binding) as connection,
        psycopg.connect(database_url, autocommit=True, **binding) as replay,
    ):
        replay.execute("SET TIME ZONE 'UTC'")  # as Django's connection
        for each in (connection, replay):  # as apps.search.connection sets Django's
            word, place = _thresholds()
            each.execute(f"SET pg_trgm.word_similarity_threshold = {word}")
            each.execute(f"SET pg_trgm.similarity_threshold = {place}")
        for name, statements in raw.items():
            url = urls[name]
            try:
                resolve(url.split("?")[0])
            except Resolver404:
                api_results[name] = None
                url = None
            own = []
            if url is not None:

                def record(execute, sql, params, many, context):
                    own.append((sql, params))
                    return execute(sql, params, many, context)

                wsgi_get(url)  # warm caches (content types) before counting
                if name not in WARM_COUNTS:
                    clear_count_cache()
                with django_connection.execute_wrapper(record):
                    response = wsgi_get(url)
                if response.status_code != 200:
                    api_results[name] = {"error": f"HTTP {response.status_code}: {response.content[:200]!r}"}
                    url = None
            samples = {"raw": [], "api": [], "own": []}
            for i in range(repeat + 3):
                runs = [("raw", lambda: _run_raw(connection, statements))]
                if url is not None:
                    cold = name not in WARM_COUNTS
                    runs += [("api", lambda: _get(url, cold=cold)), ("own", lambda: _replay(replay, own))]
                for kind, run in runs if i % 2 else runs[::-1]:
                    started = time.perf_counter()
                    run()
                    if i >= 3:  # the first rounds warm up
                        samples[kind].append(time.perf_counter() - started)
            raw_results[name] = {**_stats(samples["raw"]), "queries": len(statements)}
            if url is not None:
                api_results[name] = {
                    **_stats(samples["api"]),
                    "queries": len(own),
                    "bytes": len(response.content),
                    "own_sql_median_ms": _stats(samples["own"])["median_ms"],
                }
    return raw_results, api_results


def _get(url, *, cold):
    """The API request, its exact count forgotten first (`cold`) or as kept from the sample before."""
    if cold:
        from apps.core.api.counts import clear_count_cache

        clear_count_cache()
    return wsgi_get(url)


class WSGIResponse(NamedTuple):
    status_code: int
    content: bytes


_handler = None


def wsgi_get(url):
    """GET `url` (path and query string) through Django's WSGI handler as gunicorn's worker calls it: one environ,
    the body read to its end, then closed (which sends request_finished). Since session 15; before, the API was timed
    with django.test.Client, which does work gunicorn does not (connects and disconnects four signals a request, so
    their receivers are looked up on every send) and skips work gunicorn does (close_old_connections, the connection's
    health check, at each request's start and end). Host `testserver`, so the bytes are the test client's. Call it
    outside any transaction, as a server runs: close_old_connections closes a connection it finds inside one."""
    global _handler
    if _handler is None:
        from django.core.handlers.wsgi import WSGIHandler

        _handler = WSGIHandler()  # what catrack.wsgi.application is (get_wsgi_application), without its gc.freeze()
    parts = urlsplit(url)
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        # WSGI's latin-1 strings of the bytes: the path %-decoded (as gunicorn), the query as sent (UTF-8, as the
        # test client encoded it)
        "PATH_INFO": unquote_to_bytes(parts.path).decode("iso-8859-1"),
        "QUERY_STRING": parts.query.encode().decode("iso-8859-1"),
        "RAW_URI": url,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status = []
    body = _handler(environ, lambda line, headers, exc_info=None: status.append(line))
    try:
        content = b"".join(body)
    finally:
        body.close()
    return WSGIResponse(int(status[0].split(" ", 1)[0]), content)


def django_binding():
    """psycopg.connect() arguments that bind and prepare as Django's connection does (its OPTIONS):
    {'prepare_threshold': 5} with server-side binding, else client-side binding and no prepare."""
    import psycopg
    from django.db import connection

    options = connection.settings_dict.get("OPTIONS", {})
    if options.get("server_side_binding") is True:
        return {"prepare_threshold": options.get("prepare_threshold")}
    return {"prepare_threshold": None, "cursor_factory": psycopg.ClientCursor}


def _replay(connection, statements):
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            if cursor.description is not None:
                cursor.fetchall()


# Pledges by donor, and with each claims filter of issue 24 (`disputed`, `sources_min`, `basis`): the page as
# PledgeSerializer shows it (the total read with the page, as WindowCountPagination), its recipients,
# purposes and citations with their claims, and the filter written by hand as SQL.
PLEDGE_TYPE = "(SELECT id FROM django_content_type WHERE app_label = 'investments' AND model = 'pledge')"
PLEDGE_FILTERS = {
    "pledges_by_donor": "",
    "pledges_disputed": f" AND p.id IN (SELECT c.object_id FROM sources_citation c WHERE c.content_type_id = {PLEDGE_TYPE}"
    " AND c.field <> '' GROUP BY c.object_id, c.field HAVING count(DISTINCT c.value) > 1)",
    "pledges_sources_min": " AND p.id IN (SELECT c.object_id FROM sources_citation c JOIN sources_source src"
    f" ON src.id = c.source_id WHERE c.content_type_id = {PLEDGE_TYPE} GROUP BY c.object_id"
    " HAVING count(DISTINCT coalesce(src.root_origin_id, src.id)) >= 2)",
    "pledges_inferred": f" AND EXISTS (SELECT 1 FROM sources_citation c WHERE c.content_type_id = {PLEDGE_TYPE}"
    f" AND c.object_id = p.id) AND NOT EXISTS (SELECT 1 FROM sources_citation c WHERE c.content_type_id = {PLEDGE_TYPE}"
    " AND c.object_id = p.id AND c.basis = 'stated')",
}


def claims_requests(*, donor):
    """name -> statements for the pledges of `donor` (a slug), unfiltered and under each claims filter."""
    return {
        name: [
            (
                # The page's rows first (the total read with them: a window runs before LIMIT), then their
                # related rows: joined before the LIMIT, the parent's self-join hashed every pledge (24 ms at 1M).
                "SELECT p.id, p.created_at, p.updated_at, p.slug, p.description_en, p.amount, p.currency,"
                " p.amount_qualifier, p.amount_usd, p.amount_usd_qualifier, p.usd_basis, p.usd_rate, p.usd_rate_date,"
                " p.usd_rate_source, p.period_start, p.period_start_precision, p.period_years, p.period_end,"
                " p.period_end_precision, p.instrument, p.status, p.counts_in_totals, p.total,"
                " a.slug, a.name_en, a.kind, s.slug, s.title_en, d.slug, d.title_en, pp.slug, pp.description_en"
                " FROM (SELECT p.*, count(*) OVER () AS total FROM investments_pledge p"
                f" WHERE p.donor_id = {ACTOR_ID}{where} ORDER BY p.amount_usd DESC NULLS LAST, p.id LIMIT %s) p"
                " JOIN actors_actor a ON a.id = p.donor_id"
                " LEFT JOIN summits_summit s ON s.id = p.summit_id LEFT JOIN summits_document d ON d.id = p.document_id"
                " LEFT JOIN investments_pledge pp ON pp.id = p.parent_id"
                " ORDER BY p.amount_usd DESC NULLS LAST, p.id",
                [donor, PAGE],
            ),
            (
                "SELECT r.pledge_id, a.slug, a.name_en, a.kind FROM investments_pledge_recipients r"
                " JOIN actors_actor a ON a.id = r.actor_id WHERE r.pledge_id = ANY(%s) ORDER BY r.pledge_id, a.name_en",
                "ids",
            ),
            (
                "SELECT pt.pledge_id, t.slug, t.name_en FROM investments_pledge_purposes pt"
                " JOIN summits_topic t ON t.id = pt.topic_id WHERE pt.pledge_id = ANY(%s) ORDER BY pt.pledge_id, t.name_en",
                "ids",
            ),
            (
                "SELECT c.object_id, c.id, src.slug, src.title, src.author, src.url, c.section, c.paragraph,"
                " c.key_phrase, c.note, c.basis, c.inference, c.field, c.value, c.rank, c.rank_reason,"
                " coalesce(src.root_origin_id, src.id), src.is_official FROM sources_citation c"
                f" JOIN sources_source src ON src.id = c.source_id WHERE c.content_type_id = {PLEDGE_TYPE}"
                " AND c.object_id = ANY(%s) ORDER BY c.object_id, c.source_id, c.paragraph, c.id",
                "ids",
            ),
        ]
        for name, where in PLEDGE_FILTERS.items()
    }
