"""/api/v1/'s resolver keeps its matches (apps.core.api.router.KeptMatchesResolver): every API route resolves to
what Django's own URLResolver over the same patterns resolves it to, the first time and from what was kept; a path
that matches nothing raises as before and is not kept."""

import pytest
from django.urls import NoReverseMatch, Resolver404, reverse
from django.urls.resolvers import RegexPattern, URLPattern, URLResolver

import catrack.urls
from apps.core.api.router import KeptMatchesResolver

# A value for each named group of the router's regexes (the API root's format suffix keeps its dot).
SAMPLES = ({"pk": "17", "slug": "kazakhstan", "history_id": "4", "format": "json"}, {"format": ".json"})


def _plain_urlconf(patterns):
    """catrack.urls' patterns with each KeptMatchesResolver replaced by Django's URLResolver of the same pattern,
    patterns, app name and namespace."""
    return [
        URLResolver(p.pattern, p.url_patterns, p.default_kwargs, p.app_name, p.namespace)
        if isinstance(p, KeptMatchesResolver)
        else p
        for p in patterns
    ]


def _api_paths():
    (api,) = [p for p in catrack.urls.urlpatterns if isinstance(p, KeptMatchesResolver)]
    paths = set()

    def walk(resolver, prefix):
        for p in resolver.url_patterns:
            if isinstance(p, URLPattern) and p.name:
                groups = p.pattern.regex.groupindex
                for sample in SAMPLES:
                    try:
                        paths.add(reverse(f"{prefix}{p.name}", kwargs={g: sample[g] for g in groups}))
                    except (KeyError, NoReverseMatch):
                        continue
            elif isinstance(p, URLResolver):
                walk(p, prefix + (f"{p.namespace}:" if p.namespace else ""))

    walk(api, "")
    return sorted(paths)


def _described(match):
    return (
        match.func,
        match.args,
        match.kwargs,
        match.url_name,
        match.app_names,
        match.namespaces,
        match.route,
        match.captured_kwargs,
        match.extra_kwargs,
        [[str(p.pattern) for p in tried] for tried in match.tried],
    )


API_PATHS = _api_paths()


def test_every_api_route_is_listed():
    assert len(API_PATHS) > 100 and "/api/v1/trade-flows/" in API_PATHS and "/api/v1/trade-flows/17/" in API_PATHS


@pytest.mark.parametrize("path", [*API_PATHS, "/api/v1/trade-flows/?ignored", "/api/v1/trade-flows.csv"])
def test_matches_are_djangos_own_first_and_kept(path):
    path = path.split("?")[0]
    kept = URLResolver(RegexPattern(r"^/"), catrack.urls.urlpatterns)
    plain = URLResolver(RegexPattern(r"^/"), _plain_urlconf(catrack.urls.urlpatterns))
    expected = _described(plain.resolve(path))
    assert _described(kept.resolve(path)) == expected
    assert _described(kept.resolve(path)) == expected  # now from what was kept


def test_each_request_gets_its_own_match():
    (api,) = [p for p in catrack.urls.urlpatterns if isinstance(p, KeptMatchesResolver)]
    (plain,) = _plain_urlconf([api])
    expected = _described(plain.resolve("api/v1/summits/17/"))
    first = api.resolve("api/v1/summits/17/")
    for changed in (first.kwargs, first.captured_kwargs, first.extra_kwargs):
        changed["pk"] = "18"
    for changed in (first.app_names, first.namespaces, first.tried, first.tried[0]):
        changed.append("changed")
    assert _described(api.resolve("api/v1/summits/17/")) == expected


@pytest.mark.parametrize("path", ["api/v1/no-such-list/", "api/v1/summits/17/nothing/", "api/v1/summits", "site/"])
def test_a_path_that_matches_nothing_raises_every_time(path):
    # Under the root these paths reach api_not_found (or the site); the API's own resolver raises for them.
    (kept,) = [p for p in catrack.urls.urlpatterns if isinstance(p, KeptMatchesResolver)]
    (plain,) = _plain_urlconf([kept])
    for _ in range(2):
        with pytest.raises(Resolver404) as raised:
            kept.resolve(path)
        with pytest.raises(Resolver404) as expected:
            plain.resolve(path)
        assert raised.value.args[0].keys() == expected.value.args[0].keys()
        tried = [[str(p.pattern) for p in t] for t in raised.value.args[0].get("tried", [])]
        assert tried == [[str(p.pattern) for p in t] for t in expected.value.args[0].get("tried", [])]
