//! The call-flow engine: events in, actions out, no IO, so whole calls are tested as scripts.
//!
//! Invariants the IO layer relies on: at most one timer and one playback are outstanding; every
//! waiting state has a timer or waits for an event the IO layer always delivers; at most one
//! `Outcome` is emitted, `Hangup` only after it, and nothing after `Hangup` (ours or the caller's).

use super::config::FlowConfig;
use super::prompt;
use super::types::{Action, Event, Lang, Outcome, Play, Screening, Step};

use std::collections::VecDeque;

/// How long to wait for the client card before greeting in the default language anyway.
pub const SCREENING_TIMEOUT_MS: u64 = 2_000;
/// Type-ahead kept for the next menu; more than this is a stuck key, not a caller.
const TYPE_AHEAD_MAX: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Menu {
    Language,
    Main,
    AfterHours,
    /// "Press 1 to agree to this one call", offered to a DNC caller who asked for a callback.
    DncConsent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// The menu prompt is playing; a key cuts it short.
    Prompt,
    /// The prompt ended; the timer is armed.
    Waiting,
    /// `invalid_choice` is playing; keys are kept for the repeated menu.
    Invalid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum QueuePhase {
    /// `agent_connecting` or an announcement plays.
    Playing,
    /// `QueryQueue` sent; the answer decides what to say.
    Asking,
    /// Between announcements; the timer asks again.
    Waiting,
    /// "Keep waiting (1) or a callback keeping your place (2)".
    Offer(Phase),
    /// A DNC caller chose the callback: "agree to this one call (1)".
    Consent(Phase),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum State {
    Idle,
    Screening,
    Greeting {
        index: usize,
    },
    Menu {
        menu: Menu,
        phase: Phase,
    },
    ComplaintIntro {
        outcome: Outcome,
    },
    ComplaintRecording {
        outcome: Outcome,
    },
    ComplaintStopping {
        outcome: Outcome,
    },
    AwaitDnc,
    AwaitCallback,
    /// Waiting for an agent; see `flow::queue`.
    Queued {
        phase: QueuePhase,
    },
    /// Talking to an agent; keys go to them.
    Bridged,
    /// The rating question after the agent hung up; `first` is a kept `1` that may become 10.
    Survey {
        phase: Phase,
        first: Option<u8>,
    },
    /// The callback confirmation plays while the promise is rendered; the promise and goodbye
    /// follow it.
    Confirming,
    /// The last prompts play; the machine hangs up when they finish.
    Closing,
    Done,
}

/// One call's flow. Feed it every event of the call; carry out the actions in order.
#[derive(Debug, Clone)]
pub struct Flow {
    pub(super) config: FlowConfig,
    pub(super) state: State,
    pub(super) lang: Lang,
    /// Set once, from the card, the language menu or its default; later prompts keep it.
    pub(super) lang_decided: bool,
    pub(super) screening: Option<Screening>,
    /// The menu choices return to: the main menu, or the after-hours one.
    pub(super) home: Menu,
    pub(super) digits: String,
    pub(super) type_ahead: VecDeque<char>,
    /// No-input and invalid-key count in the current menu.
    pub(super) retries: u32,
    pub(super) outcome: Option<Outcome>,
    pub(super) timer_armed: bool,
    pub(super) playing: bool,
    pub(super) recording: bool,
    /// The last position and wait told to the queued caller; the same news is not repeated.
    pub(super) announced: Option<(u32, Option<u32>)>,
    /// The long-wait offer is made once per call.
    pub(super) offered: bool,
    pub(super) out: Vec<Action>,
}

impl Flow {
    /// Does not validate: an unchecked config still yields a flow that never panics or stalls.
    pub fn new(config: FlowConfig) -> Flow {
        Flow {
            lang: config.default_language,
            config,
            state: State::Idle,
            lang_decided: false,
            screening: None,
            home: Menu::Main,
            digits: String::new(),
            type_ahead: VecDeque::new(),
            retries: 0,
            outcome: None,
            timer_armed: false,
            playing: false,
            recording: false,
            announced: None,
            offered: false,
            out: Vec::new(),
        }
    }

    /// Advances the call by one event; the actions are to be carried out in order.
    pub fn handle(&mut self, event: Event) -> Vec<Action> {
        if self.state == State::Done {
            return Vec::new();
        }
        match event {
            Event::Hangup => self.on_caller_hangup(),
            Event::Answered => self.on_answered(),
            Event::Screened(screening) => self.on_screened(screening),
            Event::PromptFinished => {
                if self.playing {
                    self.playing = false;
                    self.on_prompt_finished();
                }
            }
            Event::Digit(key) => self.on_digit(key),
            Event::TimerFired => {
                if self.timer_armed {
                    self.timer_armed = false;
                    self.on_timer();
                }
            }
            Event::DncRecorded => self.on_dnc_recorded(),
            Event::CallbackPlanned => self.on_callback_result(None),
            Event::CallbackRefused(reason) => self.on_callback_result(Some(reason)),
            Event::ComplaintRecorded => self.on_complaint_recorded(),
            Event::RoutingFailed => self.on_routing_failed(),
            Event::QueueStatus {
                position,
                wait_secs,
            } => self.on_queue_status(position, wait_secs),
            Event::AgentAnswered { agent } => self.on_agent_answered(&agent),
            Event::AgentHungUp => self.on_agent_hung_up(),
            Event::BackToQueue => self.on_back_to_queue(),
        }
        std::mem::take(&mut self.out)
    }

    /// Every key the caller pressed since answer, in order, for the call row.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome
    }

    /// The language prompts play in now (the default until one is settled).
    pub fn language(&self) -> Lang {
        self.lang
    }

    /// True after our `Hangup` or the caller's; every later event is ignored.
    pub fn is_finished(&self) -> bool {
        self.state == State::Done
    }

    fn on_answered(&mut self) {
        if self.state != State::Idle {
            return;
        }
        self.state = State::Screening;
        self.log("answer", "screening the caller");
        self.out.push(Action::Screen);
        self.set_timer(SCREENING_TIMEOUT_MS);
    }

    /// A late card still counts: flags are read when used, the language while the greeting plays.
    fn on_screened(&mut self, screening: Screening) {
        if self.state == State::Idle || self.screening.is_some() {
            return;
        }
        let on_time = self.state == State::Screening;
        let mut detail = describe(&screening);
        if !on_time {
            detail.push_str(" (late)");
        }
        self.log("screening", detail);
        let card_language = screening.language;
        self.screening = Some(screening);
        let greeting_pending = matches!(self.state, State::Screening | State::Greeting { .. });
        if let Some(lang) = card_language
            && greeting_pending
            && !self.lang_decided
        {
            self.decide_language(lang);
        }
        if on_time {
            self.cancel_timer();
            self.play_greeting(0);
        }
    }

    fn on_timer(&mut self) {
        match self.state {
            State::Screening => {
                let detail = format!(
                    "no answer in {SCREENING_TIMEOUT_MS} ms, greeting in {}",
                    self.lang
                );
                self.log("screening", detail);
                self.play_greeting(0);
            }
            State::Menu {
                menu,
                phase: Phase::Waiting,
            } => self.menu_no_input(menu),
            State::Queued { phase } => self.queue_timer(phase),
            State::Survey {
                phase: Phase::Waiting,
                first,
            } => self.survey_timeout(first),
            _ => {}
        }
    }

    fn on_prompt_finished(&mut self) {
        match self.state {
            State::Greeting { index } => {
                let was_notice = self
                    .config
                    .greeting
                    .get(index)
                    .is_some_and(|p| p == prompt::RECORDING_NOTICE);
                if was_notice && !self.recording {
                    self.recording = true;
                    self.log("recording", "notice heard, call recording started");
                    self.out.push(Action::StartRecording);
                }
                self.play_greeting(index + 1);
            }
            State::Menu {
                menu,
                phase: Phase::Prompt,
            } => {
                self.state = State::Menu {
                    menu,
                    phase: Phase::Waiting,
                };
                self.set_timer(self.config.menu_timeout_ms);
            }
            State::Menu {
                menu,
                phase: Phase::Invalid,
            } => self.after_invalid(menu),
            State::ComplaintIntro { outcome } => self.record_complaint(outcome),
            State::Queued { phase } => self.queue_prompt_finished(phase),
            State::Survey {
                phase: Phase::Prompt,
                first,
            } => {
                self.state = State::Survey {
                    phase: Phase::Waiting,
                    first,
                };
                self.set_timer(self.config.menu_timeout_ms);
            }
            State::Confirming => {
                self.state = State::Closing;
                self.play([prompt::CALLBACK_PROMISE, prompt::GOODBYE], false);
            }
            State::Closing => self.hang_up(),
            _ => {}
        }
    }

    fn on_digit(&mut self, key: char) {
        if !is_dtmf(key) || self.state == State::Idle {
            return;
        }
        self.digits.push(key);
        match self.state {
            State::Screening
            | State::Greeting { .. }
            | State::Menu {
                phase: Phase::Invalid,
                ..
            } => self.keep_for_next_menu(key),
            State::Menu {
                menu,
                phase: Phase::Prompt,
            } => {
                self.stop_playback();
                self.select(menu, key, false);
            }
            State::Menu {
                menu,
                phase: Phase::Waiting,
            } => {
                self.cancel_timer();
                self.select(menu, key, false);
            }
            State::Queued { phase } => self.queue_digit(phase, key),
            State::Bridged => self.out.push(Action::RelayDigit(key)),
            State::Survey { first, .. } => self.survey_digit(first, key),
            State::ComplaintRecording { outcome } if key == '#' => {
                self.state = State::ComplaintStopping { outcome };
                self.log("complaint", "# pressed, recording stopped");
                self.out.push(Action::StopComplaintRecording);
            }
            _ => {}
        }
    }

    /// The outcome of a call the caller ends depends on what was already asked on their behalf.
    fn on_caller_hangup(&mut self) {
        let (outcome, stage) = match self.state {
            State::Idle => (Outcome::HangupInMenu, "before answer"),
            State::Screening => (Outcome::HangupInMenu, "during screening"),
            State::Greeting { .. } => (Outcome::HangupInMenu, "during the greeting"),
            State::Menu { menu, .. } => (Outcome::HangupInMenu, menu.stage()),
            State::ComplaintIntro { .. } => (Outcome::Abandoned, "before leaving a complaint"),
            State::ComplaintRecording { outcome } | State::ComplaintStopping { outcome } => {
                (outcome, "after leaving a message")
            }
            State::AwaitDnc => (Outcome::DncOptOut, "while the opt-out was saved"),
            State::AwaitCallback => (Outcome::CallbackRequested, "while the callback was planned"),
            State::Queued { .. } => {
                self.out.push(Action::Abandoned);
                (Outcome::Abandoned, "while queued")
            }
            State::Bridged => (Outcome::AnsweredByAgent, "while talking to the agent"),
            State::Survey { .. } => (Outcome::AnsweredByAgent, "at the survey"),
            State::Confirming => (Outcome::CallbackRequested, "during the confirmation"),
            State::Closing | State::Done => (Outcome::Failed, "during goodbye"),
        };
        self.log("hangup", format!("caller hung up {stage}"));
        self.set_outcome(outcome);
        self.state = State::Done;
    }

    /// Non-menu prompts are not cut short; their keys answer the next menu instead.
    fn keep_for_next_menu(&mut self, key: char) {
        if self.type_ahead.len() < TYPE_AHEAD_MAX {
            self.type_ahead.push_back(key);
        }
    }

    fn play_greeting(&mut self, index: usize) {
        match self.config.greeting.get(index).cloned() {
            Some(name) => {
                self.state = State::Greeting { index };
                self.play([name], false);
            }
            None => self.after_greeting(),
        }
    }

    fn after_greeting(&mut self) {
        if self.screening.as_ref().is_some_and(|s| s.after_hours) {
            self.home = Menu::AfterHours;
        }
        if self.lang_decided {
            self.enter_menu(self.home);
        } else {
            self.enter_menu(Menu::Language);
        }
    }

    pub(super) fn is_dnc(&self) -> bool {
        self.screening.as_ref().is_some_and(|s| s.dnc)
    }

    pub(super) fn log(&mut self, name: &'static str, detail: impl Into<String>) {
        self.out.push(Action::Log(Step {
            name,
            detail: detail.into(),
        }));
    }

    /// Replaces any playback; an armed timer would fire mid-prompt, so it is cancelled first.
    pub(super) fn play<S: Into<String>>(
        &mut self,
        prompts: impl IntoIterator<Item = S>,
        barge_in: bool,
    ) {
        self.cancel_timer();
        self.playing = true;
        self.out.push(Action::Play(Play {
            prompts: prompts.into_iter().map(Into::into).collect(),
            lang: self.lang,
            barge_in,
        }));
    }

    pub(super) fn stop_playback(&mut self) {
        if self.playing {
            self.playing = false;
            self.out.push(Action::StopPlayback);
        }
    }

    pub(super) fn set_timer(&mut self, ms: u64) {
        self.timer_armed = true;
        self.out.push(Action::SetTimer { ms });
    }

    pub(super) fn cancel_timer(&mut self) {
        if self.timer_armed {
            self.timer_armed = false;
            self.out.push(Action::CancelTimer);
        }
    }

    pub(super) fn decide_language(&mut self, lang: Lang) {
        self.lang = lang;
        self.lang_decided = true;
        self.out.push(Action::SetLanguage(lang));
    }

    /// The first outcome stands; later ones (e.g. after a routing fallback) only go to the log.
    pub(super) fn set_outcome(&mut self, outcome: Outcome) {
        if self.outcome.is_none() {
            self.outcome = Some(outcome);
            self.out.push(Action::Outcome(outcome));
        }
    }

    pub(super) fn goodbye(&mut self) {
        self.state = State::Closing;
        self.play([prompt::GOODBYE], false);
    }

    fn hang_up(&mut self) {
        self.set_outcome(Outcome::Failed);
        self.log("hangup", "goodbye played, hanging up");
        self.out.push(Action::Hangup);
        self.state = State::Done;
    }
}

/// Letters A-D are real DTMF tones, kept in `digits` though no menu uses them.
fn is_dtmf(key: char) -> bool {
    matches!(key, '0'..='9' | '*' | '#' | 'A'..='D')
}

fn describe(s: &Screening) -> String {
    let mut parts = vec![if s.known_client {
        "known client".to_string()
    } else {
        "unknown caller".to_string()
    }];
    parts.push(match s.language {
        Some(lang) => format!("language {lang}"),
        None => "language unknown".to_string(),
    });
    if let Some(agent) = &s.vip_agent {
        parts.push(format!("VIP agent {agent}"));
    }
    if s.dnc {
        parts.push("on the DNC list".to_string());
    }
    if s.after_hours {
        parts.push("after hours".to_string());
    }
    parts.join(", ")
}
