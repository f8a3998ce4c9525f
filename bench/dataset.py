"""The benchmark's synthetic, seeded dataset: states, a Comtrade-shaped CSV, summits, pledges, citations.

Everything derives from one random.Random(seed), so two runs build the same rows. Bulk tables are
filled with COPY (the benchmark measures reading, not seeding).
"""

import itertools
import random
import string
from dataclasses import dataclass

SIZES = {
    # name: (trade flows, summits, pledges)
    "full": (1_000_000, 10_000, 100_000),
    "quick": (20_000, 300, 3_000),
}
# Documents for the search case (issue 12): titles in English and Russian from the vocabularies below.
DOCUMENTS = {"full": 100_000, "quick": 3_000}
DOCUMENT_KINDS = (
    ("declaration", "Declaration", "Декларация"),
    ("agreement", "Agreement", "Соглашение"),
    ("memorandum", "Memorandum", "Меморандум"),
    ("initiative", "Initiative", "Инициатива"),
    ("roadmap", "Roadmap", "Дорожная карта"),
)
DOCUMENT_FIELDS = (
    ("energy", "энергетики"),
    ("transport", "транспорта"),
    ("water resources", "водных ресурсов"),
    ("mining", "горнодобывающей промышленности"),
    ("education", "образования"),
    ("health care", "здравоохранения"),
    ("agriculture", "сельского хозяйства"),
    ("digital technologies", "цифровых технологий"),
    ("finance", "финансов"),
    ("logistics", "логистики"),
)
STATES = 200
REPORTERS = 30  # the states that report: each has ~1/30 of the flows, like Comtrade's big reporters
YEARS = range(2000, 2025)
FLOWS = ("X", "M")
COMMODITIES = ("TOTAL", "2612", "2709", "7108")
CSV_HEADER = (
    "freqCode,refYear,refMonth,period,reporterCode,reporterISO,reporterDesc,flowCode,partnerCode,"
    "partnerISO,partnerDesc,cmdCode,qtyUnitAbbr,qty,netWgt,primaryValue\n"
)


@dataclass
class States:
    codes: list  # ISO3, index = state number

    def slug(self, i):
        return f"state-{self.codes[i].lower()}"

    def name(self, i):
        return f"State {self.codes[i]}"


def make_states(seed):
    rng = random.Random(seed)
    codes = sorted(rng.sample(["".join(t) for t in itertools.product(string.ascii_uppercase, repeat=3)], STATES))
    return States(codes)


def _write_rows(path, keys, *, states, rng):
    """Write CSV_HEADER and one line per (reporter, partner, year, month (52: the year), flow, cmdCode) of `keys`
    (state indexes), drawing primaryValue, then qty and netWgt (none for TOTAL) from `rng` in that order."""
    # Each line's fixed parts formatted once (10M lines at 10M flows): the period's four columns per (year, month),
    # a state's three columns (code, ISO3, name) per state.
    state_columns = [f"{100 + n},{code},State {code}" for n, code in enumerate(states.codes)]
    period_columns = {}
    out = []
    randrange = rng.randrange
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(CSV_HEADER)
        for reporter, partner, year, month, flow, code in keys:
            period = period_columns.get((year, month))
            if period is None:
                period = period_columns[year, month] = (
                    f"A,{year},{month},{year}" if month == 52 else f"M,{year},{month},{year}{month:02d}"
                )
            value = randrange(1, 10**11) / 100
            if code == "TOTAL":
                measures = "N/A,,"
            else:
                measures = f"kg,{randrange(1, 10**7)},{randrange(1, 10**7)}"
            out.append(
                f"{period},{state_columns[reporter]},{flow},{state_columns[partner]},{code},{measures},{value:.2f}\n"
            )
            if len(out) == 50_000:
                f.write("".join(out))
                out.clear()
        f.write("".join(out))


UNIFORM_MAX_ROWS = REPORTERS * (STATES - 1) * len(YEARS) * len(FLOWS) * len(COMMODITIES)  # 1,194,000


def write_comtrade_csv(path, *, rows, states, seed):
    """A Comtrade v1-shaped CSV with `rows` distinct annual (reporter, partner, year, flow, cmdCode) rows, four
    commodities (at most UNIFORM_MAX_ROWS rows: the uniform shape the figures since issue 11 were measured on)."""
    rng = random.Random(seed + 1)
    combos = UNIFORM_MAX_ROWS
    chosen = sorted(rng.sample(range(combos), rows))
    partners_of = [[p for p in range(STATES) if p != r] for r in range(REPORTERS)]
    rows_out = []
    for n in chosen:
        n, cmd = divmod(n, len(COMMODITIES))
        n, flow = divmod(n, len(FLOWS))
        n, year = divmod(n, len(YEARS))
        reporter, partner = divmod(n, STATES - 1)
        rows_out.append((reporter, partners_of[reporter][partner], YEARS[year], 52, FLOWS[flow], COMMODITIES[cmd]))
    _write_rows(path, rows_out, states=states, rng=rng)
    return path


# The Comtrade shape (--shape comtrade): what an analyst who fetches Central Asia's trade at HS6 detail holds.
# Per reporter and year: many partners, thousands of six-digit codes, annual rows (refMonth 52) and monthly
# ones (1-12), and the partner's mirror row wherever the partner reports too. Codes are synthetic six-digit
# numbers in real HS chapters (01-97); the search case's heading (2612) and TOTAL are kept as codes.
HS6_CODES = 5_000
COMTRADE_COMMODITIES = (
    "TOTAL",
    "2612",
    *(
        f"{chapter:02d}{rest:04d}"
        for chapter, rest in ((1 + n % 97, 101 + (n * 7919) % 9800) for n in range(HS6_CODES))
    ),
)
MONTHS = (52, *range(1, 13))


def write_comtrade_shaped_csv(path, *, rows, states, seed):
    """A Comtrade v1-shaped CSV of exactly `rows` distinct flows in the Comtrade shape (see HS6_CODES above).

    Keys are drawn at random from (reporter, year, flow, partner, cmdCode, month) and each drawn key whose
    partner is a reporter brings its mirror (the partner's row of the opposite flow), about 15% of the rows.
    Holds the keys in memory (about 100 bytes a row: 1 GB at 10M), writes in key order; `path` returned.
    """
    rng = random.Random(seed + 1)
    sizes = (REPORTERS, len(YEARS), len(FLOWS), STATES - 1, len(COMTRADE_COMMODITIES), len(MONTHS))
    space = 1
    for size in sizes:
        space *= size
    partners_of = [[p for p in range(STATES) if p != r] for r in range(REPORTERS)]
    partner_index = [{state: n for n, state in enumerate(partners)} for partners in partners_of]

    months, cmds, partners, flows, years = sizes[5], sizes[4], sizes[3], sizes[2], sizes[1]

    def unpack(key):  # reporter, year, flow, partner (index into partners_of), cmd, month
        key, month = divmod(key, months)
        key, cmd = divmod(key, cmds)
        key, partner = divmod(key, partners)
        key, flow = divmod(key, flows)
        reporter, year = divmod(key, years)
        return reporter, year, flow, partner, cmd, month

    def pack(parts):
        key = 0
        for part, size in zip(parts, sizes):
            key = key * size + part
        return key

    keys = set()
    while len(keys) < rows:
        for _ in range(min(1_000_000, rows - len(keys))):
            key = rng.randrange(space)
            keys.add(key)
            reporter, year, flow, partner, cmd, month = unpack(key)
            state = partners_of[reporter][partner]
            if state < REPORTERS:  # the partner reports too: its side of the same trade
                keys.add(pack((state, year, 1 - flow, partner_index[state][reporter], cmd, month)))
    chosen = sorted(keys)
    del keys
    if len(chosen) > rows:  # the last batch's mirrors overshoot a little: drop that many at random
        dropped = set(rng.sample(range(len(chosen)), len(chosen) - rows))
        chosen = [key for n, key in enumerate(chosen) if n not in dropped]
    keyed = []
    for key in chosen:
        reporter, year, flow, partner, cmd, month = unpack(key)
        keyed.append(
            (
                reporter,
                partners_of[reporter][partner],
                YEARS[year],
                MONTHS[month],
                FLOWS[flow],
                COMTRADE_COMMODITIES[cmd],
            )
        )
    _write_rows(path, keyed, states=states, rng=rng)
    return path


SHAPES = {"uniform": write_comtrade_csv, "comtrade": write_comtrade_shaped_csv}


def seed_facts(*, states, summits, pledges, seed):
    """State actors, then summits with participants and pledges, each with a citation (bulk inserts).

    Needs Django set up; returns the state actors' ids by index.
    """
    import datetime
    from decimal import Decimal

    from django.contrib.contenttypes.models import ContentType

    from apps.actors.models import Actor, ActorKind
    from apps.investments.models import Instrument, Pledge, UsdBasis
    from apps.sources.models import Citation, Source, SourceKind
    from apps.summits.models import Summit, SummitFormat, SummitParticipant

    rng = random.Random(seed + 2)
    Actor.objects.bulk_create(
        [
            Actor(kind=ActorKind.STATE, iso3=code, slug=states.slug(i), name_en=states.name(i), name_ru=f"Гос {code}")
            for i, code in enumerate(states.codes)
        ],
        batch_size=1000,
    )
    ids = {a.iso3: a.id for a in Actor.objects.filter(iso3__in=states.codes)}
    state_ids = [ids[code] for code in states.codes]
    region = Actor.objects.create(
        kind=ActorKind.GROUPING, slug="bench-central-asia", name_en="Central Asia", name_ru="Центральная Азия"
    )
    formats = SummitFormat.objects.bulk_create(
        [
            SummitFormat(
                slug=f"bench-format-{i}",
                name_en=f"Central Asia + {states.name(i)}",
                region=region,
                partner_id=state_ids[i],
            )
            for i in range(10)
        ]
    )
    sources = Source.objects.bulk_create(
        [
            Source(slug=f"bench-source-{i}", kind=SourceKind.NEWS, title=f"Report {i}", language="en")
            for i in range(1000)
        ]
    )
    summit_rows = []
    for n in range(summits):
        fmt = formats[n % len(formats)]
        summit_rows.append(
            Summit(
                slug=f"bench-summit-{n}",
                format=fmt,
                title_en=f"Summit {n}",
                title_ru=f"Саммит {n}",
                date=datetime.date(2000 + rng.randrange(25), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                date_precision="day",
                city_en="Astana",
                host_id=fmt.partner_id,
            )
        )
    Summit.objects.bulk_create(summit_rows, batch_size=2000)
    SummitParticipant.objects.bulk_create(
        [
            SummitParticipant(summit=summit, actor_id=state_ids[a])
            for summit in summit_rows
            for a in rng.sample(range(REPORTERS), 5)
        ],
        batch_size=5000,
    )
    pledge_rows = []
    for n in range(pledges):
        amount = Decimal(rng.randrange(1, 10**12)) / 100
        pledge_rows.append(
            Pledge(
                donor_id=state_ids[rng.randrange(STATES)],
                amount=amount,
                currency="JPY",
                amount_usd=(amount / 150).quantize(Decimal("0.01")),
                usd_basis=UsdBasis.STATED_BY_SOURCE,
                instrument=Instrument.GRANT,
                summit=summit_rows[rng.randrange(summits)] if n % 3 == 0 else None,
            )
        )
    Pledge.objects.bulk_create(pledge_rows, batch_size=5000)
    citations = []
    for model, rows in ((Summit, summit_rows), (Pledge, pledge_rows)):
        content_type = ContentType.objects.get_for_model(model)
        for n, row in enumerate(rows):
            citations.append(
                Citation(
                    source=sources[n % len(sources)],
                    content_type=content_type,
                    object_id=row.pk,
                    paragraph=1 + n % 40,
                    key_phrase=f"phrase {n}",
                )
            )
    Citation.objects.bulk_create(citations, batch_size=5000)
    return state_ids


def seed_documents(*, count, seed):
    """`count` documents titled '<Kind> on cooperation in <field> <n>' in English and Russian (bulk insert).

    Needs Django set up. A (kind, field) pair is 1 in 50 documents: the search case's matches.
    """
    from apps.summits.models import Document

    rng = random.Random(seed + 3)
    rows = []
    for n in range(count):
        kind, kind_en, kind_ru = DOCUMENT_KINDS[rng.randrange(len(DOCUMENT_KINDS))]
        field_en, field_ru = DOCUMENT_FIELDS[rng.randrange(len(DOCUMENT_FIELDS))]
        rows.append(
            Document(
                slug=f"bench-document-{n}",
                kind=kind,
                title_en=f"{kind_en} on cooperation in {field_en} {n}",
                title_ru=f"{kind_ru} о сотрудничестве в области {field_ru} {n}",
            )
        )
    Document.objects.bulk_create(rows, batch_size=5000)


def seed_claims():
    """Claims, republications and inferred citations on the pledges (issue 24), for the `disputed`, `sources_min`
    and `basis` cases; summits keep their one stated citation each, so the other cases read what they read before.

    Needs seed_facts first. A republication `bench-repost-<i>` of each source `bench-source-<i>` (Source.origin:
    the two count as one independent origin). By the pledges' order of id, n = 0, 1, 2, …:
    - n % 8 == 0: the pledge's citation claims its amount_usd (preferred) and a second source, another origin,
      claims it too: the same value, or for n % 16 == 0 a value 5% higher (alternative; the fact is disputed and
      the preferred claim says why, the rule finding a tie);
    - n % 8 == 4: the same claim, and the republication of the citation's source repeats it (one origin);
    - n % 10 == 3: the citation is inferred (basis), the pledge inferred only.
    Bulk writes (no random draws): 1/4 of the pledges gain a citation.
    """
    from decimal import Decimal

    from django.contrib.contenttypes.models import ContentType

    from apps.investments.models import Pledge
    from apps.sources.models import Citation, CitationBasis, Source, SourceKind

    originals = {s.slug: s for s in Source.objects.filter(slug__startswith="bench-source-")}
    Source.objects.bulk_create(
        [
            Source(
                slug=f"bench-repost-{slug.removeprefix('bench-source-')}",
                kind=SourceKind.NEWS,
                title=f"Repost of {source.title}",
                language="en",
                origin=source,
            )
            for slug, source in originals.items()
        ],
        batch_size=1000,
    )
    reposts = {s.origin_id: s.id for s in Source.objects.filter(slug__startswith="bench-repost-")}
    by_index = {int(slug.removeprefix("bench-source-")): s.id for slug, s in originals.items()}
    content_type = ContentType.objects.get_for_model(Pledge)
    citations = {
        c.object_id: c
        for c in Citation.objects.filter(content_type=content_type, source_id__in=by_index.values()).order_by("id")
    }
    changed, added = [], []
    for n, (pk, amount_usd) in enumerate(Pledge.objects.order_by("id").values_list("id", "amount_usd")):
        citation = citations[pk]
        if n % 10 == 3:
            citation.basis, citation.inference = CitationBasis.INFERRED, "bench: read from the paragraph's context"
            changed.append(citation)
        if n % 4:
            continue
        value = str(amount_usd)
        citation.field, citation.value, citation.rank = "amount_usd", value, "preferred"
        other = by_index[(n + 500) % len(by_index)] if n % 8 == 0 else reposts[citation.source_id]
        other_value = value
        if n % 16 == 0:
            other_value = str((amount_usd * Decimal("1.05")).quantize(Decimal("0.01")))
            citation.rank_reason = "bench: a tie (one origin each); the value first recorded"
        changed.append(citation)
        added.append(
            Citation(
                source_id=other,
                content_type=content_type,
                object_id=pk,
                paragraph=1,
                key_phrase=f"claim {n}",
                field="amount_usd",
                value=other_value,
                rank="alternative" if other_value != value else "preferred",
            )
        )
    Citation.objects.bulk_update(
        changed, ["basis", "inference", "field", "value", "rank", "rank_reason"], batch_size=5000
    )
    Citation.objects.bulk_create(added, batch_size=5000)
