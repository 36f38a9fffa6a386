//! The vocabulary shared by the machine and the IO layer: what comes in, what goes out.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A language the prompts are recorded in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Ru,
    Uk,
    Lt,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::En, Lang::Ru, Lang::Uk, Lang::Lt];

    /// The ISO 639-1 code, which is also the prompt folder name.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Uk => "uk",
            Lang::Lt => "lt",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A language code that is none of ours (client cards are imported from CSV, so this happens).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?} (expected en, ru, uk or lt)")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Lang, UnknownLang> {
        Lang::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownLang(s.to_string()))
    }
}

/// What a main-menu key stands for; the key itself is configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    Agent,
    Callback,
    Complaint,
    Dnc,
    Repeat,
}

impl Choice {
    pub fn as_str(self) -> &'static str {
        match self {
            Choice::Agent => "agent",
            Choice::Callback => "callback",
            Choice::Complaint => "complaint",
            Choice::Dnc => "dnc",
            Choice::Repeat => "repeat",
        }
    }
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the call ended, as stored on the call row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Set by the routing layer; the flow itself never gets this far.
    AnsweredByAgent,
    /// The caller left after a choice, before anything was requested for them.
    Abandoned,
    CallbackRequested,
    Complaint,
    DncOptOut,
    AfterHoursMessage,
    Failed,
    /// The caller hung up before making a choice.
    HangupInMenu,
    /// The call was handed to the routing layer.
    AgentRequested,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::AnsweredByAgent => "answered-by-agent",
            Outcome::Abandoned => "abandoned",
            Outcome::CallbackRequested => "callback-requested",
            Outcome::Complaint => "complaint",
            Outcome::DncOptOut => "dnc-opt-out",
            Outcome::AfterHoursMessage => "after-hours-message",
            Outcome::Failed => "failed",
            Outcome::HangupInMenu => "hangup-in-menu",
            Outcome::AgentRequested => "agent-requested",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the client card and the calendars say about the caller, gathered by the IO layer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Screening {
    pub known_client: bool,
    pub name: Option<String>,
    pub language: Option<Lang>,
    pub dnc: bool,
    pub vip_agent: Option<String>,
    pub after_hours: bool,
}

/// Everything the IO layer tells the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Answered,
    Screened(Screening),
    /// The latest `Play` has finished (never sent for a play ended by `StopPlayback`).
    PromptFinished,
    Digit(char),
    TimerFired,
    DncRecorded,
    CallbackPlanned,
    /// Planning failed; the text is logged.
    CallbackRefused(String),
    ComplaintRecorded,
    RoutingFailed,
    /// The caller's place in the queue, in answer to `QueryQueue`; `wait_secs` is `None` while
    /// there is no recent handle time to estimate from.
    QueueStatus {
        position: u32,
        wait_secs: Option<u32>,
    },
    /// An agent answered and the media is bridged.
    AgentAnswered {
        agent: String,
    },
    /// The bridged agent hung up; the caller is still on the line.
    AgentHungUp,
    /// The agent transferred the caller back to the queue: waiting (and announcements) again.
    BackToQueue,
    Hangup,
}

/// Prompts played back to back in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play {
    /// Prompt names; the media layer maps each to a file for `lang`.
    pub prompts: Vec<String>,
    pub lang: Lang,
    /// Whether a key press should cut the playback short (menus only).
    pub barge_in: bool,
}

/// One decision, kept as a call_events row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Short machine name, e.g. `main-menu`.
    pub name: &'static str,
    /// Human detail, e.g. `key 9 -> dnc`.
    pub detail: String,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.detail)
    }
}

/// Everything the machine asks of the IO layer, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Screen,
    /// Replaces whatever is playing.
    Play(Play),
    /// The interrupted play will get no `PromptFinished`.
    StopPlayback,
    /// Start recording the call; only sent once the recording notice has been heard.
    StartRecording,
    /// Arms the single timer, replacing any armed one.
    SetTimer {
        ms: u64,
    },
    CancelTimer,
    /// The language is settled; later prompts and the call row use it.
    SetLanguage(Lang),
    AddDnc,
    RequestCallback {
        /// The caller is on the DNC list and agreed to this one call (the IO layer logs it).
        dnc_consent: bool,
        /// Asked from the queue: the IO layer takes the caller out of it, and the callback keeps
        /// their place (it goes out before later requests).
        keep_place: bool,
    },
    /// Record the caller until `StopComplaintRecording` or hangup, then send `ComplaintRecorded`.
    RecordComplaint,
    StopComplaintRecording,
    /// Queue the caller for an agent (the VIP's consultant first); agents ring while prompts play.
    RouteToAgent {
        vip_agent: Option<String>,
    },
    /// Answer with `QueueStatus`.
    QueryQueue,
    /// The caller hung up while queued: leave the queue, and ask for a callback unless DNC.
    Abandoned,
    /// Pass a caller's key to the bridged agent.
    RelayDigit(char),
    /// The caller's 0–10 rating of the agent call.
    SaveSurvey(u8),
    /// Sent at most once per call.
    Outcome(Outcome),
    Log(Step),
    /// Always preceded (in this or an earlier batch) by `Outcome`; nothing follows.
    Hangup,
}
