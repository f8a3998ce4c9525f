"""The seed's prose as readers see it on the pages: no doubled full stop ("each is cited..")."""

import json
import re
from pathlib import Path

SEED = Path(__file__).resolve().parent.parent.parent / "fixtures" / "seed"


def texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def test_no_sentence_ends_with_two_full_stops():
    doubled = [
        (path.name, text[-60:])
        for path in sorted(SEED.glob("*.json"))
        for text in texts(json.loads(path.read_text(encoding="utf-8")))
        if re.search(r"(?<!\.)\.\.(?!\.)", text) and not text.startswith(("http://", "https://"))
    ]
    assert doubled == []
