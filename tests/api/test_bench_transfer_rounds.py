"""bench/transfer.py times a slow answer fewer rounds, so a 10M run stays within its hour (issue 30)."""

from bench.transfer import BUDGET_SECONDS, MIN_ROUNDS, rounds_within_budget


def test_a_fast_answer_is_timed_every_round():
    assert rounds_within_budget(0.02, 40) == 40
    assert rounds_within_budget(0.0, 40) == 40


def test_a_slow_answer_is_timed_within_the_budget():
    # One year's CSV at 10M flows: ~10 s a pair (plain and gzip) -> 6 rounds, not 40.
    assert rounds_within_budget(10.0, 40) == BUDGET_SECONDS // 10
    assert rounds_within_budget(10.0, 40) * 10.0 <= BUDGET_SECONDS


def test_a_very_slow_answer_keeps_a_few_samples_and_never_more_than_asked():
    assert rounds_within_budget(BUDGET_SECONDS * 3, 40) == MIN_ROUNDS
    assert rounds_within_budget(BUDGET_SECONDS * 3, 3) == 3
