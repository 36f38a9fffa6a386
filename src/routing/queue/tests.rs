use super::*;

fn agent(id: &str, langs: &[&str]) -> FreeAgent {
    FreeAgent {
        id: id.into(),
        uri: format!("sip:{id}@127.0.0.1"),
        languages: langs.iter().map(|l| l.to_string()).collect(),
        free_since: 0,
    }
}

fn caller(call: &str, priority: i32, lang: Option<&str>, vip: Option<&str>) -> Joining {
    Joining {
        call: call.into(),
        priority,
        language: lang.map(str::to_string),
        vip_agent: vip.map(str::to_string),
        phone: None,
    }
}

fn pairs(a: &[Assignment]) -> Vec<(&str, &str)> {
    a.iter()
        .map(|x| (x.call.as_str(), x.agent.as_str()))
        .collect()
}

/// The line as the store keeps it, in memory: what `Router` does with rows, done on a vector so
/// the pure rules are exercised the way the distributor uses them.
#[derive(Default)]
struct Queue {
    line: Vec<Entry>,
    next: i64,
}

impl Queue {
    fn join(&mut self, j: Joining, now: i64, vip_ring_ms: i64) -> u32 {
        self.join_on(j, "n1", now, vip_ring_ms)
    }

    fn join_on(&mut self, j: Joining, node: &str, now: i64, vip_ring_ms: i64) -> u32 {
        let ticket = self.next;
        self.next += 1;
        let vip_until = if j.vip_agent.is_some() {
            now + vip_ring_ms
        } else {
            0
        };
        let call = j.call.clone();
        self.line.push(Entry::new(j, node, ticket, vip_until));
        order(&mut self.line);
        self.position(&call).unwrap_or(0)
    }

    fn ticket(&self, call: &str) -> Option<i64> {
        self.line.iter().find(|e| e.call == call).map(|e| e.ticket)
    }

    fn rejoin(&mut self, j: Joining, ticket: i64) -> u32 {
        self.leave(&j.call);
        let call = j.call.clone();
        self.line.push(Entry::new(j, "n1", ticket, 0));
        order(&mut self.line);
        self.position(&call).unwrap_or(0)
    }

    fn leave(&mut self, call: &str) -> Option<u32> {
        let pos = self.position(call);
        self.line.retain(|e| e.call != call);
        pos
    }

    fn position(&self, call: &str) -> Option<u32> {
        position(&self.line, call)
    }

    fn waiting(&self) -> usize {
        self.line.iter().filter(|e| e.agent.is_none()).count()
    }

    fn ring_failed(&mut self, call: &str, agent: &str, now: i64) {
        if let Some(e) = self.line.iter_mut().find(|e| e.call == call) {
            e.agent = None;
            e.tried = tried_after(std::mem::take(&mut e.tried), agent);
            e.retry_at = now + RETRY_PAUSE_MS;
        }
    }

    /// Assigns and marks every assigned caller ringing (every node claims its own).
    fn assign(&mut self, free: &[FreeAgent], now: i64) -> Vec<Assignment> {
        let got = assign(&self.line, free, now);
        for a in &got {
            if let Some(e) = self.line.iter_mut().find(|e| e.call == a.call) {
                e.agent = Some(a.agent.clone());
            }
        }
        got
    }
}

#[test]
fn priority_then_arrival() {
    let mut q = Queue::default();
    assert_eq!(q.join(caller("a", 0, None, None), 0, 0), 1);
    assert_eq!(q.join(caller("b", 0, None, None), 1, 0), 2);
    assert_eq!(
        q.join(caller("v", 10, None, None), 2, 0),
        1,
        "priority jumps ahead"
    );
    assert_eq!(q.position("a"), Some(2));
    let got = q.assign(&[agent("x", &[])], 3);
    assert_eq!(pairs(&got), [("v", "x")]);
    assert_eq!(q.leave("v"), Some(1));
    assert_eq!(q.position("b"), Some(2));
    let got = q.assign(&[agent("x", &[]), agent("y", &[])], 4);
    assert_eq!(
        pairs(&got),
        [("a", "x"), ("b", "y")],
        "longest-free agent to the first caller"
    );
    assert_eq!(q.waiting(), 0);
}

#[test]
fn a_vip_rings_the_consultant_alone_then_anyone() {
    let mut q = Queue::default();
    q.join(caller("vip", 10, None, Some("anna")), 0, 20_000);
    q.join(caller("n", 0, None, None), 0, 20_000);
    // Anna busy: the VIP waits for her; the other caller takes the free agent.
    let got = q.assign(&[agent("bob", &[])], 1_000);
    assert_eq!(pairs(&got), [("n", "bob")]);
    q.leave("n");
    let got = q.assign(&[agent("bob", &[]), agent("anna", &[])], 2_000);
    assert_eq!(
        pairs(&got),
        [("vip", "anna")],
        "consultant even if not longest-free"
    );
    // Anna did not answer; after the window the VIP takes anyone, Anna last.
    q.ring_failed("vip", "anna", 3_000);
    assert!(
        q.assign(&[agent("anna", &[])], 3_500).is_empty(),
        "pause after a failure"
    );
    let got = q.assign(&[agent("anna", &[]), agent("bob", &[])], 21_000);
    assert_eq!(pairs(&got), [("vip", "bob")]);
}

#[test]
fn language_is_matched_when_such_an_agent_is_free() {
    let mut q = Queue::default();
    q.join(caller("ru", 0, Some("ru"), None), 0, 0);
    q.join(caller("en", 0, Some("en"), None), 0, 0);
    let got = q.assign(&[agent("e", &["en"]), agent("r", &["lt", "ru"])], 1);
    assert_eq!(pairs(&got), [("ru", "r"), ("en", "e")]);
    assert!(got[0].reason.contains("speaking ru"), "{}", got[0].reason);
    let mut q = Queue::default();
    q.join(caller("lt", 0, Some("lt"), None), 0, 0);
    let got = q.assign(&[agent("e", &["en"])], 1);
    assert_eq!(pairs(&got), [("lt", "e")], "nobody speaks lt: any agent");
    assert!(got[0].reason.contains("no free agent speaks lt"));
}

#[test]
fn a_failed_agent_is_tried_after_the_others_and_ringing_callers_are_skipped() {
    let mut q = Queue::default();
    q.join(caller("a", 0, None, None), 0, 0);
    q.join(caller("b", 0, None, None), 0, 0);
    let got = q.assign(&[agent("x", &[])], 0);
    assert_eq!(pairs(&got), [("a", "x")]);
    // a is ringing: the next agent goes to b.
    let got = q.assign(&[agent("y", &[])], 0);
    assert_eq!(pairs(&got), [("b", "y")]);
    q.ring_failed("a", "x", 0);
    let got = q.assign(&[agent("x", &[]), agent("z", &[])], RETRY_PAUSE_MS);
    assert_eq!(pairs(&got), [("a", "z")], "x failed a: z first");
    q.ring_failed("a", "z", RETRY_PAUSE_MS);
    let got = q.assign(&[agent("z", &[]), agent("x", &[])], 2 * RETRY_PAUSE_MS);
    assert_eq!(
        pairs(&got),
        [("a", "x")],
        "the most recent failure goes last"
    );
    assert_eq!(q.position("a"), Some(1), "a failed ring keeps the place");
}

#[test]
fn a_caller_transferred_back_keeps_their_priority_and_place() {
    let mut q = Queue::default();
    q.join(caller("a", 0, None, None), 0, 0);
    q.join(caller("b", 0, None, None), 1, 0);
    q.join(caller("v", 10, None, None), 2, 0);
    // `a` is answered, leaves, and is transferred back later, after `c` joined.
    let ticket = q.ticket("a").unwrap();
    q.leave("a");
    q.join(caller("c", 0, None, None), 3, 0);
    assert_eq!(
        q.rejoin(caller("a", 0, None, None), ticket),
        2,
        "behind v only"
    );
    assert_eq!(q.position("b"), Some(3));
    assert_eq!(q.position("c"), Some(4));
    // Their VIP window is over: any agent may take them.
    let t = q.ticket("v").unwrap();
    q.leave("v");
    q.rejoin(caller("v", 10, None, Some("anna")), t);
    let got = q.assign(&[agent("x", &[])], 4);
    assert_eq!(pairs(&got), [("v", "x")]);
}

#[test]
fn a_card_priority_goes_ahead_of_others_and_behind_vips() {
    assert_eq!(caller_priority(true, 0, 10), 10);
    assert_eq!(caller_priority(true, 9, 10), 10);
    assert_eq!(caller_priority(false, 5, 10), 5);
    assert_eq!(caller_priority(false, 0, 10), 0);
    // Never level with (or above) a VIP, never below everyone.
    assert_eq!(caller_priority(false, 9, 3), 2);
    assert_eq!(caller_priority(false, -4, 10), 0);
}

#[test]
fn the_best_caller_on_any_node_gets_the_agent_and_only_its_node_rings() {
    let mut q = Queue::default();
    q.join_on(caller("early", 0, None, None), "a", 0, 0);
    q.join_on(caller("vip", 10, None, None), "b", 5, 0);
    assert_eq!(q.position("vip"), Some(1), "the whole line counts");
    assert_eq!(q.position("early"), Some(2));
    let got = assign(&q.line, &[agent("x", &[])], 6);
    assert_eq!(pairs(&got), [("vip", "x")]);
    assert_eq!(got[0].node, "b", "node a leaves the agent to node b");
    // Node b rang x; the next free agent goes to node a's caller.
    q.line[0].agent = Some("x".into());
    let got = assign(&q.line, &[agent("y", &[])], 7);
    assert_eq!(pairs(&got), [("early", "y")]);
    assert_eq!(got[0].node, "a");
}

#[test]
fn equal_tickets_are_ordered_by_call_id_on_every_node() {
    let mut line = vec![
        Entry::new(caller("b", 0, None, None), "n2", 7, 0),
        Entry::new(caller("a", 0, None, None), "n1", 7, 0),
    ];
    order(&mut line);
    assert_eq!(position(&line, "a"), Some(1));
}

#[test]
fn tried_agents_are_bounded_and_the_latest_failure_is_last() {
    let mut tried = Vec::new();
    for i in 0..(TRIED_KEPT + 5) {
        tried = tried_after(tried, &format!("a{i}"));
    }
    assert_eq!(tried.len(), TRIED_KEPT);
    tried = tried_after(tried, "a10");
    assert_eq!(tried.last().map(String::as_str), Some("a10"));
    assert_eq!(tried.iter().filter(|a| *a == "a10").count(), 1);
}
