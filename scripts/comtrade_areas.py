"""Write apps/trade/reference/comtrade_areas.csv: the reporter/partner areas UN Comtrade files name.

Source: ISO 3166-1 as the `pycountry` package ships it (Debian's iso-codes), with UN Comtrade's own
numeric codes where they differ from ISO's (842 USA, 251 France, 579 Norway, 699 India,
757 Switzerland: each includes territories ISO counts apart) and Comtrade's non-state areas that its
exports carry most: World (0, W00) and Other Asia, nes (490, S19); and the European Union as a reporter
(97, EUR): UN Comtrade's reporter reference (https://comtradeapi.un.org/files/v1/app/reference/Reporters.json,
a group: isGroup) gives code 97 with the alpha-3 code EUR; its legacy list (reporterAreas.json) called
the same code "EU-28". Run: .venv/bin/python scripts/comtrade_areas.py
"""

import csv
from pathlib import Path

import pycountry

COMTRADE_NUMERIC = {"USA": 842, "FRA": 251, "NOR": 579, "IND": 699, "CHE": 757}
AREAS = [(0, "W00", "World"), (97, "EUR", "European Union"), (490, "S19", "Other Asia, nes")]
OUT = Path(__file__).resolve().parent.parent / "apps/trade/reference/comtrade_areas.csv"


def main():
    rows = [(code, iso3, name, "area") for code, iso3, name in AREAS]
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        rows.append((COMTRADE_NUMERIC.get(country.alpha_3, int(country.numeric)), country.alpha_3, name, "state"))
    rows.sort()
    with OUT.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["comtrade_code", "iso3", "name_en", "kind"])
        writer.writerows(rows)
    print(f"{len(rows)} areas written to {OUT}")


if __name__ == "__main__":
    main()
