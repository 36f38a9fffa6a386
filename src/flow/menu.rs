//! Menus: prompt with barge-in, type-ahead, timeout, retries, and what each key leads to.
//!
//! Type-ahead: a key kept from a non-menu prompt is taken the moment the next menu would start,
//! and that menu's prompt is not played at all; the caller already knows what they want.

use super::machine::{Flow, Menu, Phase, State};
use super::prompt;
use super::types::{Choice, Outcome};

/// The key the `dnc_callback_notice` prompt names ("press 1 to agree to this one call").
pub const CONSENT_KEY: char = '1';

impl Menu {
    fn prompt(self) -> &'static str {
        match self {
            Menu::Language => prompt::LANGUAGE_MENU,
            Menu::Main => prompt::MAIN_MENU,
            Menu::AfterHours => prompt::AFTER_HOURS,
            Menu::DncConsent => prompt::DNC_CALLBACK_NOTICE,
        }
    }

    fn step(self) -> &'static str {
        match self {
            Menu::Language => "language-menu",
            Menu::Main => "main-menu",
            Menu::AfterHours => "after-hours-menu",
            Menu::DncConsent => "dnc-consent",
        }
    }

    pub(super) fn stage(self) -> &'static str {
        match self {
            Menu::Language => "in the language menu",
            Menu::Main => "in the main menu",
            Menu::AfterHours => "in the after-hours menu",
            Menu::DncConsent => "at the callback consent question",
        }
    }
}

impl Flow {
    /// Starts a menu afresh. Consent must follow the notice, so it never takes type-ahead.
    pub(super) fn enter_menu(&mut self, menu: Menu) {
        self.retries = 0;
        if menu == Menu::DncConsent {
            self.type_ahead.clear();
        }
        self.present_menu(menu);
    }

    /// Plays the menu prompt, unless a kept key answers it already.
    fn present_menu(&mut self, menu: Menu) {
        if menu != Menu::DncConsent
            && let Some(key) = self.type_ahead.pop_front()
        {
            self.select(menu, key, true);
            return;
        }
        self.state = State::Menu {
            menu,
            phase: Phase::Prompt,
        };
        self.play([menu.prompt()], true);
    }

    /// Acts on a key; every path leaves the menu state with a prompt playing or a new state.
    pub(super) fn select(&mut self, menu: Menu, key: char, typed_ahead: bool) {
        let how = if typed_ahead { " (typed ahead)" } else { "" };
        match menu {
            Menu::Language => match self.config.language_keys.get(&key).copied() {
                Some(lang) => {
                    self.log(menu.step(), format!("key {key}{how} -> {lang}"));
                    self.decide_language(lang);
                    self.enter_menu(self.home);
                }
                None => self.invalid(menu, key, how),
            },
            Menu::DncConsent => {
                if key == CONSENT_KEY {
                    self.log(menu.step(), format!("key {key} -> agreed to one callback"));
                    self.request_callback(true);
                } else {
                    self.log(menu.step(), format!("key {key} -> no consent, back"));
                    self.enter_menu(self.home);
                }
            }
            Menu::Main | Menu::AfterHours => {
                let offered = |c: &Choice| {
                    menu == Menu::Main
                        || matches!(c, Choice::Callback | Choice::Complaint | Choice::Repeat)
                };
                match self.config.keys.get(&key).copied().filter(offered) {
                    Some(choice) => {
                        self.log(menu.step(), format!("key {key}{how} -> {choice}"));
                        self.choose(menu, choice);
                    }
                    None => self.invalid(menu, key, how),
                }
            }
        }
    }

    fn choose(&mut self, menu: Menu, choice: Choice) {
        match choice {
            Choice::Repeat => self.present_menu(menu),
            Choice::Agent => self.route_to_agent(),
            Choice::Callback if self.is_dnc() => self.enter_menu(Menu::DncConsent),
            Choice::Callback => self.request_callback(false),
            Choice::Complaint if menu == Menu::AfterHours => {
                self.start_complaint(Outcome::AfterHoursMessage)
            }
            Choice::Complaint => self.start_complaint(Outcome::Complaint),
            Choice::Dnc => self.add_dnc(),
        }
    }

    /// An invalid key counts as one of the menu's retries.
    fn invalid(&mut self, menu: Menu, key: char, how: &str) {
        self.retries = self.retries.saturating_add(1);
        let max = self.config.menu_retries;
        let detail = if self.retries <= max {
            format!("key {key}{how}: invalid, retry {}/{max}", self.retries)
        } else {
            format!("key {key}{how}: invalid, no retries left")
        };
        self.log(menu.step(), detail);
        self.state = State::Menu {
            menu,
            phase: Phase::Invalid,
        };
        self.play([prompt::INVALID_CHOICE], false);
    }

    pub(super) fn after_invalid(&mut self, menu: Menu) {
        if self.retries > self.config.menu_retries {
            self.give_up(menu);
        } else {
            self.present_menu(menu);
        }
    }

    pub(super) fn menu_no_input(&mut self, menu: Menu) {
        if menu == Menu::DncConsent {
            self.log(menu.step(), "no answer, back");
            self.enter_menu(self.home);
            return;
        }
        self.retries = self.retries.saturating_add(1);
        let max = self.config.menu_retries;
        if self.retries <= max {
            self.log(
                menu.step(),
                format!("no input, retry {}/{max}", self.retries),
            );
            self.present_menu(menu);
        } else {
            self.give_up(menu);
        }
    }

    /// Retries are spent: each menu has its own way out, so a silent caller never loops.
    fn give_up(&mut self, menu: Menu) {
        match menu {
            Menu::Language => {
                let lang = self.config.default_language;
                self.log(menu.step(), format!("no choice, default language {lang}"));
                self.decide_language(lang);
                self.enter_menu(self.home);
            }
            Menu::Main => {
                // Validation forbids these; an unchecked config still must not loop or opt out.
                let choice = match self.config.no_input {
                    Choice::Repeat | Choice::Dnc => Choice::Agent,
                    other => other,
                };
                if choice == Choice::Callback && self.is_dnc() {
                    self.log(menu.step(), "no choice; DNC caller, no callback, goodbye");
                    self.set_outcome(Outcome::Abandoned);
                    self.goodbye();
                } else {
                    self.log(menu.step(), format!("no choice -> {choice}"));
                    self.choose(menu, choice);
                }
            }
            Menu::AfterHours => {
                self.log(menu.step(), "no choice, goodbye");
                self.set_outcome(Outcome::Abandoned);
                self.goodbye();
            }
            Menu::DncConsent => self.enter_menu(self.home),
        }
    }
}
