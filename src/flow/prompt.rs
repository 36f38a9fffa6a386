//! Prompt names the flow plays; the media layer maps each to a recording per language.
//!
//! The opening prompts come from `[flow].greeting`; these are the fixed ones.

pub const GREETING: &str = "greeting";
/// Call recording starts only once this prompt has finished (the caller's consent).
pub const RECORDING_NOTICE: &str = "recording_notice";
pub const LANGUAGE_MENU: &str = "language_menu";
pub const MAIN_MENU: &str = "main_menu";
pub const AFTER_HOURS: &str = "after_hours";
pub const INVALID_CHOICE: &str = "invalid_choice";
pub const AGENT_CONNECTING: &str = "agent_connecting";
pub const CALLBACK_CONFIRMATION: &str = "callback_confirmation";
pub const DNC_CALLBACK_NOTICE: &str = "dnc_callback_notice";
pub const DNC_CONFIRMATION: &str = "dnc_confirmation";
pub const COMPLAINT_INSTRUCTIONS: &str = "complaint_instructions";
pub const GOODBYE: &str = "goodbye";

/// Every fixed prompt, so a deployment can check its recordings exist before taking calls.
pub const FIXED: [&str; 11] = [
    LANGUAGE_MENU,
    MAIN_MENU,
    AFTER_HOURS,
    INVALID_CHOICE,
    AGENT_CONNECTING,
    CALLBACK_CONFIRMATION,
    DNC_CALLBACK_NOTICE,
    DNC_CONFIRMATION,
    COMPLAINT_INSTRUCTIONS,
    GOODBYE,
    RECORDING_NOTICE,
];
