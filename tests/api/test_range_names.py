"""One naming style for ranges: `<field>_min` / `<field>_max` (inclusive) on every resource; the older names
(`date_after`, `period_start__gte`…) still answered as aliases, marked deprecated in the schema and listed in
docs/api-guide.md."""

import datetime
import re
from pathlib import Path

import pytest
import yaml
from rest_framework.test import APIClient

from apps.core.models import DatePrecision
from catrack.urls import router
from tests.factories import PledgeFactory, SummitFactory

OLD_RANGE = re.compile(r"(_after|_before|__gte|__lte|__gt|__lt)$")
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api-guide.md"


def alias_rows():
    """(resource, old name, name) of every FilterSet alias, in the router's order."""
    rows = []
    for prefix, viewset, _basename in router.registry:
        aliases = getattr(getattr(viewset, "filterset_class", None), "aliases", {})
        rows += [(prefix, old, new) for old, new in aliases.items()]
    return rows


@pytest.mark.django_db
def test_every_range_parameter_has_one_style_and_old_names_are_deprecated_aliases():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    schema = yaml.safe_load(response.content)
    wrong = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            names = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
            for name, parameter in names.items():
                if OLD_RANGE.search(name) and not parameter.get("deprecated"):
                    wrong.append(f"{method} {path} {name}: an old-style range name that is not an alias")
                if parameter.get("deprecated"):
                    new = re.search(r"Old name of `(\w+)`", parameter["description"]).group(1)
                    if new not in names:
                        wrong.append(f"{method} {path} {name}: an alias of {new}, which it lacks")
    assert not wrong, wrong


def test_the_api_guide_lists_every_alias():
    table = set(re.findall(r"^\| `([\w-]+)` \| `(\w+)` \| `(\w+)` \|$", GUIDE.read_text(), re.M))
    assert table == set(alias_rows())


@pytest.mark.django_db
def test_an_old_name_selects_what_the_new_name_selects(api_client, client):
    early = SummitFactory(date=datetime.date(2019, 5, 1))
    late = SummitFactory(date=datetime.date(2024, 5, 1))
    for old, new in (("date_after", "date_min"), ("date_before", "date_max")):
        by_old = api_client.get("/api/v1/summits/", {old: "2020-01-01"}).json()["results"]
        by_new = api_client.get("/api/v1/summits/", {new: "2020-01-01"}).json()["results"]
        assert [row["slug"] for row in by_old] == [row["slug"] for row in by_new]
    assert [row["slug"] for row in by_new] == [early.slug]
    PledgeFactory(period_start=datetime.date(2023, 1, 1), period_start_precision=DatePrecision.DAY)
    assert api_client.get("/api/v1/pledges/", {"period_start__gte": "2022-01-01"}).json()["count"] == 1
    assert api_client.get("/api/v1/pledges/", {"period_start_min": "2024-01-01"}).json()["count"] == 0
    # Both names of one parameter: a 400 naming the old one.
    response = api_client.get("/api/v1/summits/", {"date_after": "2020-01-01", "date_min": "2021-01-01"})
    assert response.status_code == 400 and "date_after" in response.json()
    # The pages take the old name too, and link with the new one.
    page = client.get("/summits/", {"date_after": "2020-01-01"}).content.decode()
    assert late.title_en in page and early.title_en not in page
    assert "date_min=2020-01-01" in page and "date_after" not in page
