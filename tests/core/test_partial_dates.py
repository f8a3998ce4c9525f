"""Partial dates: stored as date + precision, shown only as far as known, never padded into a fake day."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.core.models import DatePrecision, clean_partial_date, format_partial_date

D = datetime.date


@pytest.mark.parametrize(
    ("value", "precision", "shown"),
    [
        (D(2025, 12, 19), DatePrecision.DAY, "2025-12-19"),
        (D(2025, 12, 1), DatePrecision.MONTH, "2025-12"),
        (D(2025, 1, 1), DatePrecision.YEAR, "2025"),
        (None, DatePrecision.UNKNOWN, None),
    ],
)
def test_partial_date_is_shown_only_as_far_as_known(value, precision, shown):
    assert format_partial_date(value, precision) == shown
    clean_partial_date(value, precision, "date")  # canonical: no error


@pytest.mark.parametrize(
    ("value", "precision", "field", "message"),
    [
        (D(2025, 6, 15), DatePrecision.YEAR, "date", "1 January"),
        (D(2025, 6, 15), DatePrecision.MONTH, "date", "the 1st of that month"),
        (None, DatePrecision.DAY, "date", "A date is required"),
        (D(2025, 1, 1), DatePrecision.UNKNOWN, "date_precision", "means no date"),
    ],
)
def test_non_canonical_partial_date_is_refused_with_a_reason(value, precision, field, message):
    with pytest.raises(ValidationError) as raised:
        clean_partial_date(value, precision, "date")
    assert message in " ".join(raised.value.message_dict[field])
