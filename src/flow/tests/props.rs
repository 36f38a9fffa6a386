//! Properties over random calls: no panic, one outcome, nothing after hangup, never stuck.

use super::*;
use proptest::prelude::*;

fn lang() -> impl Strategy<Value = Lang> {
    prop::sample::select(Lang::ALL.to_vec())
}

fn screening() -> impl Strategy<Value = Screening> {
    (
        any::<bool>(),
        prop::option::of(lang()),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec!["anna", "", "ivan"])),
        any::<bool>(),
    )
        .prop_map(
            |(known_client, language, dnc, vip, after_hours)| Screening {
                known_client,
                name: None,
                language,
                dnc,
                vip_agent: vip.map(str::to_string),
                after_hours,
            },
        )
}

fn key() -> impl Strategy<Value = char> {
    prop::sample::select("0123456789*#Ax".chars().collect::<Vec<_>>())
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        1 => Just(Event::Answered),
        1 => screening().prop_map(Event::Screened),
        6 => Just(Event::PromptFinished),
        6 => key().prop_map(Event::Digit),
        4 => Just(Event::TimerFired),
        1 => Just(Event::DncRecorded),
        1 => Just(Event::CallbackPlanned),
        1 => Just(Event::CallbackRefused("busy".into())),
        1 => Just(Event::ComplaintRecorded),
        1 => Just(Event::RoutingFailed),
        2 => (0u32..5, prop::option::of(0u32..400)).prop_map(|(position, wait_secs)| Event::QueueStatus { position, wait_secs }),
        1 => Just(Event::AgentAnswered { agent: "anna".into() }),
        1 => Just(Event::AgentHungUp),
        1 => Just(Event::BackToQueue),
        1 => Just(Event::Hangup),
    ]
}

/// Any config the type allows, valid or not: the machine must cope either way.
fn config() -> impl Strategy<Value = FlowConfig> {
    (
        0u32..4,
        prop::sample::select(vec![
            Choice::Agent,
            Choice::Callback,
            Choice::Complaint,
            Choice::Dnc,
            Choice::Repeat,
        ]),
        prop::collection::vec(
            prop::sample::select(vec!["greeting", "recording_notice", "promo"]),
            0..4,
        ),
    )
        .prop_map(|(menu_retries, no_input, greeting)| FlowConfig {
            menu_retries,
            no_input,
            greeting: greeting.into_iter().map(str::to_string).collect(),
            ..FlowConfig::default()
        })
}

/// Checks the emitted stream against the contract; returns whether the call has ended.
fn check(actions: &[Action], outcomes: &mut usize, ended: &mut bool) -> Result<(), TestCaseError> {
    for (i, action) in actions.iter().enumerate() {
        prop_assert!(!*ended, "action after the call ended: {action:?}");
        match action {
            Action::Outcome(_) => *outcomes += 1,
            Action::Hangup => {
                prop_assert_eq!(*outcomes, 1, "hangup without outcome");
                prop_assert_eq!(i + 1, actions.len(), "hangup is the last action");
                *ended = true;
            }
            _ => {}
        }
    }
    prop_assert!(*outcomes <= 1, "more than one outcome");
    Ok(())
}

proptest! {
    #[test]
    fn random_events_keep_the_contract(
        config in config(),
        events in prop::collection::vec(event(), 0..80),
    ) {
        let mut flow = Flow::new(config);
        let (mut outcomes, mut ended) = (0, false);
        let mut recordings = 0;
        for event in events {
            let caller_hangup = event == Event::Hangup;
            let actions = flow.handle(event);
            recordings += actions.iter().filter(|a| **a == Action::StartRecording).count();
            check(&actions, &mut outcomes, &mut ended)?;
            if caller_hangup {
                ended = true;
            }
            prop_assert_eq!(flow.is_finished(), ended);
            prop_assert_eq!(flow.outcome().is_some(), outcomes == 1);
        }
        prop_assert!(recordings <= 1);
    }

    /// With an IO layer that always answers, every call ends or is handed to routing.
    #[test]
    fn a_faithful_io_layer_always_reaches_the_end(
        config in config(),
        screening in prop::option::of(screening()),
        caller in prop::collection::vec(prop::option::of(key()), 0..40),
        planned in any::<bool>(),
    ) {
        let mut flow = Flow::new(config);
        let (mut outcomes, mut ended) = (0, false);
        let mut io = Io::default();
        let mut pending = vec![Event::Answered];
        let mut caller = caller.into_iter();
        let mut routing_failed = false;
        for _ in 0..500 {
            let event = match pending.pop() {
                Some(event) => event,
                None => match caller.next().flatten() {
                    Some(key) => Event::Digit(key),
                    None => match io.next(&screening, planned) {
                        Some(event) => event,
                        None if io.routed && !routing_failed => {
                            routing_failed = true;
                            Event::RoutingFailed
                        }
                        None => break,
                    },
                },
            };
            let actions = flow.handle(event);
            check(&actions, &mut outcomes, &mut ended)?;
            io.apply(&actions);
            if ended {
                break;
            }
        }
        prop_assert!(flow.is_finished(), "stuck: {:?}", flow);
    }
}

/// What an IO layer owes the machine after each action.
#[derive(Default)]
struct Io {
    screen: bool,
    playing: bool,
    timer: bool,
    dnc: bool,
    callback: bool,
    complaint: bool,
    routed: bool,
}

impl Io {
    fn apply(&mut self, actions: &[Action]) {
        for action in actions {
            match action {
                Action::Screen => self.screen = true,
                Action::Play(_) => self.playing = true,
                Action::StopPlayback => self.playing = false,
                Action::SetTimer { .. } => self.timer = true,
                Action::CancelTimer => self.timer = false,
                Action::AddDnc => self.dnc = true,
                Action::RequestCallback { .. } => self.callback = true,
                Action::RecordComplaint => self.complaint = true,
                Action::RouteToAgent { .. } => self.routed = true,
                _ => {}
            }
        }
    }

    /// Screening may never answer (`None`): the screening timer has to cover it.
    fn next(&mut self, screening: &Option<Screening>, planned: bool) -> Option<Event> {
        if self.screen {
            self.screen = false;
            if let Some(s) = screening {
                return Some(Event::Screened(s.clone()));
            }
        }
        if self.playing {
            self.playing = false;
            return Some(Event::PromptFinished);
        }
        if self.dnc {
            self.dnc = false;
            return Some(Event::DncRecorded);
        }
        if self.callback {
            self.callback = false;
            return Some(if planned {
                Event::CallbackPlanned
            } else {
                Event::CallbackRefused("no slot".into())
            });
        }
        if self.complaint {
            self.complaint = false;
            return Some(Event::ComplaintRecorded);
        }
        if self.timer {
            self.timer = false;
            return Some(Event::TimerFired);
        }
        None
    }
}
