use super::*;
use chrono::TimeZone;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

fn err(csv: &str) -> String {
    clients(csv.as_bytes(), Region::LITHUANIA, now())
        .unwrap_err()
        .to_string()
}

#[test]
fn a_good_file_is_normalised() {
    let csv = "phone,name,language,time_zone,hours,email\n\
               8 612 34567,Jonas,LT,Europe/Vilnius,Mon-Fri 09:00-18:00,j@example.com\n\
               \"+1 415 555 2671\",\"Smith, Ann\",en,,,\n";
    let rows = clients(csv.as_bytes(), Region::LITHUANIA, now()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].phone, "+37061234567");
    assert_eq!(rows[0].language.as_deref(), Some("lt"));
    assert_eq!(rows[0].email.as_deref(), Some("j@example.com"));
    assert_eq!(rows[1].phone, "+14155552671");
    assert_eq!(rows[1].name.as_deref(), Some("Smith, Ann"));
    assert_eq!(rows[1].time_zone, None);
}

#[test]
fn a_bad_row_names_its_line_and_field() {
    let head = "phone,name,language,time_zone,hours\n";
    let e = err(&format!("{head}+37061234567,A,en,,\nnonsense,B,en,,\n"));
    assert!(e.starts_with("line 3, field phone"), "{e}");
    let e = err(&format!("{head}+37061234567,A,xx,,\n"));
    assert!(e.starts_with("line 2, field language"), "{e}");
    let e = err(&format!("{head}+37061234567,A,en,Mars/Olympus,\n"));
    assert!(e.starts_with("line 2, field time_zone"), "{e}");
}

#[test]
fn duplicates_name_both_lines() {
    let e = err("phone,name\n+37061234567,A\n+37061234568,B\n861234567,C\n");
    assert!(e.contains("line 4") && e.contains("line 2"), "{e}");
}

#[test]
fn a_missing_column_or_ragged_row_is_reported() {
    let e = err("name\nA\n");
    assert!(e.contains("phone"), "{e}");
    let e = err("phone,name\n+37061234567,A,extra\n");
    assert!(e.contains("line 2"), "{e}");
}

#[test]
fn dnc_and_vip_files() {
    let rows = dnc(
        "phone,reason\n861234567,asked\n+37061234568,\n".as_bytes(),
        Region::LITHUANIA,
    )
    .unwrap();
    assert_eq!(rows[0].reason.as_deref(), Some("asked"));
    assert_eq!(rows[1].reason, None);
    let rows = vip(
        "phone,agent\n861234567,anna\n".as_bytes(),
        Region::LITHUANIA,
    )
    .unwrap();
    assert_eq!(rows[0], (2, "+37061234567".to_string(), "anna".to_string()));
    let e = vip("phone,agent\n861234567,\n".as_bytes(), Region::LITHUANIA).unwrap_err();
    assert!(e.to_string().starts_with("line 2, field agent"), "{e}");
}

#[test]
fn needs_and_priority_are_read_and_bounded() {
    let csv = "phone,name,needs,priority\n861234567,Ona,hard of hearing: speak slowly,5\n861234568,Jonas,,\n";
    let rows = clients(csv.as_bytes(), Region::LITHUANIA, now()).unwrap();
    assert_eq!(
        rows[0].needs.as_deref(),
        Some("hard of hearing: speak slowly")
    );
    assert_eq!(rows[0].priority, 5);
    assert_eq!((rows[1].needs.as_deref(), rows[1].priority), (None, 0));
    let e = err("phone,priority\n861234567,10\n");
    assert!(e.contains("line 2") && e.contains("priority"), "{e}");
    let e = err(&format!("phone,needs\n861234567,{}\n", "x".repeat(501)));
    assert!(e.contains("needs"), "{e}");
}
