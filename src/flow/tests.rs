//! Whole calls driven as scripts: feed events, check the actions that come back.

use super::*;

mod calls;
mod config_file;
mod hangups;
mod menus;
mod props;
mod queue;

/// A call under test: the machine plus every action it emitted so far.
struct Call {
    flow: Flow,
    all: Vec<Action>,
}

impl Call {
    fn new() -> Call {
        Call::with(FlowConfig::default())
    }

    fn with(config: FlowConfig) -> Call {
        Call {
            flow: Flow::new(config),
            all: Vec::new(),
        }
    }

    fn send(&mut self, event: Event) -> Vec<Action> {
        let actions = self.flow.handle(event);
        self.all.extend(actions.iter().cloned());
        actions
    }

    /// Feeds events in order and returns everything they produced.
    fn run(&mut self, events: impl IntoIterator<Item = Event>) -> Vec<Action> {
        events.into_iter().flat_map(|e| self.send(e)).collect()
    }

    /// Answers, screens and plays the default greeting through; returns those actions.
    fn answered(config: FlowConfig, screening: Screening) -> (Call, Vec<Action>) {
        let mut call = Call::with(config);
        let actions = call.run([
            Event::Answered,
            Event::Screened(screening),
            Event::PromptFinished,
            Event::PromptFinished,
        ]);
        (call, actions)
    }

    /// A known English-speaking client at the main menu, its prompt playing.
    fn at_main_menu() -> Call {
        Call::answered(FlowConfig::default(), card(Lang::En)).0
    }

    fn count(&self, pred: impl Fn(&Action) -> bool) -> usize {
        self.all.iter().filter(|a| pred(a)).count()
    }

    fn outcomes(&self) -> Vec<Outcome> {
        self.all
            .iter()
            .filter_map(|a| match a {
                Action::Outcome(o) => Some(*o),
                _ => None,
            })
            .collect()
    }

    fn steps(&self) -> Vec<String> {
        steps(&self.all)
    }
}

fn card(lang: Lang) -> Screening {
    Screening {
        known_client: true,
        name: Some("Ona".into()),
        language: Some(lang),
        ..Screening::default()
    }
}

fn unknown_caller() -> Screening {
    Screening::default()
}

fn play(prompts: &[&str], lang: Lang, barge_in: bool) -> Action {
    Action::Play(Play {
        prompts: prompts.iter().map(|p| p.to_string()).collect(),
        lang,
        barge_in,
    })
}

fn menu(prompt: &str, lang: Lang) -> Action {
    play(&[prompt], lang, true)
}

fn say(prompts: &[&str]) -> Action {
    play(prompts, Lang::En, false)
}

fn keys(s: &str) -> Vec<Event> {
    s.chars().map(Event::Digit).collect()
}

/// The actions without the log lines, for exact comparisons of what the IO layer does.
fn quiet(actions: Vec<Action>) -> Vec<Action> {
    actions
        .into_iter()
        .filter(|a| !matches!(a, Action::Log(_)))
        .collect()
}

fn steps(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Log(step) => Some(step.to_string()),
            _ => None,
        })
        .collect()
}

fn prompts(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Play(p) => Some(p.prompts.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn timer() -> Action {
    Action::SetTimer { ms: 5_000 }
}
