"""bench.queries.wsgi_get (the bench's in-process requests, through Django's WSGI handler as gunicorn calls it) answers
what django.test.Client answers: status and bytes, for a list, a search in Russian, a CSV, a 400 and a 404."""

import pytest

from bench.queries import wsgi_get
from tests import factories

# Transactional: the handler closes a connection found inside a transaction at a request's start (Django's
# close_old_connections, which the test client turns off), as gunicorn's requests do; the bench runs in autocommit.
pytestmark = pytest.mark.django_db(transaction=True)

URLS = [
    "/api/v1/summits/",
    "/api/v1/summits/?ordering=-date&page_size=2",
    "/api/v1/documents/?q=декларации энергетике",
    "/api/v1/summits/?format=csv",
    "/api/v1/summits/?yeer=2025",
    "/api/v1/no-such-list/",
    "/api/v1/summits/%73ummit-0/",
]


@pytest.mark.parametrize("url", URLS)
def test_answers_as_the_test_client(client, url):
    factories.SummitFactory.create_batch(3)
    expected = client.get(url)
    body = b"".join(expected.streaming_content) if expected.streaming else expected.content
    answer = wsgi_get(url)
    assert (answer.status_code, answer.content) == (expected.status_code, body)
