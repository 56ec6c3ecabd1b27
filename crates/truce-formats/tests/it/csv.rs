//! CSV files of evidence records and registry entries: a row with more cells than the
//! header has columns is refused, naming its line, and the other rows are read.

use crate::nk2020;
use truce_model::records::RecordKind;

#[test]
fn an_evidence_row_with_a_cell_beyond_the_header_is_refused_and_the_others_read() {
    let b = nk2020();
    let text = "id,checkpoint,date,persons,vehicles,category,source\n\
                kornidzor-2021-06-01,kornidzor,2021-06-01,300,120,civilian,op-kornidzor\n\
                kornidzor-2021-06-02,kornidzor,2021-06-02,310,125,civilian,op-kornidzor,seen from the post, north side\n";
    let (good, bad) =
        truce_formats::records::read_csv(text, Some(RecordKind::Crossing), &b).expect("a CSV file");
    assert_eq!(good.len(), 1, "{bad:?}");
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].line, 3);
    assert!(
        bad[0].reason.contains("beyond the header's 7 columns")
            && bad[0].reason.contains("seen from the post"),
        "{}",
        bad[0].reason
    );
}

#[test]
fn a_registry_row_with_a_cell_beyond_the_header_is_refused_and_the_others_read() {
    let b = nk2020();
    let text = "type,id,side,category,held_by,names.Latn.surname,source\n\
                person,R-0001,az,pows,am,Surname,case file 17\n\
                person,R-0002,az,pows,am,Surname,case file 18,extra\n";
    let (good, bad) = truce_formats::registry::read_csv(text, None, &b).expect("a CSV file");
    assert_eq!(good.len(), 1, "{bad:?}");
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].line, 3);
    assert!(bad[0].reason.contains("`extra`"), "{}", bad[0].reason);
}
