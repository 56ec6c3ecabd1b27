"""OWSLib (Debian's python3-owslib) reads Truce's OGC API - Features unchanged.

Usage: /usr/bin/python3 web/tests/owslib_check.py http://127.0.0.1:PORT/ogc/nk-2020
Exits 1 with the reason when a check fails.
"""

import sys

from owslib.ogcapi.features import Features


def main(url: str) -> None:
    api = Features(url)
    classes = api.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes, classes
    ids = [c["id"] for c in api.collections()["collections"]]
    assert ids == ["incidents", "zones", "places", "observation-posts", "checkpoints"], ids
    page = api.collection_items("incidents", limit=2)
    assert page["numberReturned"] == 2 and page["numberMatched"] == 11, page
    assert any(link["rel"] == "next" for link in page["links"]), page["links"]
    lachin = api.collection_items("incidents", bbox=[46.5, 39.6, 46.6, 39.7])
    # Named by the gazetteer's two names; the reporter's spelling kept as reported.
    assert [f["properties"]["place"] for f in lachin["features"]] == ["Lachin / Berdzor", "Lachin / Berdzor"], lachin
    assert [f["properties"]["place_as_reported"] for f in lachin["features"]] == ["Lachin", "Lachin"], lachin
    zone = api.collection_item("zones", "lachin-corridor")
    assert zone["properties"]["kind"] == "corridor", zone["properties"]
    queryables = api.collection_queryables("incidents")
    assert "confirmed" in queryables["properties"]["status"]["enum"], queryables
    # The API's own description, found through the landing page's service-desc link.
    doc = api.api()
    assert str(doc.get("openapi", "")).startswith("3"), list(doc)[:5]
    assert any(p.startswith("/ogc/") for p in doc["paths"]), list(doc["paths"])[:5]


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except AssertionError as e:
        print(f"OWSLib check failed: {e}", file=sys.stderr)
        sys.exit(1)
