"""The README promises XLSX import and export in the admin: the formats are offered (openpyxl installed)."""

import pytest


@pytest.mark.parametrize("action", ["import", "export"])
def test_admin_offers_xlsx(admin_client, action):
    page = admin_client.get(f"/admin/actors/actor/{action}/").content.decode()
    assert ">xlsx<" in page.lower()
