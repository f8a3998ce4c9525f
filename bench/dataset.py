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
STATES = 200
REPORTERS = 30  # the states that report: each has ~1/30 of the flows, like Comtrade's big reporters
YEARS = range(2000, 2025)
FLOWS = ("X", "M")
COMMODITIES = ("TOTAL", "2612", "2709", "7108")
CSV_HEADER = ("freqCode,refYear,refMonth,period,reporterCode,reporterISO,reporterDesc,flowCode,partnerCode,"
              "partnerISO,partnerDesc,cmdCode,qtyUnitAbbr,qty,netWgt,primaryValue\n")


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


def write_comtrade_csv(path, *, rows, states, seed):
    """A Comtrade v1-shaped CSV with `rows` distinct (reporter, partner, year, flow, cmdCode) rows."""
    rng = random.Random(seed + 1)
    per_cmd = REPORTERS * (STATES - 1) * len(YEARS) * len(FLOWS)
    combos = per_cmd * len(COMMODITIES)
    chosen = sorted(rng.sample(range(combos), rows))
    partners_of = [[p for p in range(STATES) if p != r] for r in range(REPORTERS)]
    out = []
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(CSV_HEADER)
        for n in chosen:
            n, cmd = divmod(n, len(COMMODITIES))
            n, flow = divmod(n, len(FLOWS))
            n, year = divmod(n, len(YEARS))
            reporter, partner = divmod(n, STATES - 1)
            partner = partners_of[reporter][partner]
            code = COMMODITIES[cmd]
            value = rng.randrange(1, 10**11) / 100
            if code == "TOTAL":
                unit, qty, weight = "N/A", "", ""
            else:
                unit, qty, weight = "kg", rng.randrange(1, 10**7), rng.randrange(1, 10**7)
            r, p = states.codes[reporter], states.codes[partner]
            out.append(
                f"A,{YEARS[year]},52,{YEARS[year]},{100 + reporter},{r},State {r},{FLOWS[flow]},{100 + partner},"
                f"{p},State {p},{code},{unit},{qty},{weight},{value:.2f}\n"
            )
            if len(out) == 50_000:
                f.write("".join(out))
                out.clear()
        f.write("".join(out))
    return path
