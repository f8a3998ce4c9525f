"""The test factories' ISO codes never meet a real one (a factory state beside the seed once took KOR)."""

import json
from pathlib import Path

from apps.trade.reference.comtrade_areas import by_comtrade_code
from tests import factories

SEED_ACTORS = Path(__file__).resolve().parents[2] / "fixtures" / "seed" / "02_actors.json"


def test_factory_iso3_codes_are_user_assigned_and_never_real():
    real = {area.iso3 for area in by_comtrade_code().values()}
    real |= {row["fields"].get("iso3") for row in json.loads(SEED_ACTORS.read_text(encoding="utf-8"))}
    codes = [factories._iso3(n) for n in range(20_000)]
    assert not set(codes) & real
    assert len(set(codes[5_000:6_092])) == 1_092  # unique over any 1,092 numbers in a row
