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

#[test]
fn the_lachin_corridor_is_a_five_kilometre_band_along_the_road() {
    let z = nk2020().zones;
    // Midway between Lachin town and Lisagor, on the drawn line.
    let (lon, lat) = ((46.54977 + 46.64306) / 2.0, (39.63742 + 39.6875) / 2.0);
    assert!(z.containing(lon, lat).contains(&"lachin-corridor"));
    // The segment runs roughly north-east, so north-west is across it.
    let across = |d: f64| offset(lon, lat, -d * 0.47, d * 0.88);
    let (a, b) = across(2_000.0);
    assert!(
        z.containing(a, b).contains(&"lachin-corridor"),
        "2 km off the road is inside"
    );
    let (a, b) = across(3_000.0);
    assert!(
        !z.containing(a, b).contains(&"lachin-corridor"),
        "3 km off the road is outside"
    );
    let width = z.get("lachin-corridor").expect("corridor").area_km2;
    // About 5 km wide and 60-odd km long.
    assert!((250.0..400.0).contains(&width), "{width}");
}

#[test]
fn zones_classify_known_towns() {
    let z = nk2020().zones;
    let at = |lon: f64, lat: f64| z.containing(lon, lat);
    // Stepanakert: in the peacekeepers' area, not in a returned district.
    let stepanakert = at(46.7528, 39.8177);
    assert!(
        stepanakert.contains(&"khankendi") && stepanakert.contains(&"peacekeeping-aor"),
        "{stepanakert:?}"
    );
    assert!(stepanakert.contains(&"azerbaijan") && stepanakert.contains(&"nk-pre2020"));
    // Agdam and Kalbajar towns were handed over: outside the peacekeepers' area.
    assert!(!at(46.92736, 39.99096).contains(&"peacekeeping-aor"));
    assert!(at(46.92736, 39.99096).contains(&"agdam"));
    assert!(!at(46.04446, 40.10984).contains(&"peacekeeping-aor"));
    // Lachin town sits on the corridor, which the area of responsibility includes.
    let lachin = at(46.54977, 39.63742);
    assert!(
        lachin.contains(&"lachin-corridor") && lachin.contains(&"peacekeeping-aor"),
        "{lachin:?}"
    );
    // Goris is in Armenia, at the corridor's western end.
    let goris = at(46.34168, 39.51111);
    assert!(
        goris.contains(&"armenia") && goris.contains(&"lachin-corridor"),
        "{goris:?}"
    );
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
        .find(|f| f["id"] == "lachin-corridor")
        .expect("corridor");
    assert_eq!(corridor["geometry"]["type"], "MultiPolygon");
    assert_eq!(corridor["properties"]["kind"], "corridor");
    assert!(
        corridor["properties"]["source"]
            .as_str()
            .is_some_and(|s| s.contains("buffered"))
    );
}
