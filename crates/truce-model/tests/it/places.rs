use crate::nk2020;
use truce_model::places::{MatchTier, ZoneBasis};

#[test]
fn variant_spellings_resolve_to_the_right_place() {
    let g = nk2020().gazetteer;
    let cases = [
        ("Shusha", "shusha"),
        ("Shushi", "shusha"),
        ("Şuşa", "shusha"),
        ("SUSA", "shusha"),
        ("Шуша", "shusha"),
        ("Շուշի", "shusha"),
        ("Shusha / Shushi", "shusha"),
        ("Stepanakert", "khankendi"),
        ("Xankəndi", "khankendi"),
        ("Xankendi", "khankendi"),
        ("Hankendi", "khankendi"),
        ("Степанакерт", "khankendi"),
        ("Kelbajar", "kalbajar"),
        ("Kəlbəcər", "kalbajar"),
        ("Karvachar", "kalbajar"),
        ("K’arvacharr", "kalbajar"),
        ("Кельбаджар", "kalbajar"),
        ("Laçın", "lachin"),
        ("Lacin", "lachin"),
        ("berdzor", "lachin"),
        ("Лачин", "lachin"),
        ("Aghdam", "agdam"),
        ("Ağdam", "agdam"),
        ("Akna", "agdam"),
        ("Fizuli", "fuzuli"),
        ("Füzuli", "fuzuli"),
        ("Jabrayil", "jabrayil"),
        ("Cəbrayıl", "jabrayil"),
        ("Jrakan", "jabrayil"),
        ("Джебраил", "jabrayil"),
        ("Xocalı", "khojaly"),
        ("Khodzhaly", "khojaly"),
        ("Khojali", "khojaly"),
        ("Mardakert", "aghdara"),
        ("Ağdərə", "aghdara"),
        ("Aghdara", "aghdara"),
        ("Madagiz", "sugovushan"),
        ("Suqovuşan", "sugovushan"),
        ("Zangelan", "zangilan"),
        ("Gubadly", "qubadli"),
        ("Kubatly", "qubadli"),
        ("Terter", "tartar"),
        ("Tərtər", "tartar"),
        ("Asgaran", "askeran"),
        ("Əsgəran", "askeran"),
        ("Lisagor", "turshsu"),
        ("Горис", "goris"),
    ];
    assert!(cases.len() >= 30);
    let mut wrong = Vec::new();
    for (query, id) in cases {
        let found = g.find(query);
        let ids: Vec<&str> = found.matches.iter().map(|m| m.place.id.as_str()).collect();
        if ids != [id] {
            wrong.push(format!(
                "{query:?} -> {ids:?} (tier {:?}), expected [{id:?}]",
                found.tier
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn stricter_matches_win_over_looser_ones() {
    let g = nk2020().gazetteer;
    assert_eq!(g.find("Shusha").tier, Some(MatchTier::Exact));
    assert_eq!(g.find("Lacın").tier, Some(MatchTier::Folded));
    assert_eq!(g.find("Gubadly").tier, Some(MatchTier::Transliterated));
}

#[test]
fn ambiguous_names_return_every_candidate() {
    let g = nk2020().gazetteer;
    let agarak = g.find("Agarak");
    assert!(agarak.is_ambiguous());
    assert_eq!(agarak.matches.len(), 2);
    // Zangezur is an alternate name of both Kapan and Hartashen in GeoNames.
    let zangezur = g.find("Zangezur");
    let mut ids: Vec<&str> = zangezur
        .matches
        .iter()
        .map(|m| m.place.id.as_str())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["gn-11211596", "kapan"]);
    // Most populous first.
    assert_eq!(zangezur.matches[0].place.id, "kapan");
}

#[test]
fn unknown_names_return_nothing_rather_than_a_guess() {
    let g = nk2020().gazetteer;
    let r = g.find("Atlantis");
    assert!(r.matches.is_empty());
    assert_eq!(r.tier, None);
    assert!(g.find("").matches.is_empty());
    assert!(g.find("  '-  ").matches.is_empty());
}

#[test]
fn lookups_show_both_names_and_the_zones() {
    let b = nk2020();
    let found = b.gazetteer.find("Şuşa");
    let shusha = found.matches[0].place;
    assert_eq!(shusha.display, "Shusha / Shushi");
    let zones: Vec<String> = b
        .gazetteer
        .zones_of(shusha, &b.zones)
        .into_iter()
        .map(|m| m.zone)
        .collect();
    assert!(zones.contains(&"shusha-city".to_owned()), "{zones:?}");
    assert!(
        zones.contains(&"shusha".to_owned()),
        "the city lies within the district: {zones:?}"
    );
    assert!(
        !zones.contains(&"lachin-corridor".to_owned()),
        "the corridor does not pass through Shusha: {zones:?}"
    );
}

/// Natural Earth's 1:10m rayon polygons are coarse: two district seats fall in a
/// neighbouring polygon (see agreements/nk-2020/sources/geometry/README.md). The gazetteer
/// still assigns them to their own district, and says that it did so.
#[test]
fn every_district_seat_is_classified_into_its_district() {
    let b = nk2020();
    let known_coarse = [("lachin", "shusha"), ("jabrayil", "khojavend")];
    let seats: Vec<_> = b
        .gazetteer
        .places()
        .iter()
        .filter(|p| p.admin_zone.is_some())
        .collect();
    assert_eq!(
        seats.len(),
        12,
        "one seat per district in districts_iso3166_2.csv"
    );
    for p in seats {
        let district = p.admin_zone.as_deref().expect("seat");
        let members = b.gazetteer.zones_of(p, &b.zones);
        let geometric: Vec<&str> = members
            .iter()
            .filter(|m| m.basis == ZoneBasis::Geometry)
            .map(|m| m.zone.as_str())
            .collect();
        match known_coarse.iter().find(|(seat, _)| *seat == p.id) {
            None => assert!(
                geometric.contains(&district),
                "{} should lie in {district}: {geometric:?}",
                p.id
            ),
            Some((_, neighbour)) => {
                assert!(
                    !geometric.contains(&district),
                    "{} is now inside {district}: update the documentation",
                    p.id
                );
                assert!(geometric.contains(neighbour), "{}: {geometric:?}", p.id);
                assert!(
                    members
                        .iter()
                        .any(|m| m.zone == district && m.basis == ZoneBasis::Gazetteer)
                );
            }
        }
    }
}
