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
pub const QUEUE_POSITION: &str = "queue_position";
pub const QUEUE_POSITION_SUFFIX: &str = "queue_position_suffix";
pub const ESTIMATED_WAIT: &str = "estimated_wait";
pub const ESTIMATED_WAIT_MINUTES: &str = "estimated_wait_minutes";
pub const QUEUE_OFFER: &str = "queue_offer";
pub const SURVEY_QUESTION: &str = "survey_question";

/// The number prompts that say `n` (0–69): `number_N` up to 20, then tens and units.
pub fn number(n: u32) -> Vec<String> {
    match n {
        0..=20 => vec![format!("number_{n}")],
        21..=69 => {
            let (tens, units) = (n / 10 * 10, n % 10);
            let mut v = vec![format!("number_{tens}")];
            if units > 0 {
                v.push(format!("number_{units}"));
            }
            v
        }
        _ => Vec::new(),
    }
}

/// Every number prompt `number` may ask for.
pub const NUMBERS: [&str; 25] = [
    "number_0",
    "number_1",
    "number_2",
    "number_3",
    "number_4",
    "number_5",
    "number_6",
    "number_7",
    "number_8",
    "number_9",
    "number_10",
    "number_11",
    "number_12",
    "number_13",
    "number_14",
    "number_15",
    "number_16",
    "number_17",
    "number_18",
    "number_19",
    "number_20",
    "number_30",
    "number_40",
    "number_50",
    "number_60",
];

/// Every fixed prompt, so a deployment can check its recordings exist before taking calls.
pub const FIXED: [&str; 17] = [
    QUEUE_POSITION,
    QUEUE_POSITION_SUFFIX,
    ESTIMATED_WAIT,
    ESTIMATED_WAIT_MINUTES,
    QUEUE_OFFER,
    SURVEY_QUESTION,
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
