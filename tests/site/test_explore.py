"""List pages driven by the API's FilterSets (apps.site.listing): index pages, filters, facets, sorting, pages,
permalinks and format links; and the small faults of the public pages. Each test with rows of its own, on
both databases."""

import re
from decimal import Decimal

from django.views.defaults import server_error

from apps.summits.models import DocumentKind
from tests import factories


def links(page, pattern):
    return re.findall(pattern, page)


def test_index_pages_answer(client, db):
    for path in ("/actors/", "/documents/", "/formats/", "/trade/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("text/html")


def test_a_page_and_the_api_select_the_same_rows_from_the_same_parameters(client, db):
    summit = factories.SummitFactory()
    declaration = factories.DocumentFactory(
        title_en="Declaration of test", kind=DocumentKind.DECLARATION, summit=summit
    )
    factories.DocumentFactory(title_en="Agreement of test", kind=DocumentKind.AGREEMENT, summit=summit)
    page = client.get("/documents/?kind=declaration").content.decode()
    api = client.get("/api/v1/documents/?kind=declaration&format=json").json()
    assert [row["slug"] for row in api["results"]] == [declaration.slug]
    assert f'href="/documents/{declaration.slug}/"' in page and "Agreement of test" not in page
    # The filter is shown and can be dropped; the format links carry it.
    assert "kind = declaration" in page
    for fmt in ("json", "csv", "xlsx"):
        assert f'href="/api/v1/documents/?kind=declaration&amp;format={fmt}"' in page


def test_facets_count_rows_per_value_over_the_other_filters(client, db):
    japan = factories.StateFactory(slug="japan-t", name_en="Japan T")
    china = factories.StateFactory(slug="china-t", name_en="China T")
    region = factories.GroupingFactory(slug="region-t")
    for partner, count in ((japan, 2), (china, 1)):
        summit_format = factories.SummitFormatFactory(slug=f"format-{partner.slug}", region=region, partner=partner)
        for _ in range(count):
            factories.SummitFactory(format=summit_format)
    page = client.get("/summits/?partner=japan-t").content.decode()
    # Counted without the facet's own filter, so the other partner stays in view (and is a link to it).
    assert re.search(r'href="\?partner=japan-t"[^>]*>Japan T <span class="count">2</span>', page) is None
    assert re.search(r'aria-current="true" class="active">Japan T <span class="count">2</span>', page)
    assert re.search(r'href="\?partner=china-t">China T <span class="count">1</span>', page)
    assert page.count('<circle class="hit"') == 2  # one touch target per dot: only Japan's summits


def test_columns_sort_and_pages_keep_the_filters(client, db):
    for number in range(55):
        factories.StateFactory(slug=f"zed-{number:02}", name_en=f"Zed {number:02}", iso3=f"Z{number:02}")
    factories.PersonFactory(slug="someone", name_en="A person")
    page = client.get("/actors/?kind=state&ordering=-name_en").content.decode()
    names = re.findall(r'<a href="/actors/zed-\d+/">Zed (\d+)', page)
    assert names[:3] == ["54", "53", "52"] and len(names) == 50
    assert "A person" not in page
    assert 'aria-sort="descending"' in page
    assert 'href="?kind=state&amp;ordering=-name_en&amp;page=2"' in page  # the next page keeps filter and order
    second = client.get("/actors/?kind=state&ordering=-name_en&page=2").content.decode()
    assert re.findall(r'<a href="/actors/zed-\d+/">Zed (\d+)', second) == ["04", "03", "02", "01", "00"]
    # The XLSX link asks the API for the same rows in the same order.
    assert 'href="/api/v1/actors/?kind=state&amp;ordering=-name_en&amp;format=xlsx"' in page


def test_a_bad_filter_value_is_a_400_page_naming_the_parameter(client, db):
    response = client.get("/pledges/?donor=nobody")
    assert response.status_code == 400
    assert "donor: no actor with slug &#x27;nobody&#x27;" in response.content.decode()
    response = client.get("/summits/?year=soon")
    assert response.status_code == 400 and "year:" in response.content.decode()
    response = client.get("/actors/?ordering=secret")
    assert response.status_code == 400 and "cannot sort by secret" in response.content.decode()


def test_home_tiles_lead_to_their_lists(client, db):
    factories.DocumentFactory()
    page = client.get("/").content.decode()
    for path in ("/summits/", "/documents/", "/pledges/", "/actors/", "/actors/?kind=state", "/trade/", "/sources/"):
        assert f'<li><a href="{path}"><strong>' in page, path
    assert "<strong>1</strong> document</a>" in page  # not "1 documents"


def test_a_summit_lists_the_pledges_under_its_documents(client, db):
    summit = factories.SummitFactory(slug="summit-t")
    document = factories.DocumentFactory(summit=summit)
    factories.PledgeFactory(summit=None, document=document, amount=Decimal(5), currency="USD")
    page = client.get("/summits/summit-t/").content.decode()
    section = page[page.index('id="pledges-h"') :]
    assert "No pledges recorded" not in section and 'class="cards"' in section


def test_a_corridor_page_lists_its_stakes(client, db):
    stake = factories.CorridorStakeFactory(actor=factories.StateFactory(name_en="Stakeholder T"))
    page = client.get(f"/facts/geoeconomics.corridor/{stake.corridor.pk}/").content.decode()
    assert "Corridor stakes" in page and "Stakeholder T" in page
    assert f'href="/facts/geoeconomics.corridorstake/{stake.pk}/"' in page


def test_counts_in_prose_agree_with_their_number(client, db):
    source = factories.SourceFactory(slug="one-cite")
    factories.CitationFactory(source=source)
    page = client.get("/sources/one-cite/").content.decode()
    assert "1 citation)" in page and "1 citations" not in page


def test_not_found_and_server_error_pages_are_the_sites(client, db, rf):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and 'class="site-header"' in page and 'href="/documents/"' in page
    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert 'class="site-header"' in response.content.decode()


def test_the_search_page_pages_and_filters_by_kind_with_the_apis_parameters(client, db):
    summit_format = factories.SummitFormatFactory()
    summits = [factories.SummitFactory(format=summit_format, title_en=f"Zebrafish summit {n:02}") for n in range(25)]
    for n in range(3):
        factories.DocumentFactory(summit=summits[0], title_en=f"Zebrafish declaration {n}")
    page = client.get("/search/", {"q": "Zebrafish"}).content.decode()
    assert "28 matches" in page and page.count('<li><span class="muted">') == 20
    # The kinds, counted, each a link choosing it; the next page keeps the query.
    assert re.search(r'href="\?q=Zebrafish&amp;kind=summit">summits <span class="count">25</span>', page)
    assert re.search(r'href="\?q=Zebrafish&amp;kind=document">documents <span class="count">3</span>', page)
    assert 'href="?q=Zebrafish&amp;page=2" rel="next"' in page
    second = client.get("/search/", {"q": "Zebrafish", "page": "2"}).content.decode()
    assert second.count('<li><span class="muted">') == 8 and 'start="21"' in second
    # A permalink with the API's `kind`, repeated or comma-separated; the JSON link asks the API for the same hits.
    only = client.get("/search/?q=Zebrafish&kind=document").content.decode()
    assert "3 matches" in only and only.count('<li><span class="muted">document</span>') == 3
    assert 'href="/api/v1/search/?q=Zebrafish&amp;kind=document"' in only
    both = client.get("/search/?q=Zebrafish&kind=document,summit&page=2").content.decode()
    assert "28 matches" in both and both.count('<li><span class="muted">') == 8
    api = client.get("/api/v1/search/?q=Zebrafish&kind=document,summit&page=2&page_size=20").json()
    assert [hit["title"] for hit in api["results"]] == re.findall(r'<a href="/[^"]*">(Zebrafish [^<]*)</a>', both)
    # A kind the API does not know is the API's 400, naming the parameter's choices.
    response = client.get("/search/?q=Zebrafish&kind=treaty")
    assert response.status_code == 400 and "Unknown kind &#x27;treaty&#x27;" in response.content.decode()


def test_the_timeline_takes_a_year_range_an_order_and_counts_statuses(client, db):
    import datetime

    from apps.summits.models import SummitStatus

    summit_format = factories.SummitFormatFactory()
    for year in range(2019, 2025):
        factories.SummitFactory(
            format=summit_format,
            title_en=f"Meeting of {year}",
            date=datetime.date(year, 5, 1),
            status=SummitStatus.HELD if year < 2024 else SummitStatus.PLANNED,
        )
    page = client.get("/summits/?year_min=2021&year_max=2023&ordering=-date").content.decode()
    lane = re.search(r'<ol class="summits">.*?</ol>', page, re.S).group(0)
    assert re.findall(r"Meeting of (\d+)", lane) == ["2023", "2022", "2021"]  # the range, newest first
    assert 'name="year_min" value="2021"' in page  # the form shows the range it applied
    # The order links keep the range; the API takes the same parameters and selects the same summits.
    assert 'href="?year_min=2021&amp;year_max=2023&amp;ordering=date"' in page
    api = client.get("/api/v1/summits/?year_min=2021&year_max=2023&ordering=-date&format=json").json()
    assert [row["title_en"] for row in api["results"]] == ["Meeting of 2023", "Meeting of 2022", "Meeting of 2021"]
    # The status facet counts held and planned meetings over the other filters.
    page = client.get("/summits/?year_min=2022").content.decode()
    assert re.search(r'href="\?year_min=2022&amp;status=held">Held <span class="count">2</span>', page)
    assert re.search(r'href="\?year_min=2022&amp;status=planned">Planned <span class="count">1</span>', page)
    assert client.get("/summits/?year_min=soon").status_code == 400


def test_pledges_sort_on_several_keys_as_the_api_does(client, db):
    """The page's `ordering` is the API list's: its fields (not only the columns), several keys repeated or
    comma-separated, a field named twice refused; a column's link sorts by it first, then by the order before."""
    import datetime

    for marker, usd, start in (("P-one", 5, 2020), ("P-two", 5, 2021), ("P-three", 7, 2019), ("P-four", None, 2022)):
        factories.PledgeFactory(
            description_en=marker,
            amount_usd=None if usd is None else Decimal(usd),
            **({"usd_basis": "none"} if usd is None else {}),
            period_start=datetime.date(start, 1, 1),
            period_start_precision="year",
        )

    def page_order(query):
        response = client.get(f"/pledges/?{query}")
        assert response.status_code == 200, query
        return re.findall(r"<p>(P-\w+)</p>", response.content.decode())

    def api_order(query):
        return [row["description_en"] for row in client.get(f"/api/v1/pledges/?{query}").json()["results"]]

    for query in (
        "ordering=-amount_usd,-period_start",
        "ordering=-amount_usd&ordering=-period_start",  # the repeated form: was only the last one
        "ordering=amount_usd,-period_start",
        "ordering=-created_at",  # an API ordering field without a column: was a 400 on the page
        "ordering=id",
    ):
        assert page_order(query) == api_order(query), query
    assert page_order("ordering=-amount_usd&ordering=-period_start") == ["P-three", "P-two", "P-one", "P-four"]
    twice = client.get("/pledges/?ordering=amount_usd,-amount_usd")
    assert twice.status_code == 400 and "cannot sort by -amount_usd" in twice.content.decode()
    # From "period start, newest first", the USD column sorts by USD, then by period start.
    page = client.get("/pledges/?ordering=-period_start").content.decode()
    assert 'href="?ordering=amount_usd%2C-period_start"' in page
    assert 'href="?ordering=period_start"' in page  # the column sorted by: the other way


def test_the_timeline_labels_only_years_with_room_for_their_number():
    """29 years on the axis were labelled every year, 24.5 units apart: one run of overlapping digits on a phone
    and on a desktop. Every year keeps its grid line; labels are at least YEAR_LABEL_UNITS apart."""
    import datetime
    from types import SimpleNamespace

    from apps.site.charts import YEAR_LABEL_UNITS, summit_timeline

    def lanes(*years):
        return [{"partner": None, "dated": [SimpleNamespace(date=datetime.date(y, 6, 1)) for y in years]}]

    wide = summit_timeline(lanes(2000, 2027))
    assert [year for year, _x, _labelled in wide["years"]] == list(range(2000, 2029))  # a grid line each
    labelled = [(year, x) for year, x, is_labelled in wide["years"] if is_labelled]
    assert [year for year, _x in labelled] == list(range(2000, 2029, 2))  # every 2nd: 1 would overlap
    assert all(b[1] - a[1] >= YEAR_LABEL_UNITS for a, b in zip(labelled, labelled[1:]))
    narrow = summit_timeline(lanes(2021, 2025))
    assert all(is_labelled for _year, _x, is_labelled in narrow["years"])  # few years: every one labelled
