"""The reporter and partner areas UN Comtrade files name (comtrade_areas.csv beside this file).

Built by scripts/comtrade_areas.py from ISO 3166-1 (pycountry) with Comtrade's own numeric codes
and its non-state areas (World W00, the European Union as a reporter EUR, Other Asia nes S19); the
importer creates an actor from it for a code the database does not know, so a real export loads into
an empty database.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PATH = Path(__file__).with_name("comtrade_areas.csv")


@dataclass(frozen=True)
class ComtradeArea:
    comtrade_code: int  # Comtrade's numeric reporterCode/partnerCode (842 for the USA, 0 for World)
    iso3: str  # ISO 3166-1 alpha-3, or Comtrade's code for a non-state area (W00)
    name_en: str
    kind: str  # an apps.actors.models.ActorKind value: state or area


@cache
def by_code():
    """ISO3 (or Comtrade area code) -> ComtradeArea."""
    with PATH.open(encoding="utf-8", newline="") as source:
        return {
            row["iso3"]: ComtradeArea(int(row["comtrade_code"]), row["iso3"], row["name_en"], row["kind"])
            for row in csv.DictReader(source)
        }


@cache
def by_comtrade_code():
    """Comtrade's numeric area code (490, as text without leading zeros) -> ComtradeArea.

    Where the list gives two areas one code, the first is kept (the state, before any alias).
    """
    areas = {}
    for area in by_code().values():
        areas.setdefault(str(area.comtrade_code), area)
    return areas


@cache
def code_by_number() -> dict[str, str]:
    """Comtrade's numeric area code (text without leading zeros: "490") -> the code the area is stored
    under (ISO3, or Comtrade's own for a non-state area: "S19"; "0" is World, "W00").

    The one translation of numeric codes: the Python path reads it (comtrade_csv._area) and
    the PostgreSQL path writes it into its SQL (importers._pg_area_code), so both store the same area.
    """
    return {number: area.iso3 for number, area in by_comtrade_code().items()}
