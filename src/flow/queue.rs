//! Waiting for an agent, talking to one, and rating the call afterwards.
//!
//! While queued the caller hears `agent_connecting`, then their position and estimated wait,
//! repeated every `queue_announce_ms` only when the news changed. A wait above
//! `queue_offer_wait_secs` brings, once, the offer to keep waiting (1) or get a callback that keeps
//! their place (2); a DNC caller must first agree to that one call. Agents ring all along: the
//! routing layer bridges whenever one answers, whatever is playing.

use super::machine::{Flow, Phase, QueuePhase, State};
use super::menu::CONSENT_KEY;
use super::prompt;
use super::types::{Action, Outcome};
use crate::announce::{self, Gender, MAX_SPOKEN};

impl Flow {
    pub(super) fn on_queue_status(&mut self, position: u32, wait_secs: Option<u32>) {
        if self.state
            != (State::Queued {
                phase: QueuePhase::Asking,
            })
        {
            return;
        }
        let minutes = wait_secs.map(|s| s.div_ceil(60).clamp(1, MAX_SPOKEN));
        if let Some(wait) = wait_secs
            && wait > self.config.queue_offer_wait_secs
            && !self.offered
        {
            self.offered = true;
            self.log(
                "queue",
                format!("position {position}, wait ~{wait} s: offering a callback"),
            );
            self.state = State::Queued {
                phase: QueuePhase::Offer(Phase::Prompt),
            };
            self.play([prompt::QUEUE_OFFER], true);
            return;
        }
        if self.announced == Some((position, minutes)) || position == 0 {
            self.wait_in_queue();
            return;
        }
        self.announced = Some((position, minutes));
        let mut say = Vec::new();
        if position <= MAX_SPOKEN {
            say.push(prompt::QUEUE_POSITION.to_string());
            say.extend(announce::number(position, Gender::Masculine));
            say.push(prompt::QUEUE_POSITION_SUFFIX.to_string());
        }
        if let Some(m) = minutes {
            say.push(prompt::ESTIMATED_WAIT.to_string());
            say.extend(announce::minutes(self.lang, m));
        }
        self.log(
            "queue",
            format!("announced position {position}, wait {minutes:?} min"),
        );
        if say.is_empty() {
            self.wait_in_queue();
            return;
        }
        self.state = State::Queued {
            phase: QueuePhase::Playing,
        };
        self.play(say, false);
    }

    fn wait_in_queue(&mut self) {
        self.state = State::Queued {
            phase: QueuePhase::Waiting,
        };
        self.set_timer(self.config.queue_announce_ms);
    }

    fn ask_queue(&mut self) {
        self.state = State::Queued {
            phase: QueuePhase::Asking,
        };
        self.out.push(Action::QueryQueue);
    }

    pub(super) fn queue_prompt_finished(&mut self, phase: QueuePhase) {
        match phase {
            QueuePhase::Playing => self.ask_or_wait(),
            QueuePhase::Offer(Phase::Prompt) => {
                self.state = State::Queued {
                    phase: QueuePhase::Offer(Phase::Waiting),
                };
                self.set_timer(self.config.menu_timeout_ms);
            }
            QueuePhase::Consent(Phase::Prompt) => {
                self.state = State::Queued {
                    phase: QueuePhase::Consent(Phase::Waiting),
                };
                self.set_timer(self.config.menu_timeout_ms);
            }
            _ => {}
        }
    }

    /// After `agent_connecting` the caller is told where they stand at once; after an
    /// announcement, the next one waits for the interval.
    fn ask_or_wait(&mut self) {
        if self.announced.is_none() {
            self.ask_queue();
        } else {
            self.wait_in_queue();
        }
    }

    pub(super) fn queue_timer(&mut self, phase: QueuePhase) {
        match phase {
            QueuePhase::Waiting => self.ask_queue(),
            QueuePhase::Offer(Phase::Waiting) => {
                self.log("queue-offer", "no answer, keeps waiting");
                self.wait_in_queue();
            }
            QueuePhase::Consent(Phase::Waiting) => {
                self.log("queue-offer", "no consent, keeps waiting");
                self.wait_in_queue();
            }
            _ => {}
        }
    }

    pub(super) fn queue_digit(&mut self, phase: QueuePhase, key: char) {
        match phase {
            QueuePhase::Offer(p) => {
                self.cancel_timer();
                if p == Phase::Prompt {
                    self.stop_playback();
                }
                match key {
                    '2' if self.is_dnc() => {
                        self.log(
                            "queue-offer",
                            "key 2 -> callback; DNC caller, asking consent",
                        );
                        self.state = State::Queued {
                            phase: QueuePhase::Consent(Phase::Prompt),
                        };
                        self.play([prompt::DNC_CALLBACK_NOTICE], true);
                    }
                    '2' => {
                        self.log("queue-offer", "key 2 -> callback keeping the place");
                        self.ask_callback(false, true);
                    }
                    _ => {
                        self.log("queue-offer", format!("key {key} -> keeps waiting"));
                        self.wait_in_queue();
                    }
                }
            }
            QueuePhase::Consent(p) => {
                self.cancel_timer();
                if p == Phase::Prompt {
                    self.stop_playback();
                }
                if key == CONSENT_KEY {
                    self.log("dnc-consent", "agreed to one callback, keeping the place");
                    self.ask_callback(true, true);
                } else {
                    self.log("dnc-consent", format!("key {key} -> keeps waiting"));
                    self.wait_in_queue();
                }
            }
            // Keys while waiting are kept in `digits` only.
            _ => {}
        }
    }

    /// Whatever the caller was hearing, they now hear the agent.
    pub(super) fn on_agent_answered(&mut self, agent: &str) {
        if !matches!(self.state, State::Queued { .. }) {
            return;
        }
        self.cancel_timer();
        self.stop_playback();
        self.log("route", format!("agent {agent} answered, bridged"));
        self.state = State::Bridged;
        self.set_outcome(Outcome::AnsweredByAgent);
    }

    /// Transferred back by the agent: the caller waits again, told where they stand at once.
    pub(super) fn on_back_to_queue(&mut self) {
        if self.state != State::Bridged {
            return;
        }
        self.log("route", "transferred back to the queue");
        self.announced = None;
        self.ask_queue();
    }

    pub(super) fn on_agent_hung_up(&mut self) {
        if self.state != State::Bridged {
            return;
        }
        if self.config.survey {
            self.log("survey", "agent hung up, asking for a rating");
            self.state = State::Survey {
                phase: Phase::Prompt,
                first: None,
            };
            self.play([prompt::SURVEY_QUESTION], true);
        } else {
            self.log("route", "agent hung up");
            self.goodbye();
        }
    }

    /// `1` may be the start of `10`: it waits for one more key or the timeout.
    pub(super) fn survey_digit(&mut self, first: Option<u8>, key: char) {
        self.stop_playback();
        self.cancel_timer();
        let Some(d) = key.to_digit(10).map(|d| d as u8) else {
            match (key, first) {
                ('#', Some(f)) => self.rated(f),
                _ => self.survey_wait(first),
            }
            return;
        };
        match first {
            Some(1) if d == 0 => self.rated(10),
            Some(f) => self.rated(f),
            None if d == 1 => self.survey_wait(Some(1)),
            None => self.rated(d),
        }
    }

    fn survey_wait(&mut self, first: Option<u8>) {
        self.state = State::Survey {
            phase: Phase::Waiting,
            first,
        };
        self.set_timer(self.config.menu_timeout_ms);
    }

    pub(super) fn survey_timeout(&mut self, first: Option<u8>) {
        match first {
            Some(f) => self.rated(f),
            None => {
                self.log("survey", "no rating");
                self.goodbye();
            }
        }
    }

    fn rated(&mut self, score: u8) {
        self.log("survey", format!("rated {score}/10"));
        self.out.push(Action::SaveSurvey(score));
        self.goodbye();
    }
}
