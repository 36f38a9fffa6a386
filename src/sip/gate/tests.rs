use super::*;

const TRUNK: &str = "127.0.0.2";

fn gate(now: Instant) -> Gate {
    Gate::new(
        GateConfig {
            trunk: vec!["127.0.0.2/32".parse().unwrap()],
            trunk_per_second: 100,
            other_per_second: 5,
            max_sources: 3,
            new_calls_per_second: 10,
        },
        now,
    )
}

fn knock(method: Method, source: &str) -> Knock {
    Knock {
        method,
        source: source.parse().unwrap(),
        in_dialog: false,
        dialog_known: false,
        transaction: 0,
    }
}

fn invite(source: &str, transaction: u64) -> Knock {
    Knock {
        transaction,
        ..knock(Method::Invite, source)
    }
}

fn open() -> Load {
    Load {
        active_calls: 0,
        max_calls: 10,
        ..Load::default()
    }
}

#[test]
fn only_trunk_sources_start_calls() {
    let t0 = Instant::now();
    let mut g = gate(t0);
    assert_eq!(
        g.judge(knock(Method::Invite, TRUNK), open(), t0),
        Verdict::Pass
    );
    assert_eq!(
        g.judge(knock(Method::Invite, "127.0.0.1"), open(), t0),
        Verdict::Answer(Answer::Forbidden)
    );
}

#[test]
fn out_of_dialog_requests_are_answered_without_state() {
    let t0 = Instant::now();
    let mut g = gate(t0);
    let cases = [
        (Method::Options, Verdict::Answer(Answer::Alive)),
        (Method::Bye, Verdict::Answer(Answer::NoSuchCall)),
        (Method::Info, Verdict::Answer(Answer::NoSuchCall)),
        (Method::Register, Verdict::Answer(Answer::NotAllowed)),
        (Method::Subscribe, Verdict::Answer(Answer::NotAllowed)),
        (Method::Ack, Verdict::Pass),
        (Method::Cancel, Verdict::Pass),
    ];
    for (method, want) in cases {
        assert_eq!(g.judge(knock(method, TRUNK), open(), t0), want, "{method}");
    }
}

#[test]
fn in_dialog_requests_pass_only_for_known_dialogs() {
    let t0 = Instant::now();
    let mut g = gate(t0);
    let mut bye = knock(Method::Bye, "127.0.0.9");
    bye.in_dialog = true;
    assert_eq!(
        g.judge(bye, open(), t0),
        Verdict::Answer(Answer::NoSuchCall)
    );
    bye.dialog_known = true;
    assert_eq!(g.judge(bye, open(), t0), Verdict::Pass);
    let mut ack = knock(Method::Ack, "127.0.0.9");
    ack.in_dialog = true;
    assert_eq!(g.judge(ack, open(), t0), Verdict::Pass);
}

#[test]
fn a_source_over_its_rate_is_dropped_and_refills() {
    let t0 = Instant::now();
    let mut g = gate(t0);
    let stranger = "127.0.0.9".parse().unwrap();
    let answered = (0..50).filter(|_| g.let_in(stranger, t0)).count();
    assert_eq!(answered, 5, "a second's burst of the stranger rate");
    // Another source is not hurt by the first one's flood.
    assert!(g.let_in("127.0.0.10".parse().unwrap(), t0));
    assert!(g.let_in(stranger, t0 + Duration::from_millis(400)));
    // The trunk has its own, larger rate.
    let trunk = TRUNK.parse().unwrap();
    assert_eq!((0..200).filter(|_| g.let_in(trunk, t0)).count(), 100);
}

#[test]
fn new_calls_are_refused_when_full_too_fast_or_stopping() {
    let t0 = Instant::now();
    let mut g = gate(t0);
    let full = Load {
        active_calls: 10,
        ..open()
    };
    assert_eq!(
        g.judge(knock(Method::Invite, TRUNK), full, t0),
        Verdict::Answer(Answer::Busy(Refusal::Full))
    );
    let stopping = Load {
        shutting_down: true,
        ..open()
    };
    assert_eq!(
        g.judge(knock(Method::Invite, TRUNK), stopping, t0),
        Verdict::Answer(Answer::Busy(Refusal::ShuttingDown))
    );
    let passed = (0..30)
        .filter(|i| g.judge(invite(TRUNK, *i), open(), t0) == Verdict::Pass)
        .count();
    assert_eq!(passed, 10, "the node's new-call rate");
    assert_eq!(
        g.judge(invite(TRUNK, 99), open(), t0),
        Verdict::Answer(Answer::Busy(Refusal::TooFast))
    );
    // A retransmission of an admitted INVITE still reaches its transaction.
    assert_eq!(g.judge(invite(TRUNK, 3), open(), t0), Verdict::Pass);
    // ...for as long as the peer may retransmit.
    let later = t0 + RETRANSMITS + IDLE;
    g.judge(knock(Method::Options, TRUNK), open(), later);
    assert_eq!(
        g.judge(invite(TRUNK, 3), full, later),
        Verdict::Answer(Answer::Busy(Refusal::Full))
    );
}

#[test]
fn the_source_table_is_bounded_pruned_and_keeps_room_for_the_trunk() {
    let t0 = Instant::now();
    let mut g = gate(t0);
    let ip = |s: String| s.parse::<IpAddr>().unwrap();
    for i in 10..200 {
        g.let_in(ip(format!("127.0.1.{}", i % 250)), t0);
        assert!(g.tracked() <= 3);
    }
    // Strangers beyond the table share one bucket: 5 per second between all of them.
    let shared = (0..20)
        .filter(|i| g.let_in(ip(format!("127.0.2.{i}")), t0))
        .count();
    assert!(shared <= 5, "{shared}");
    // The trunk still gets in, with its own rate.
    assert!(g.let_in(ip(TRUNK.into()), t0));
    assert!(g.tracked() <= 3);
    // A minute of silence forgets everyone.
    let later = t0 + IDLE + Duration::from_secs(1);
    g.let_in(ip(TRUNK.into()), later);
    assert_eq!(g.tracked(), 1);
}
