"""After a DELETE the row's history still answers, ending with the deletion: who, when, the last values."""
import pytest

from tests.factories import PledgeFactory, SummitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("resource, make, key", [
    ("summits", lambda: SummitFactory(slug="gone-summit"), lambda row: row.slug),
    ("pledges", lambda: PledgeFactory(description_en="gone pledge"), lambda row: row.pk),
])
def test_the_history_of_a_deleted_row_ends_with_its_deletion(editor_client, editor, resource, make, key):
    row = make()
    url = f"/api/v1/{resource}/{key(row)}/"
    assert editor_client.patch(url, {"title_en" if resource == "summits" else "description_en": "last value"},
                               format="json").status_code == 200
    assert editor_client.delete(url).status_code == 204
    assert editor_client.get(url).status_code == 404

    response = editor_client.get(f"{url}history/")
    assert response.status_code == 200, response.content
    deleted, changed, created = response.json()
    assert (deleted["change_type"], deleted["user"]) == ("deleted", editor.username)
    assert changed["change_type"] == "changed" and changed["changes"][0]["new"] == "last value"
    assert created["change_type"] == "created"


def test_history_of_a_row_that_never_existed_is_404(editor_client):
    assert editor_client.get("/api/v1/summits/never-was/history/").status_code == 404
    assert editor_client.get("/api/v1/pledges/987654/history/").status_code == 404
