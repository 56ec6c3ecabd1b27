//! A table of broken agreement files. Each case edits a small valid agreement and lists
//! exactly the problems the loader must report, with location and hint.

use truce_model::{Problems, SourceFile};

const VALID: &str = r#"format = 1
id = "test"
title = "Test agreement"
time_zone = "Europe/Moscow"
zones = "zones.geojson"

[[actors]]
id = "a"
name = "Party A"
roles = ["party"]

[[actors]]
id = "b"
name = "Party B"
roles = ["party"]

[[documents]]
id = "st"
kind = "statement"
title = "Statement"
signed = "2020-11-09"
effective = "2020-11-10T00:00"

[[documents]]
id = "am1"
kind = "amendment"
title = "Extension"
signed = "2020-11-15"
parties = ["a", "b"]

[[provisions]]
id = "p1"
document = "st"
number = "1"

[[obligations]]
id = "handover"
provision = "p1"
kind = "handover"
title = "Hand over the district"
obligors = ["a"]
zones = ["district"]
deadline = { date = "2020-11-15", rule = "by" }

[[changes]]
document = "am1"
obligation = "handover"
field = "deadline"
from = "2020-11-15"
value = { date = "2020-11-25", rule = "by" }
"#;

const ZONES: &str = r#"{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"id": "district", "name": "District", "kind": "district"},
  "geometry": {"type": "Polygon", "coordinates": [[[46,40],[47,40],[47,41],[46,41],[46,40]]]}}
]}"#;

fn load(text: &str, zones: &str) -> Result<truce_model::AgreementBundle, Problems> {
    let zones = zones.to_owned();
    truce_model::load(SourceFile::new("test.toml", text), move |name| match name {
        "zones.geojson" => Ok(SourceFile::new("zones.geojson", zones.clone())),
        other => Err(format!("no file `{other}` in this test")),
    })
}

fn problems_of(text: &str) -> Vec<String> {
    match load(text, ZONES) {
        Ok(_) => Vec::new(),
        Err(p) => {
            p.0.iter()
                .map(|p| p.to_string().replace("\n  hint: ", " | hint: "))
                .collect()
        }
    }
}

fn edit(from: &str, to: &str) -> String {
    assert!(
        VALID.contains(from),
        "case edits text that is not there: {from}"
    );
    VALID.replacen(from, to, 1)
}

#[test]
fn the_valid_base_file_loads() {
    assert_eq!(problems_of(VALID), Vec::<String>::new());
}

#[test]
fn broken_agreement_files_report_every_problem_with_location_and_hint() {
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "unknown zone",
            edit(r#"zones = ["district"]"#, r#"zones = ["distrct"]"#),
            vec!["test.toml:42:11: unknown zone `distrct` | hint: did you mean `district`?"],
        ),
        (
            "unknown actor",
            edit(r#"obligors = ["a"]"#, r#"obligors = ["a", "c"]"#),
            vec!["test.toml:41:19: unknown actor `c` | hint: 17 are defined; check the spelling"],
        ),
        (
            "a third party cannot be bound",
            edit(r#"obligors = ["a"]"#, r#"obligors = ["a", "icrc"]"#),
            vec![
                "test.toml:41:19: obligor `icrc` cannot be bound: its roles (humanitarian-organisation) make it no side to the agreement | hint: name a party, de facto authority, signing mediator or guarantor, or peacekeeping force; a third party can be a mediator of records, not an obligor",
            ],
        ),
        (
            "a change binds only the sides of its document",
            edit(
                "field = \"deadline\"\nfrom = \"2020-11-15\"\nvalue = { date = \"2020-11-25\", rule = \"by\" }",
                "field = \"obligors\"\nfrom = \"2020-11-15\"\nvalue = [\"a\", \"eu\"]",
            ),
            vec![
                "test.toml:50:16: obligor `eu` is no side to document `am1` (its parties: a, b) | hint: an obligation binds only the sides that undertook it: name the side that undertook it, and say in `note` whom the terms name",
            ],
        ),
        (
            "deadline before the effective instant",
            edit(
                r#"deadline = { date = "2020-11-15""#,
                r#"deadline = { date = "2020-11-05""#,
            ),
            vec![
                "test.toml:43:12: deadline by 2020-11-05 falls before the document takes effect (2020-11-10 00:00 MSK) | hint: check the year and month; an obligation cannot be due before it binds",
            ],
        ),
        (
            "duplicate obligation id",
            format!(
                "{VALID}\n[[obligations]]\nid = \"handover\"\nprovision = \"p1\"\nkind = \"milestone\"\ntitle = \"Again\"\nobligors = [\"b\"]\n"
            ),
            vec![
                "test.toml:53:7: duplicate obligation id `handover` | hint: first defined at test.toml:37:7",
            ],
        ),
        (
            "unknown time zone",
            edit("Europe/Moscow", "Europe/Moskva"),
            vec![
                r#"test.toml:4:14: unknown time zone `Europe/Moskva` | hint: use an IANA name such as "Europe/Moscow" or "Asia/Baku""#,
            ],
        ),
        (
            "amendment targets a missing obligation",
            edit(
                "obligation = \"handover\"",
                "obligation = \"handover-lachin\"",
            ),
            vec![
                "test.toml:47:15: amendment targets unknown obligation `handover-lachin` | hint: expected one of: handover",
            ],
        ),
        (
            "amendment targets a field that cannot change",
            edit("field = \"deadline\"", "field = \"dedline\""),
            vec![
                "test.toml:48:10: `dedline` is not a field an amendment can change | hint: did you mean `deadline`?",
            ],
        ),
        (
            "amendment targets a quantity the obligation lacks",
            edit(
                "field = \"deadline\"\nfrom = \"2020-11-15\"\nvalue = { date = \"2020-11-25\", rule = \"by\" }",
                "field = \"quantities.personnel\"\nfrom = \"2020-11-15\"\nvalue = { name = \"personnel\", limit = \"max\", value = 2000, unit = \"servicemen\" }",
            ),
            vec![
                "test.toml:48:10: obligation `handover` has no quantity `personnel` | hint: none are defined",
            ],
        ),
        (
            "TOML syntax error",
            edit("number = \"1\"", "number = 1\""),
            vec![
                r#"test.toml:34:12: invalid TOML: invalid character in string: `\n` | hint: see docs/agreement-format.md; dates and times are quoted strings"#,
            ],
        ),
        (
            "misspelt key",
            edit("deadline = {", "dedline = {"),
            vec![
                "test.toml:43:1: unknown key `dedline` in an obligation | hint: did you mean `deadline`?",
            ],
        ),
        (
            "unknown obligation kind",
            edit("kind = \"handover\"", "kind = \"hand-over\""),
            vec![
                "test.toml:39:9: `hand-over` is not a known kind | hint: did you mean `handover`?",
            ],
        ),
        (
            "impossible date",
            edit("signed = \"2020-11-09\"", "signed = \"2020-13-09\""),
            vec![
                r#"test.toml:21:11: `2020-13-09` is not a date | hint: write dates as "YYYY-MM-DD""#,
            ],
        ),
        (
            "change from a document that is not an amendment",
            edit("document = \"am1\"", "document = \"st\""),
            vec![
                "test.toml:46:13: document `st` is a statement, not an amendment | hint: changes come from documents of kind `amendment`",
            ],
        ),
        (
            "change that applies before its amendment exists",
            edit("from = \"2020-11-15\"", "from = \"2020-11-12\""),
            vec![
                "test.toml:49:9: change applies from 2020-11-12 but its amendment was agreed on 2020-11-15 | hint: an amendment cannot act before it exists",
            ],
        ),
        (
            "missing required key",
            edit("title = \"Hand over the district\"\n", ""),
            vec!["test.toml:36:1: an obligation is missing `title`"],
        ),
        (
            "matching window out of range",
            edit(
                "zones = \"zones.geojson\"",
                "zones = \"zones.geojson\"\nmatching = { distance_km = 0, slack_hours = 6, radius = 3 }",
            ),
            vec![
                "test.toml:6:28: distance_km 0 is outside 0.1 to 500",
                "test.toml:6:48: unknown key `radius` in the matching table | hint: expected one of: distance_km, slack_hours",
            ],
        ),
        (
            "dated deadline without a rule",
            edit(
                "deadline = { date = \"2020-11-15\", rule = \"by\" }",
                "deadline = { date = \"2020-11-15\" }",
            ),
            vec![
                "test.toml:43:12: a dated deadline needs a `rule` | hint: `by` counts the named day as on time, `before` does not",
            ],
        ),
        (
            "several problems at once are all reported, in file order",
            edit("Europe/Moscow", "Mars/Olympus")
                .replacen(r#"obligors = ["a"]"#, r#"obligors = ["z"]"#, 1)
                .replacen(r#"zones = ["district"]"#, r#"zones = ["nowhere"]"#, 1),
            vec![
                r#"test.toml:4:14: unknown time zone `Mars/Olympus` | hint: use an IANA name such as "Europe/Moscow" or "Asia/Baku""#,
                "test.toml:41:14: unknown actor `z` | hint: 17 are defined; check the spelling",
                "test.toml:42:11: unknown zone `nowhere` | hint: expected one of: district",
            ],
        ),
    ];
    assert!(cases.len() >= 10);
    let mut failures = Vec::new();
    for (name, text, expected) in &cases {
        let got = problems_of(text);
        if &got != expected {
            failures.push(format!(
                "case `{name}`:\n  expected {expected:#?}\n  got      {got:#?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn broken_zone_files_name_the_json_pointer() {
    let zones = ZONES.replace(r#""kind": "district""#, r#""kind": "distric""#);
    let err = load(VALID, &zones).expect_err("must fail");
    let got: Vec<String> = err.0.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "zones.geojson#/features/0/properties/kind: `distric` is not a zone kind\n  hint: did you mean `district`?"
        ]
    );

    let err =
        load(VALID, "{\"type\": \"FeatureCollection\", \"features\": [").expect_err("must fail");
    assert!(
        err.0[0].to_string().starts_with("zones.geojson:1:"),
        "{}",
        err.0[0]
    );
}

#[test]
fn a_position_with_one_number_is_a_problem_named_by_its_pointer_not_a_crash() {
    // Found by the zones_geojson fuzz target: the GeoJSON reader's conversion indexed the
    // missing latitude and panicked.
    for (from, to, pointer) in [
        ("[47,41],", "[47],", "/features/0/geometry/coordinates/0/2"),
        ("[47,41],", "[],", "/features/0/geometry/coordinates/0/2"),
    ] {
        let zones = ZONES.replace(from, to);
        let err = load(VALID, &zones).expect_err("must fail");
        let got: Vec<String> = err.0.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [format!(
                "zones.geojson#{pointer}: a position needs a longitude and a latitude"
            )]
        );
    }
}

#[test]
fn a_missing_companion_file_is_a_problem_not_a_panic() {
    let text = VALID.replace(
        "zones = \"zones.geojson\"",
        "zones = \"zones.geojson\"\nplaces = \"places.csv\"",
    );
    let err = load(&text, ZONES).expect_err("must fail");
    assert_eq!(err.0.len(), 1);
    assert_eq!(
        err.0[0].to_string(),
        "test.toml: cannot read `places.csv`: no file `places.csv` in this test"
    );
}

/// Loads the base agreement with a Russian words file of `words`.
fn with_words(words: &str) -> Result<truce_model::AgreementBundle, Problems> {
    let text = edit(
        "zones = \"zones.geojson\"",
        "zones = \"zones.geojson\"\ntranslations = { ru = \"i18n/ru.json\" }",
    );
    let words = words.to_owned();
    truce_model::load(SourceFile::new("test.toml", text), move |name| match name {
        "zones.geojson" => Ok(SourceFile::new("zones.geojson", ZONES)),
        "i18n/ru.json" => Ok(SourceFile::new("i18n/ru.json", words.clone())),
        other => Err(format!("no file `{other}` in this test")),
    })
}

#[test]
fn an_agreements_own_words_in_another_language_are_read_and_every_wrong_key_is_named() {
    let b = with_words(r#"{"title": "Тестовое соглашение", "actor.a": "Сторона А", "obligation.handover": "Передать район"}"#)
        .expect("loads");
    assert_eq!(b.translated("ru", "actor.a"), Some("Сторона А"));
    assert_eq!(
        b.translated("ru", "obligation.handover"),
        Some("Передать район")
    );
    assert_eq!(
        b.translated("ru", "actor.b"),
        None,
        "left out: shown in English"
    );
    assert_eq!(b.translated("hy", "title"), None);
    assert!(
        b.sources.iter().any(|f| f.name == "i18n/ru.json"),
        "kept with the agreement"
    );
    let problems: Vec<String> = match with_words(
        r#"{"title": "", "actor.c": "Сторона В", "obligation.handover": 3, "hint": "x", "statement.none": "Заявление", "unit.handover.personnel": "человек"}"#,
    ) {
        Ok(_) => panic!("a broken words file loads"),
        Err(p) => p.0.iter().map(ToString::to_string).collect(),
    };
    assert_eq!(problems.len(), 6, "{problems:#?}");
    for want in [
        "i18n/ru.json#/title",
        "#/actor.c",
        "#/obligation.handover",
        "#/hint",
        "#/statement.none",
        // The obligation states no such figure.
        "#/unit.handover.personnel",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(want)),
            "{want} in {problems:#?}"
        );
    }
    // A language Truce does not speak is named with the languages it does.
    let text = edit(
        "zones = \"zones.geojson\"",
        "zones = \"zones.geojson\"\ntranslations = { fr = \"i18n/fr.json\" }",
    );
    let p = problems_of(&text);
    assert!(p.iter().any(|p| p.contains("fr")), "{p:?}");
}
