"""Fixtures for the seed tests: the article's text when it is present (`seeded` is in tests/conftest.py)."""

import os
from pathlib import Path

import pytest
from django.conf import settings

ARTICLE_SLUG = "velizade-japanese-move"


def article_path():
    """The article lives beside the checkout (../shared/seed/), never in the repository."""
    default = Path(settings.BASE_DIR).parent / "shared" / "seed" / "japan-central-asia-article.ru.txt"
    return Path(os.environ.get("CATRACK_SEED_ARTICLE", default))


@pytest.fixture
def article_text():
    path = article_path()
    if not path.exists():
        pytest.skip(f"article text not found at {path} (set CATRACK_SEED_ARTICLE)")
    return path.read_text(encoding="utf-8")
