"""Fixtures for the seed tests: the article's text when it is present (`seeded` is in tests/conftest.py)."""

import json
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers

from apps.core.fixture_loading import seed_fixture_paths
from apps.core.models import FactModel

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


def seed_models():
    return sorted(
        {apps.get_model(o["model"]) for p in seed_fixture_paths() for o in json.loads(p.read_text(encoding="utf-8"))},
        key=lambda m: m._meta.label,
    )


def snapshot():
    """Every row of every seeded table, serialised: equal snapshots mean nothing changed."""
    return {m._meta.label: serializers.serialize("json", m._base_manager.order_by("pk")) for m in seed_models()}


def fact_models():
    return [m for m in apps.get_models() if issubclass(m, FactModel)]
