#!/usr/bin/env python3
"""Rebuild zones.geojson and places.csv of the nk-2020 agreement from the files in sources/.

Run from anywhere: python3 agreements/nk-2020/sources/build.py
Uses the standard library only. The output is deterministic; CI checks that the committed
files match a fresh run (see crates/truce/tests/it/data.rs).
"""
import csv, io, json, math, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
NE = "Natural Earth 1:10m (public domain) via shared geometry set; see sources/geometry/README.md"

# Zone id, NE adm1_code, kind, display name, part_of
DISTRICTS = [
    ("agdam", "AZE-1691", "district", "Agdam / Aghdam", None),
    ("kalbajar", "AZE-1682", "district", "Kalbajar / Karvachar", None),
    ("lachin", "AZE-1735", "district", "Lachin / Berdzor", None),
    ("shusha", "AZE-1737", "district", "Shusha / Shushi (district)", None),
    ("shusha-city", "AZE-5565", "city", "Shusha / Shushi (city)", "shusha"),
    ("khojaly", "AZE-1739", "district", "Khojaly / Askeran", None),
    ("khankendi", "AZE-4838", "city", "Khankendi / Stepanakert", None),
    ("khojavend", "AZE-1734", "district", "Khojavend / Martuni", None),
    ("tartar", "AZE-1738", "district", "Tartar", None),
    ("fuzuli", "AZE-1702", "district", "Fuzuli", None),
    ("jabrayil", "AZE-1699", "district", "Jabrayil / Jrakan", None),
    ("zangilan", "AZE-1740", "district", "Zangilan / Kovsakan", None),
    ("qubadli", "AZE-1736", "district", "Qubadli / Kashunik", None),
]


def load(path):
    with open(os.path.join(HERE, path), encoding="utf-8") as f:
        return json.load(f)


def read_csv(path):
    with open(os.path.join(HERE, path), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def feature(props, geometry):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def build_zones(places):
    feats = []
    districts = {f["properties"]["adm1_code"]: f for f in load("geometry/ne10m_karabakh_related_districts.geojson")["features"]}
    for zid, code, kind, name, part_of in DISTRICTS:
        f = districts[code]
        p = f["properties"]
        props = {
            "id": zid, "name": name, "kind": kind,
            "name_az": p["name_fixed"], "name_en": p["name_en_fixed"], "name_ru": p.get("name_ru"),
            "iso_3166_2": p["iso_3166_2_fixed"], "ne_adm1_code": code,
            "source": NE,
        }
        if part_of:
            props["part_of"] = part_of
        if p.get("fix_note"):
            props["note"] = p["fix_note"]
        feats.append(feature(props, f["geometry"]))
    for f in load("geometry/ne10m_countries_armenia_azerbaijan.geojson")["features"]:
        a3 = f["properties"]["adm0_a3"]
        feats.append(feature({
            "id": {"AZE": "azerbaijan", "ARM": "armenia"}[a3],
            "name": f["properties"]["name"], "kind": "country",
            "source": NE + "; union of the country's admin-1 polygons",
        }, f["geometry"]))
    brk = load("geometry/ne10m_nagorno_karabakh_breakaway_area_pre2020.geojson")["features"][0]
    feats.append(feature({
        "id": "nk-pre2020", "name": "Nagorno-Karabakh, area held before 27 Sep 2020 (line-of-contact area)",
        "kind": "line-of-contact-area",
        "source": NE + "; Admin-0 breakaway and disputed areas, BRK_A3=B38",
        "note": "Approximates the area inside the pre-2020 line of contact; it is not the Soviet NKAO outline, which no open source provided.",
    }, brk["geometry"]))

    def pt(key):
        p = places[key]
        return [float(p["lon"]), float(p["lat"])]

    corridor_keys = ["goris", "kornidzor", "lachin", "turshsu", "khankendi"]
    feats.append(feature({
        "id": "lachin-corridor", "name": "Lachin corridor (5 km band)", "kind": "corridor",
        "buffer_m": 2500, "exclude": ["shusha-city"],
        "line_through": corridor_keys,
        "source": "drawn for Truce: polyline through the GeoNames points of " + ", ".join(corridor_keys)
                  + " (places.csv), buffered 2.5 km either side in Rust at load time; Shusha city removed (statement point 6)",
        "note": "The real road bends between these towns; the band is an approximation of the corridor, not its surveyed edge.",
    }, {"type": "LineString", "coordinates": [pt(k) for k in corridor_keys]}))
    route_keys = ["gn-148003", "gn-147504", "meghri", "gn-147368", "gn-148251"]
    feats.append(feature({
        "id": "nakhchivan-route", "name": "Western Azerbaijan - Nakhchivan transport link (Araks valley)", "kind": "route",
        "buffer_m": 2500,
        "line_through": route_keys,
        "source": "drawn for Truce: polyline through the GeoNames points of Horadiz, Mincivan, Meghri, Ordubad and Julfa "
                  "(places.csv), the stations of the Soviet-era railway along the Araks; buffered 2.5 km in Rust at load time",
        "note": "Statement point 9 names no route; this is the historical rail alignment discussed by the working group, drawn coarsely.",
    }, {"type": "LineString", "coordinates": [pt(k) for k in route_keys]}))
    feats.append(feature({
        "id": "peacekeeping-aor", "name": "Russian peacekeeping area of responsibility (approximate)",
        "kind": "area-of-responsibility",
        "derive": {"base": "nk-pre2020",
                   "minus": ["agdam", "kalbajar", "lachin", "shusha", "fuzuli", "jabrayil", "zangilan", "qubadli"],
                   "plus": ["lachin-corridor"]},
        "source": "derived in Rust at load time from the zones named in 'derive'",
        "note": "Coarse proxy: the pre-2020 area less the districts returned or taken in 2020, plus the corridor. Hadrut (Khojavend) and parts of Shusha district are not separated at this resolution.",
    }, None))
    return {"type": "FeatureCollection", "features": feats}


def split(s):
    return [v for v in (s or "").split("|") if v]


def build_places():
    key_rows = read_csv("gazetteer/key_places_bilingual.csv")
    gn_rows = read_csv("gazetteer/geonames_places_karabakh_region.csv")
    seats = {r["town_key_in_key_places_bilingual"]: r["key"] for r in read_csv("gazetteer/districts_iso3166_2.csv")}
    by_gn = {r["geonameid"]: r for r in gn_rows if r["geonameid"]}
    used = set()
    out = {}
    for r in key_rows:
        gn = by_gn.get(r["geonameid"])
        others = split(r["other_variants"])
        if gn:
            used.add(id(gn))
            others += split(gn["variants_latin"]) + split(gn["variants_armenian_script"])
        names_ru = split(r["names_ru"]) + (split(gn["variants_cyrillic"]) if gn else [])
        out[r["key"]] = {
            "id": r["key"], "display": r["name_en"], "name_az": r["name_az"], "name_hy": r["name_hy"],
            "name_hy_latn": r["name_hy_romanized"], "names_ru": names_ru, "other_variants": others,
            "lat": r["lat"], "lon": r["lon"],
            "country": gn["country"] if gn else ("AM" if r["key"] in ("goris", "kornidzor") else "AZ"),
            "admin_zone": seats.get(r["key"], ""), "geonameid": r["geonameid"],
            "population": gn["population"] if gn else "",
            "source": r["coord_source"], "notes": r["notes"],
        }
    # GeoNames rows without an id (cities1000) that duplicate a curated place within 5 km.
    def near(a, b):
        dy = (float(a["lat"]) - float(b["lat"])) * 111.2
        dx = (float(a["lon"]) - float(b["lon"])) * 111.2 * math.cos(math.radians(float(a["lat"])))
        return math.hypot(dx, dy) < 5.0
    for r in gn_rows:
        if id(r) in used:
            continue
        if not r["geonameid"]:
            dup = [p for p in out.values() if near(p, r) and r["name"].lower() in
                   [v.lower() for v in [p["name_hy_latn"], p["name_az"]] + p["other_variants"]]]
            if dup:
                continue
            pid = "gn1000-" + re.sub(r"[^a-z0-9]+", "-", r["name"].lower()).strip("-") + "-" + r["country"].lower()
        else:
            pid = "gn-" + r["geonameid"]
        out[pid] = {
            "id": pid, "display": r["name"], "name_az": r["name"] if r["country"] == "AZ" else "",
            "name_hy": "|".join(split(r["variants_armenian_script"])), "name_hy_latn": r["name"] if r["country"] == "AM" else "",
            "names_ru": split(r["variants_cyrillic"]), "other_variants": split(r["variants_latin"]),
            "lat": r["lat"], "lon": r["lon"], "country": r["country"], "admin_zone": "",
            "geonameid": r["geonameid"], "population": r["population"], "source": r["source"], "notes": "",
        }
    return out


def dedup(vals):
    seen, res = set(), []
    for v in vals:
        if v and v not in seen:
            seen.add(v)
            res.append(v)
    return res


def main():
    places = build_places()
    cols = ["id", "display", "name_az", "name_hy", "name_hy_latn", "names_ru", "other_variants", "lat", "lon",
            "country", "admin_zone", "geonameid", "population", "source", "notes"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for p in places.values():
        row = dict(p)
        row["names_ru"] = "|".join(dedup(p["names_ru"]))
        row["other_variants"] = "|".join(dedup(p["other_variants"]))
        w.writerow([row[c] for c in cols])
    with open(os.path.join(OUT, "places.csv"), "w", encoding="utf-8") as f:
        f.write(buf.getvalue())
    zones = build_zones(places)
    with open(os.path.join(OUT, "zones.geojson"), "w", encoding="utf-8") as f:
        json.dump(zones, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(places)} places, {len(zones['features'])} zones", file=sys.stderr)


if __name__ == "__main__":
    main()
