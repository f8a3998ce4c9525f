"""Fixtures for the seed tests: a database holding the seed, and the article's text when it is present."""
import os
from pathlib import Path

import pytest
from django.conf import settings

from apps.core.services import seed_load

ARTICLE_SLUG = "velizade-japanese-move"


def article_path():
    """The article lives beside the checkout (../shared/seed/), never in the repository."""
    default = Path(settings.BASE_DIR).parent / "shared" / "seed" / "japan-central-asia-article.ru.txt"
    return Path(os.environ.get("CATRACK_SEED_ARTICLE", default))


@pytest.fixture
def seeded(db):
    return seed_load()


@pytest.fixture
def article_text():
    path = article_path()
    if not path.exists():
        pytest.skip(f"article text not found at {path} (set CATRACK_SEED_ARTICLE)")
    return path.read_text(encoding="utf-8")
