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


# Each zone's name as a reader of Russian, Armenian or Azerbaijani sees it: the English
# display name's words in that language's script, both names where the English gives two
# (in the same order), so that no language version names a place by one side's name only.
DISPLAY = {
    "agdam": ("Агдам", "Աղդամ", "Ağdam"),
    "kalbajar": ("Кельбаджар / Карвачар", "Քելբաջար / Քարվաճառ", "Kəlbəcər / Karvaçar"),
    "lachin": ("Лачин / Бердзор", "Լաչին / Բերձոր", "Laçın / Berdzor"),
    "shusha": ("Шуша / Шуши (район)", "Շուշա / Շուշի (շրջան)", "Şuşa / Şuşi (rayon)"),
    "shusha-city": ("Шуша / Шуши (город)", "Շուշա / Շուշի (քաղաք)", "Şuşa / Şuşi (şəhər)"),
    "khojaly": ("Ходжалы / Аскеран", "Խոջալու / Ասկերան", "Xocalı / Əsgəran"),
    "khankendi": ("Ханкенди / Степанакерт", "Խանքենդի / Ստեփանակերտ", "Xankəndi / Stepanakert"),
    "khojavend": ("Ходжавенд / Мартуни", "Խոջավենդ / Մարտունի", "Xocavənd / Martuni"),
    "tartar": ("Тертер", "Թարթառ", "Tərtər"),
    "fuzuli": ("Физули", "Ֆիզուլի", "Füzuli"),
    "jabrayil": ("Джебраил / Джракан", "Ջաբրայիլ / Ջրական", "Cəbrayıl / Crakan"),
    "zangilan": ("Зангилан / Ковсакан", "Զանգելան / Կովսական", "Zəngilan / Kovsakan"),
    "qubadli": ("Кубатлы / Кашуник", "Ղուբաթլու / Քաշունիք", "Qubadlı / Kaşunik"),
    "azerbaijan": ("Азербайджан", "Ադրբեջան", "Azərbaycan"),
    "armenia": ("Армения", "Հայաստան", "Ermənistan"),
    "nk-pre2020": ("Нагорный Карабах, территория, контролировавшаяся до 27 сентября 2020 г. (в пределах линии соприкосновения)",
                   "Լեռնային Ղարաբաղ, մինչև 2020 թ. սեպտեմբերի 27-ը վերահսկվող տարածք (շփման գծի տարածք)",
                   "Dağlıq Qarabağ, 27 sentyabr 2020-ci ilədək nəzarətdə olan ərazi (təmas xətti ərazisi)"),
    "lachin-corridor": ("Лачинский коридор (полоса 5 км)", "Լաչինի միջանցք (5 կմ շերտ)", "Laçın dəhlizi (5 km-lik zolaq)"),
    "nakhchivan-route": ("Транспортное сообщение западных районов Азербайджана с Нахичеванью (долина Аракса)",
                         "Ադրբեջանի արևմտյան շրջանների և Նախիջևանի տրանսպորտային կապ (Արաքսի հովիտ)",
                         "Azərbaycanın qərb rayonları ilə Naxçıvan arasında nəqliyyat əlaqəsi (Araz vadisi)"),
    "az-held-2020": ("Под контролем Азербайджана на момент прекращения огня, в пределах прежней (до 2020 г.) линии соприкосновения (приблизительно)",
                     "Մինչև 2020 թ. գոյություն ունեցած շփման գծի ներսում հրադադարի պահին Ադրբեջանի վերահսկողության տակ գտնվող տարածք (մոտավոր)",
                     "2020-ci ilədək olan təmas xəttinin daxilində atəşkəs anında Azərbaycanın nəzarətində olan ərazi (təxmini)"),
    "peacekeeping-aor": ("Зона ответственности российских миротворцев (приблизительно)",
                         "Ռուս խաղաղապահների պատասխանատվության գոտի (մոտավոր)",
                         "Rusiya sülhməramlılarının məsuliyyət zonası (təxmini)"),
}

# The provinces of the de facto Nagorno-Karabakh Republic (Artsakh), whose names ACLED and
# UCDP rows of the de facto era carry, and the Azerbaijani districts each one overlaps
# (Wikipedia, "Administrative divisions of the Republic of Artsakh" and each province's
# article; see the README). A province spanning several districts makes its name
# ambiguous: the point decides.
DE_FACTO_REGIONS = {
    "Kashatagh": ["lachin", "qubadli", "zangilan"],
    "Shahumyan": ["kalbajar"],
    "Martakert": ["kalbajar", "tartar", "agdam"],
    "Askeran": ["khojaly", "agdam"],
    "Martuni": ["khojavend", "agdam"],
    "Hadrut": ["khojavend", "jabrayil", "fuzuli"],
    "Shushi": ["shusha"],
}
DE_FACTO_SOURCE = ("https://www.liquisearch.com/nagorno_karabakh_republic/administrative_divisions ; "
                   "https://en.wikipedia.org/wiki/Shahumyan_Province ; https://en.wikipedia.org/wiki/Hadrut_Province ; "
                   "https://en.wikipedia.org/wiki/Shushi_(province)")


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
        # NE's coarse rayon outlines cross the border in places (Kornidzor fell in Lachin).
        props["exclude"] = ["armenia"]
        regions = [r for r, zs in DE_FACTO_REGIONS.items() if zid in zs]
        if regions:
            props["de_facto_regions"] = regions
            props["de_facto_source"] = DE_FACTO_SOURCE
        if p.get("fix_note"):
            props["note"] = p["fix_note"]
        feats.append(feature(props, f["geometry"]))
    for f in load("geometry/ne10m_countries_armenia_azerbaijan.geojson")["features"]:
        a3 = f["properties"]["adm0_a3"]
        props = {
            "id": {"AZE": "azerbaijan", "ARM": "armenia"}[a3],
            "name": f["properties"]["name"], "kind": "country",
            "source": NE + "; union of the country's admin-1 polygons",
        }
        geometry = f["geometry"]
        if a3 == "ARM":
            # NE 1:10m draws the border west of Kornidzor, an Armenian village (GeoNames
            # country AM) facing the Hakari bridge; here the border follows the Hakari river
            # east of the village instead (approximate, see the README).
            props["note"] = "Corrected near Kornidzor: the strip between NE's line and the Hakari river is Armenian."
            polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
            strip = [[46.515, 39.525], [46.545, 39.525], [46.545, 39.570], [46.515, 39.570], [46.515, 39.525]]
            geometry = {"type": "MultiPolygon", "coordinates": polys + [[strip]]}
        else:
            props["exclude"] = ["armenia"]
        feats.append(feature(props, geometry))
    brk = load("geometry/ne10m_nagorno_karabakh_breakaway_area_pre2020.geojson")["features"][0]
    feats.append(feature({
        "id": "nk-pre2020", "name": "Nagorno-Karabakh, area held before 27 Sep 2020 (line-of-contact area)",
        "kind": "line-of-contact-area",
        "source": NE + "; Admin-0 breakaway and disputed areas, BRK_A3=B38",
        "note": "Approximates the area inside the pre-2020 line of contact; it is not the Soviet NKAO outline, which no open source provided.",
        "exclude": ["armenia"],
    }, brk["geometry"]))

    def pt(key):
        p = places[key]
        return [float(p["lon"]), float(p["lat"])]

    # Points not in the gazetteer, each with the page that gives it (lon, lat). See the
    # agreement's README for what each line rests on and how far it may be off.
    zabukh = [46.543, 39.590]      # Zabukh / Aghavno: it.qaz.wiki/wiki/Zabux
    yeghtsahogh = [46.588, 39.677]  # Sarybaba / Yeghtsahogh, on the old road (Wikipedia "Yeghtsahogh")
    mets_shen = [46.602, 39.658]   # Boyuk Galadarasi / Mets Shen (Wikipedia, ru)
    # Assumed: the bypass runs about a dozen km south of the old road (azatutyun.am/a/32001187.html)
    # through Mets Shen and Hin Shen (caucasianknot.org/articles/60993). The bend south of Mets
    # Shen is drawn here; Hin Shen (39.637 N, 46.603 E, Wikipedia) lies within 100 m of the
    # line from the bend to Mets Shen.
    bypass_bend = [46.605, 39.600]
    # Assumed: the Hakari bridge, where the bypass crosses into Armenia, just east of Kornidzor,
    # from which the checkpoint set up there in April 2023 is seen (news.am/eng/news/756701.html).
    hakari_bridge = [46.548, 39.545]
    corridor_common = {
        "id": "lachin-corridor", "name": "Lachin corridor (5 km band)", "kind": "corridor",
        "buffer_m": 2500, "exclude": ["armenia", "shusha-city", "khankendi"],
    }
    old_road = [pt("kornidzor"), zabukh, pt("lachin"), yeghtsahogh, pt("turshsu"), pt("khankendi")]
    feats.append(feature(dict(corridor_common, **{
        "valid_from": "2020-11-10", "valid_to": "2022-08-26",
        "route": "the Goris-Stepanakert road through Lachin town, Zabukh and Lisagor",
        "source": "drawn for Truce: polyline through Kornidzor, Zabukh, Lachin, Yeghtsahogh, Turshsu (Lisagor) "
                  "and Khankendi (places.csv and the pages cited in build.py), buffered 2.5 km either side in Rust "
                  "at load time, without Armenian territory, Shusha city (statement point 6) or Khankendi city",
        "note": "In force from the statement until Azerbaijan took over Lachin town, Zabukh and Sus on 26 Aug 2022 "
                "(azernews.az/nation/198529.html). The real road bends between these points; the band approximates "
                "the corridor, not its surveyed edge.",
    }), {"type": "LineString", "coordinates": old_road}))
    feats.append(feature(dict(corridor_common, **{
        "valid_from": "2022-08-26", "valid_to": "2024-06-12",
        "route": "the bypass road south of Lachin town, through Mets Shen and Hin Shen to the Hakari bridge",
        "source": "drawn for Truce: polyline from Kornidzor over the Hakari bridge (approximate), south of Lachin town "
                  "through Mets Shen to the old road near Yeghtsahogh, then as before to Khankendi; buffered as the "
                  "first version",
        "note": "Traffic moved to the bypass at 20:00 on 30 Aug 2022 (massispost.com, 2022-08-30); the temporary link "
                "through Armenian territory was replaced by the Kornidzor-Hin Shen road on 1 Apr 2023 "
                "(karabakhspace.commonspace.eu), a change inside this band's error. The version ends when the "
                "Russian contingent's withdrawal was reported complete, 12 Jun 2024 (kyivindependent.com).",
    }), {"type": "LineString", "coordinates": [pt("kornidzor"), hakari_bridge, bypass_bend, mets_shen, yeghtsahogh,
                                               pt("turshsu"), pt("khankendi")]}))
    route_keys = ["gn-148003", "gn-147504", "meghri", "gn-147368", "gn-148251"]
    feats.append(feature({
        "id": "nakhchivan-route", "name": "Western regions of Azerbaijan - Nakhchivan transport link (Araks valley)", "kind": "route",
        "buffer_m": 2500,
        "line_through": route_keys,
        "source": "drawn for Truce: polyline through the GeoNames points of Horadiz, Mincivan, Meghri, Ordubad and Julfa "
                  "(places.csv), the stations of the Soviet-era railway along the Araks; buffered 2.5 km in Rust at load time",
        "note": "Statement point 9 names no route; this is the historical rail alignment discussed by the working group, drawn coarsely.",
    }, {"type": "LineString", "coordinates": [pt(k) for k in route_keys]}))
    # Inside the pre-2020 line, what Azerbaijan held at the ceasefire: the south (Hadrut and
    # the villages up to Karin Tak, Sghnakh, upper Taghavard, Mets Tagher, Azokh and Tugh, all
    # announced taken by 9 Nov 2020) and the north (Talish and Madagiz, 3 Oct 2020). Drawn
    # by hand between villages known to be on either side; see the README.
    south_line = [
        [46.700, 39.750], [46.775, 39.752],  # north of Karin Tak / Dashalty (Az)
        [46.815, 39.737],                    # north of Sghnakh (Az); Shosh (Arm) stays outside
        [46.870, 39.700],                    # Avetaranots side (Arm) outside
        [46.915, 39.668],                    # through Taghavard (split village)
        [46.960, 39.638],                    # north of Mets Tagher (Az); Skhtorashen (Arm) outside
        [47.000, 39.636],                    # north-east of Azokh (Az)
        [47.060, 39.612],                    # toward the pre-2020 line; Machkalashen (Arm) outside
        [47.250, 39.560],
    ]
    south = south_line + [[47.250, 39.250], [46.600, 39.250], [46.600, 39.750], [46.700, 39.750]]
    # The Khtsaberd / Hin Tagher pocket (Wikipedia "Khtsaberd", "Hin Tagher"), held by Armenian
    # forces at the ceasefire and taken on 11-12 Dec 2020 (hyetert.org, 2020-12-12).
    pocket = [[46.745, 39.530], [46.790, 39.570], [46.850, 39.530], [46.845, 39.490], [46.795, 39.485], [46.745, 39.530]]
    north = [[46.660, 40.420], [46.830, 40.420], [46.830, 40.300], [46.700, 40.300], [46.660, 40.340], [46.660, 40.420]]
    held_common = {
        "id": "az-held-2020", "kind": "other",
        "name": "Held by Azerbaijan inside the pre-2020 line at the ceasefire (approximate)",
        "source": "drawn for Truce between villages whose side at the ceasefire is stated by the pages cited in build.py",
        "note": "An approximation of the line of 10 Nov 2020 between known villages, expected to be off by up to 3-5 km; "
                "no open map of the line was found. Clipped to the pre-2020 area when the area of responsibility is derived.",
    }
    feats.append(feature(dict(held_common, **{"valid_from": "2020-11-10", "valid_to": "2020-12-12"}),
                         {"type": "MultiPolygon", "coordinates": [[south + [], pocket[::-1]], [north]]}))
    feats.append(feature(dict(held_common, **{"valid_from": "2020-12-12", "valid_to": "2023-09-20"}),
                         {"type": "MultiPolygon", "coordinates": [[south], [north]]}))
    aor = {
        "id": "peacekeeping-aor", "name": "Russian peacekeeping area of responsibility (approximate)",
        "kind": "area-of-responsibility",
        "derive": {"base": "nk-pre2020",
                   "minus": ["agdam", "kalbajar", "lachin", "shusha", "shusha-city", "fuzuli", "jabrayil", "zangilan",
                             "qubadli", "az-held-2020", "armenia"],
                   "plus": ["lachin-corridor"]},
        "source": "derived in Rust at load time from the zones named in 'derive', each as in force when the version begins",
        "note": "The pre-2020 area less the districts returned or taken in 2020 and what Azerbaijan held inside the line "
                "at the ceasefire, plus the corridor; never Armenian territory. Villages of Shusha district that stayed "
                "under the peacekeepers (Mets Shen, Hin Shen) are included only once the corridor band runs through them.",
    }
    for frm, to, why in [
        ("2020-11-10", "2020-12-12", "at the ceasefire"),
        ("2020-12-12", "2022-08-26", "without the Khtsaberd / Hin Tagher pocket, taken on 11-12 Dec 2020"),
        ("2022-08-26", "2024-06-12", "with the corridor on the bypass road; ends when the withdrawal was reported complete"),
    ]:
        feats.append(feature(dict(aor, valid_from=frm, valid_to=to, version=why), None))
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
    # Places neither source lists, each with where its position and names come from.
    # The Hakari bridge: where the Kornidzor road crosses the Hakari, which is the
    # Armenia-Azerbaijan border there (Azerbaijani Defence Ministry, quoted at
    # i-hls.com/archives/119066), so its point is the road's border point; Azerbaijan's
    # State Border Service set up its checkpoint there on 23 Apr 2023.
    out["hakari-bridge"] = {
        "id": "hakari-bridge", "display": "Hakari bridge (Lachin road checkpoint)",
        "name_az": "Həkəri körpüsü", "name_hy": "Հակարիի կամուրջ", "name_hy_latn": "",
        "names_ru": ["мост Хакари"], "other_variants": ["Hakari bridge", "Hakari Bridge"],
        "lat": "39.56553", "lon": "46.57077", "country": "AZ", "admin_zone": "",
        "geonameid": "", "population": "",
        "source": "the border point of the Goris-Kornidzor road, waypoint ARM/AZE of TravelMapping HighwayData "
                  "hwy_data/ARM/armm/arm.m009.wpt (from OpenStreetMap; tens of metres); names: metbuat.az/news/1470879 (az), "
                  "wikimapia.org/42088984 (hy), clubfactov.ru 2023-04-23 (ru)",
        "notes": "bridge over the Hakari at the start of the Lachin road; Azerbaijani border checkpoint from 23 Apr 2023",
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
    for f in zones["features"]:
        names = DISPLAY.get(f["properties"]["id"])
        if names:
            f["properties"].update(zip(("display_ru", "display_hy", "display_az"), names))
    with open(os.path.join(OUT, "zones.geojson"), "w", encoding="utf-8") as f:
        json.dump(zones, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(places)} places, {len(zones['features'])} zones", file=sys.stderr)


if __name__ == "__main__":
    main()
