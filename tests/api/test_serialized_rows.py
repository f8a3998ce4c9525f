"""serialized_rows (the summaries' lean serialisation) writes what DRF's serializer writes, key for key."""

import datetime
from decimal import Decimal

import pytest

from apps.core.api.views import serialized_rows
from apps.investments.api.views import PledgeSummaryRow
from apps.summits.api.views import ScoreboardRow
from apps.trade.api.views import MirrorRow, TradeSummaryRow

ROWS = {
    "pledges": (
        PledgeSummaryRow,
        [
            # grouped by donor: recipient and year keys are missing (allow_null → null), currency too (left out)
            {
                "donor": "japan",
                "donor_name": "Japan",
                "count": 3,
                "count_with_usd": 2,
                "total_usd": Decimal("20000000000"),
            },
            {"donor": None, "donor_name": None, "count": 1, "count_with_usd": 0, "total_usd": None},
            {
                "currency": "JPY",
                "year": 2025,
                "count": 1,
                "count_with_usd": 1,
                "total_usd": Decimal("1.005"),
                "total_amount": Decimal("3000000000000.00"),
            },
            {"currency": "USD", "count": 2, "count_with_usd": 2, "total_usd": Decimal("-0.004"), "total_amount": None},
        ],
    ),
    "trade": (
        TradeSummaryRow,
        [
            {
                "partner": "kazakhstan",
                "partner_name": "Kazakhstan",
                "year": 2024,
                "count": 4,
                "total_value_usd": Decimal("123456789012.345"),
            },
            {"year": 2023, "flow": "X", "count": 1, "total_value_usd": None},
            {"reporter": "japan", "reporter_name": "Japan", "count": 0, "total_value_usd": Decimal("0")},
        ],
    ),
    "mirror": (
        MirrorRow,
        [
            {
                "year": 2024,
                "exports_reported_usd": Decimal("10.50"),
                "imports_reported_usd": Decimal("11"),
                "difference_usd": Decimal("-0.50"),
                "ratio_imports_to_exports": 1.0476190476190477,
            },
            {
                "year": 2025,
                "exports_reported_usd": None,
                "imports_reported_usd": Decimal("5"),
                "difference_usd": None,
                "ratio_imports_to_exports": None,
            },
        ],
    ),
    "scoreboard": (
        ScoreboardRow,
        [
            {
                "partner": "japan",
                "partner_name": "Japan",
                "partner_kind": "state",
                "summits": 2,
                "dated_summits": 1,
                "undated_summits": 1,
                "formats": 1,
                "first_date": datetime.date(2004, 8, 28),
                "last_date": None,
                "cities": [{"city_en": "Tokyo", "city_ru": "Токио"}],
                "documents": [{"slug": "tokyo-declaration", "title_en": "Tokyo Declaration", "kind": "declaration"}],
            },
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(ROWS))
def test_same_output_as_drf(name):
    row_serializer, rows = ROWS[name]
    drf = type(row_serializer.child)(rows, many=True).data
    lean = serialized_rows(row_serializer, rows)
    assert [list(item.items()) for item in lean] == [list(item.items()) for item in drf]


def test_allow_null_keys_missing_from_a_row_are_null_and_others_left_out():
    (item,) = serialized_rows(PledgeSummaryRow, ROWS["pledges"][1][:1])
    assert item["recipient"] is None and item["year"] is None
    assert "currency" not in item and item["total_amount"] is None  # allow_null: null even if absent
    assert item["total_usd"] == "20000000000.00"
