use crate::nk2020;

/// A point `east_m` metres east and `north_m` metres north of (lon, lat).
fn offset(lon: f64, lat: f64, east_m: f64, north_m: f64) -> (f64, f64) {
    (
        lon + east_m / (111_320.0 * lat.to_radians().cos()),
        lat + north_m / 110_574.0,
    )
}

#[test]
fn all_expected_zones_are_present_with_plausible_areas() {
    let z = nk2020().zones;
    for id in [
        "agdam",
        "kalbajar",
        "lachin",
        "shusha",
        "shusha-city",
        "khankendi",
        "nk-pre2020",
        "lachin-corridor",
        "peacekeeping-aor",
        "nakhchivan-route",
        "armenia",
        "azerbaijan",
    ] {
        assert!(z.get(id).is_some(), "zone {id}");
    }
    let area = |id: &str| z.get(id).map(|x| x.area_km2).unwrap_or_default();
    // Natural Earth districts, as documented in sources/geometry/README.md.
    assert!(
        (area("kalbajar") - 2771.0).abs() < 30.0,
        "{}",
        area("kalbajar")
    );
    assert!((area("lachin") - 1764.0).abs() < 30.0, "{}", area("lachin"));
    assert!((area("agdam") - 1068.0).abs() < 20.0, "{}", area("agdam"));
    assert!(
        area("armenia") > 28_000.0 && area("armenia") < 31_000.0,
        "{}",
        area("armenia")
    );
}

fn day(s: &str) -> jiff::civil::Date {
    s.parse().expect("date")
}

#[test]
fn the_lachin_corridor_is_a_five_kilometre_band_along_the_road() {
    let z = nk2020().zones;
    let on = day("2021-06-01");
    // Midway between Lachin town and Yeghtsahogh, on the drawn line of the old road.
    let (lon, lat) = ((46.54977 + 46.588) / 2.0, (39.63742 + 39.677) / 2.0);
    assert!(z.containing_on(lon, lat, on).contains(&"lachin-corridor"));
    // The segment runs roughly north-east, so north-west is across it.
    let across = |d: f64| offset(lon, lat, -d * 0.72, d * 0.69);
    let (a, b) = across(2_000.0);
    assert!(
        z.containing_on(a, b, on).contains(&"lachin-corridor"),
        "2 km off the road is inside"
    );
    let (a, b) = across(3_000.0);
    assert!(
        !z.containing_on(a, b, on).contains(&"lachin-corridor"),
        "3 km off the road is outside"
    );
    for version in z.versions("lachin-corridor") {
        // About 5 km wide and 40-odd km long on Azerbaijani soil.
        assert!(
            (150.0..350.0).contains(&version.area_km2),
            "{}: {}",
            version.period(),
            version.area_km2
        );
    }
}

/// (gazetteer place, day, zones it must lie in, zones it must not lie in)
type Expect = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

#[test]
fn named_places_fall_in_the_zones_the_record_puts_them_in_on_each_date() {
    let b = nk2020();
    let corridor_aor: &[&str] = &["lachin-corridor", "peacekeeping-aor"];
    let table: &[Expect] = &[
        // Armenian towns on the road to the corridor: Armenia only, never the corridor or
        // the peacekeepers' area, whatever the date.
        (
            "goris",
            "2021-06-01",
            &["armenia"],
            &[
                "lachin-corridor",
                "peacekeeping-aor",
                "azerbaijan",
                "lachin",
            ],
        ),
        (
            "tegh",
            "2021-06-01",
            &["armenia"],
            &[
                "lachin-corridor",
                "peacekeeping-aor",
                "azerbaijan",
                "lachin",
            ],
        ),
        (
            "kornidzor",
            "2021-06-01",
            &["armenia"],
            &[
                "lachin-corridor",
                "peacekeeping-aor",
                "azerbaijan",
                "lachin",
            ],
        ),
        (
            "kornidzor",
            "2023-06-01",
            &["armenia"],
            &["lachin-corridor", "peacekeeping-aor", "lachin"],
        ),
        // Stepanakert / Khankendi: in the peacekeepers' area, not in the corridor.
        (
            "khankendi",
            "2021-06-01",
            &["khankendi", "peacekeeping-aor"],
            &["lachin-corridor"],
        ),
        (
            "khankendi",
            "2023-01-01",
            &["khankendi", "peacekeeping-aor"],
            &["lachin-corridor"],
        ),
        // Lachin town: on the corridor until Azerbaijan took it over on 26 Aug 2022.
        ("lachin", "2021-06-01", corridor_aor, &[]),
        ("lachin", "2022-08-25", corridor_aor, &[]),
        // (Natural Earth's coarse outline puts the town in Shusha district: README.)
        ("lachin", "2022-08-26", &["azerbaijan"], corridor_aor),
        ("lachin", "2023-06-01", &["azerbaijan"], corridor_aor),
        // Shusha: held by Azerbaijan at the ceasefire, never the peacekeepers' area.
        ("shusha", "2020-11-10", &["shusha"], corridor_aor),
        ("shusha", "2022-09-01", &["shusha"], corridor_aor),
        // Hadrut: taken in October 2020, never the peacekeepers' area.
        (
            "hadrut",
            "2021-06-01",
            &["khojavend", "az-held-2020"],
            &["peacekeeping-aor"],
        ),
        // Martuni / Khojavend town stayed with the peacekeepers.
        (
            "khojavend",
            "2021-06-01",
            &["peacekeeping-aor"],
            &["az-held-2020"],
        ),
        // Madagiz / Sugovushan was taken on 3 Oct 2020.
        (
            "sugovushan",
            "2021-06-01",
            &["az-held-2020"],
            &["peacekeeping-aor"],
        ),
        // Before the statement there was no corridor and no area of responsibility.
        ("lachin", "2020-11-01", &["azerbaijan"], corridor_aor),
        // After the contingent left, neither exists.
        ("khankendi", "2024-07-01", &["khankendi"], corridor_aor),
    ];
    let mut wrong = Vec::new();
    for (place, on, must, must_not) in table {
        let p = b
            .gazetteer
            .get(place)
            .unwrap_or_else(|| panic!("no place {place}"));
        let got = b.zones.containing_on(p.lon, p.lat, day(on));
        for z in *must {
            if !got.contains(z) {
                wrong.push(format!("{place} on {on} must be in {z}: {got:?}"));
            }
        }
        for z in *must_not {
            if got.contains(z) {
                wrong.push(format!("{place} on {on} must not be in {z}: {got:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_version_of_a_zone_is_drawn_from_the_versions_in_force_when_it_begins() {
    let b = nk2020();
    let z = &b.zones;
    // Near Zabukh, on the old road: in the first corridor and first area, not the later.
    let zabukh = (46.543, 39.590);
    let old = z.containing_on(zabukh.0, zabukh.1, day("2021-01-01"));
    let new = z.containing_on(zabukh.0, zabukh.1, day("2023-01-01"));
    assert!(
        old.contains(&"lachin-corridor") && old.contains(&"peacekeeping-aor"),
        "{old:?}"
    );
    assert!(
        !new.contains(&"lachin-corridor") && !new.contains(&"peacekeeping-aor"),
        "{new:?}"
    );
    // Mets Shen, on the bypass: in the later corridor only.
    let mets_shen = (46.602, 39.658);
    let on = |d: &str| z.containing_on(mets_shen.0, mets_shen.1, day(d));
    assert!(
        on("2023-01-01").contains(&"lachin-corridor"),
        "{:?}",
        on("2023-01-01")
    );
    // The Khtsaberd / Hin Tagher pocket: peacekeepers' until 12 Dec 2020, then not.
    let pocket = (46.771, 39.546);
    let at = |d: &str| z.containing_on(pocket.0, pocket.1, day(d));
    assert!(
        at("2020-12-01").contains(&"peacekeeping-aor"),
        "{:?}",
        at("2020-12-01")
    );
    assert!(
        !at("2020-12-12").contains(&"peacekeeping-aor"),
        "{:?}",
        at("2020-12-12")
    );
    // Every version of the area lies wholly outside Armenia.
    let table = z.to_geojson();
    let versions = table["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| f["properties"]["id"] == "peacekeeping-aor")
        .count();
    assert_eq!(versions, 3);
    // A dateless question is answered with the latest version.
    assert_eq!(
        z.get("lachin-corridor").and_then(|c| c.valid_from),
        Some(day("2022-08-26"))
    );
}

#[test]
fn zones_classify_known_towns() {
    let z = nk2020().zones;
    let at = |lon: f64, lat: f64| z.containing_on(lon, lat, day("2021-06-01"));
    // Agdam and Kalbajar towns were handed over: outside the peacekeepers' area.
    assert!(!at(46.92736, 39.99096).contains(&"peacekeeping-aor"));
    assert!(at(46.92736, 39.99096).contains(&"agdam"));
    assert!(!at(46.04446, 40.10984).contains(&"peacekeeping-aor"));
    // The Nakhchivan link runs through Meghri and Ordubad.
    assert!(at(46.24308, 38.90123).contains(&"nakhchivan-route"));
    assert!(at(46.02274, 38.90961).contains(&"nakhchivan-route"));
    // Baku is in no zone but Azerbaijan.
    assert_eq!(at(49.8671, 40.4093), ["azerbaijan"]);
}

#[test]
fn zones_export_as_geojson_with_resolved_geometry() {
    let z = nk2020().zones;
    let fc = z.to_geojson();
    let features = fc["features"].as_array().expect("features");
    assert_eq!(features.len(), z.zones().len());
    let corridor = features
        .iter()
        .find(|f| f["id"] == "lachin-corridor@2020-11-10")
        .expect("corridor");
    assert_eq!(corridor["properties"]["valid_to"], "2022-08-26");
    assert_eq!(corridor["geometry"]["type"], "MultiPolygon");
    assert_eq!(corridor["properties"]["kind"], "corridor");
    assert!(
        corridor["properties"]["source"]
            .as_str()
            .is_some_and(|s| s.contains("buffered"))
    );
}

#[test]
fn an_uncertain_point_near_an_edge_is_possibly_in_and_a_far_one_is_in_or_out() {
    use truce_model::diag::SourceFile;
    use truce_model::report::Location;
    use truce_model::zones::ZoneSet;
    // A square zone from 46° to 47° E; points east of its west edge (inside) and west of
    // it (outside) at known distances, on its middle latitude.
    let file = SourceFile::new(
        "square.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"square","kind":"other"},
            "geometry":{"type":"Polygon","coordinates":[[[46,40],[47,40],[47,41],[46,41],[46,40]]]}}]}"#,
    );
    let z = ZoneSet::parse(&file).expect("zones");
    let on = day("2021-01-01");
    let lat = 40.5;
    let m_per_lon = 111_320.0 * f64::to_radians(lat).cos();
    let at = |east_of_edge_m: f64, precision: u8| {
        let p = z.placing_on(
            46.0 + east_of_edge_m / m_per_lon,
            lat,
            Location::edge_radius_m(precision),
            on,
        );
        let word = if p.certain.contains(&"square") {
            "in"
        } else if p.possible.contains(&"square") {
            "possibly in"
        } else {
            "out"
        };
        word.to_owned()
    };
    // (metres east of the edge, precision, expected)
    let table: &[(f64, u8, &str)] = &[
        (600.0, 1, "in"),          // an exact place 600 m inside
        (400.0, 1, "possibly in"), // its 500 m reach across the edge
        (-400.0, 1, "possibly in"),
        (-600.0, 1, "out"),
        (1_200.0, 2, "possibly in"), // 25 km of uncertainty, 1.2 km inside: not certain
        (24_000.0, 2, "possibly in"),
        (26_000.0, 2, "in"),
        (-24_000.0, 2, "possibly in"),
        (-26_000.0, 2, "out"),
        (39_000.0, 3, "possibly in"), // a second-order division: 40 km
        (41_000.0, 3, "in"),
        (42_000.0, 6, "possibly in"), // a country's centroid: 200 km reaches everything here
    ];
    let wrong: Vec<String> = table
        .iter()
        .filter(|(m, p, want)| at(*m, *p) != *want)
        .map(|(m, p, want)| format!("{m} m, precision {p}: want {want}, got {}", at(*m, *p)))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_zone_is_found_by_any_of_its_names_and_an_unknown_or_ambiguous_word_says_why() {
    let z = nk2020().zones;
    assert_eq!(z.resolve("khankendi"), Ok("khankendi"));
    assert_eq!(
        z.resolve("Stepanakert"),
        Ok("khankendi"),
        "the Armenian name"
    );
    assert_eq!(
        z.resolve("xankəndi"),
        Ok("khankendi"),
        "without diacritics or case"
    );
    // A province of the de facto era spans several districts: its name is ambiguous.
    let martakert = z.resolve("Martakert").expect_err("three districts");
    assert!(
        ["agdam (", "kalbajar (", "tartar ("]
            .iter()
            .all(|d| martakert.contains(d)),
        "{martakert}"
    );
    assert_eq!(z.resolve("Kashatagh").map_err(|_| ()), Err(()));
    assert_eq!(z.resolve("Shahumyan"), Ok("kalbajar"));
    let shushi = z.resolve("Shushi").expect_err("district and city");
    assert!(
        shushi.contains("shusha (") && shushi.contains("shusha-city ("),
        "{shushi}"
    );
    let typo = z.resolve("khankendy").expect_err("typo");
    assert!(typo.contains("did you mean `khankendi`"), "{typo}");
}

#[test]
fn a_point_is_named_by_the_nearest_place_with_both_names_and_its_distance() {
    let g = nk2020().gazetteer;
    let shusha = g.get("shusha").expect("shusha");
    // In Shusha city.
    assert_eq!(
        g.label(shusha.lon + 0.003, shusha.lat).as_deref(),
        Some("Shusha / Shushi")
    );
    // Stepanakert's centre.
    assert_eq!(
        g.label(46.7519, 39.8153).as_deref(),
        Some("Khankendi / Stepanakert")
    );
    // Far from every place (the middle of the Caspian): no name is made up.
    assert_eq!(g.label(51.0, 40.0), None);
    // A few km off a place: its distance.
    let (lon, lat) = (shusha.lon, shusha.lat - 0.03);
    let label = g.label(lon, lat).expect("near a place");
    assert!(label.contains(" km from "), "{label}");
}

/// A zones file of the given features (GeoJSON text), parsed.
fn parse_zones(features: &[&str]) -> Result<truce_model::zones::ZoneSet, Vec<String>> {
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    );
    truce_model::zones::ZoneSet::parse(&truce_model::diag::SourceFile::new("z.geojson", text))
        .map_err(|p| p.iter().map(ToString::to_string).collect())
}

const SQUARE: &str = r#"{"type":"Feature","properties":{"id":"square","kind":"other"},"geometry":{"type":"Polygon","coordinates":[[[46,40],[47,40],[47,41],[46,41],[46,40]]]}}"#;

fn line_version(from: &str, to: &str) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"id":"road","kind":"corridor","buffer_m":2000,"valid_from":"{from}","valid_to":"{to}","within":["square"]}},"geometry":{{"type":"LineString","coordinates":[[45.5,40.5],[46.5,40.5]]}}}}"#
    )
}

#[test]
fn zone_versions_that_overlap_or_end_before_they_begin_are_problems_named_by_pointer() {
    let a = line_version("2020-01-01", "2021-06-01");
    let b = line_version("2021-01-01", "2022-01-01");
    let err = parse_zones(&[SQUARE, &a, &b]).expect_err("overlap");
    assert_eq!(err.len(), 1, "{err:?}");
    assert!(
        err[0].starts_with("z.geojson#/features/2/properties/id: zone `road` (from 2021-01-01 until 2022-01-01 (exclusive)) overlaps its version from 2020-01-01 until 2021-06-01 (exclusive)"),
        "{}",
        err[0]
    );
    let backwards = line_version("2021-01-01", "2020-01-01");
    let err = parse_zones(&[SQUARE, &backwards]).expect_err("backwards");
    assert_eq!(
        err,
        [
            "z.geojson#/features/1/properties/valid_to: zone `road` ends on 2020-01-01, not after it begins on 2021-01-01"
        ]
    );
    let bad = line_version("2021-13-01", "2022-01-01");
    let err = parse_zones(&[SQUARE, &bad]).expect_err("bad date");
    assert!(
        err[0].starts_with(
            "z.geojson#/features/1/properties/valid_from: `valid_from` must be a date"
        ),
        "{err:?}"
    );
    // A derived version refers to a zone with no version in force when it begins.
    let derived = r#"{"type":"Feature","properties":{"id":"area","kind":"other","valid_from":"2019-01-01","derive":{"base":"square","plus":["road"]}},"geometry":null}"#;
    let ok = line_version("2020-01-01", "2021-01-01");
    let err = parse_zones(&[SQUARE, &ok, derived]).expect_err("no version then");
    assert!(
        err[0].contains(
            "zone `road` has no version in force on 2019-01-01, when this version of `area` begins"
        ),
        "{err:?}"
    );
    // An area excludes only areas.
    let excluding = r#"{"type":"Feature","properties":{"id":"cut","kind":"other","exclude":["road"]},"geometry":{"type":"Polygon","coordinates":[[[46,40],[47,40],[47,41],[46,41],[46,40]]]}}"#;
    let err = parse_zones(&[SQUARE, &ok, excluding]).expect_err("area less a band");
    assert!(
        err[0].contains("zone `road` is not drawn as an area; an area excludes only areas"),
        "{err:?}"
    );
}

#[test]
fn a_band_within_a_zone_is_clipped_to_it_and_versions_follow_one_another() {
    let first = line_version("2020-01-01", "2021-01-01");
    let second = line_version("2021-01-01", "2022-01-01");
    let z = parse_zones(&[SQUARE, &first, &second]).expect("parses");
    let day = |s: &str| s.parse::<jiff::civil::Date>().expect("date");
    // The line starts at 45.5° E, outside the square: only its part inside is kept.
    assert!(
        !z.containing_on(45.8, 40.5, day("2020-06-01"))
            .contains(&"road")
    );
    assert!(
        z.containing_on(46.2, 40.5, day("2020-06-01"))
            .contains(&"road")
    );
    // In force on its days only, then the next version; nothing after the last.
    assert!(
        z.containing_on(46.2, 40.5, day("2021-06-01"))
            .contains(&"road")
    );
    assert!(
        !z.containing_on(46.2, 40.5, day("2022-01-01"))
            .contains(&"road")
    );
    assert!(
        !z.containing_on(46.2, 40.5, day("2019-12-31"))
            .contains(&"road")
    );
    assert_eq!(z.versions("road").count(), 2);
}

#[test]
fn the_strip_added_to_armenia_at_kornidzor_leaves_the_corridor_and_the_area_whole() {
    let b = nk2020();
    // Between Natural Earth's border line and the Hakari river, where the two outlines
    // of Armenia overlap: Armenian, never the corridor or the peacekeepers' area.
    for (lon, lat) in [(46.518, 39.540), (46.522, 39.550), (46.540, 39.545)] {
        for day in ["2021-06-01", "2023-06-01"] {
            let got = b.zones.containing_on(lon, lat, day.parse().expect("date"));
            assert!(
                got.contains(&"armenia")
                    && !got.contains(&"lachin-corridor")
                    && !got.contains(&"peacekeeping-aor")
                    && !got.contains(&"azerbaijan"),
                "({lon}, {lat}) on {day}: {got:?}"
            );
        }
    }
}
