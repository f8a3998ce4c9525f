"""The README's API examples answer on the seed: a newcomer's first requests are copied from it."""

import re
from pathlib import Path

import pytest

from tests.api.helpers import assert_status

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
# Inline-code API paths, without the optional parts written in brackets; the search endpoint named bare
# (it needs a q) is a name, not an example.
EXAMPLES = sorted(
    {re.sub(r"\[.*?\]", "", path) for path in re.findall(r"`(/api/v1/[^`\s]*)`", README)} - {"/api/v1/search/"}
)


def test_the_readme_has_api_examples():
    assert len(EXAMPLES) >= 10


# The seed once for the tests that read it (not module-wide: pytest-django runs the test without a database
# last, which would load the seed a second time).
@pytest.mark.usefixtures("seeded_once")
@pytest.mark.parametrize("path", EXAMPLES)
def test_each_readme_api_example_answers(seeded, api_client, path):
    assert_status(api_client.get(path), 200)


@pytest.mark.usefixtures("seeded_once")
def test_the_readme_summit_format_example_names_a_seeded_format(seeded, api_client):
    """The fresh-eyes review: the README's `summit_format=central-asia-japan` was a 400 (the slug is another)."""
    value = re.search(r"`summit_format=([a-z0-9-]+)`", README).group(1)
    response = api_client.get("/api/v1/summits/", {"summit_format": value})
    assert_status(response, 200)
    assert response.json()["count"] > 0
