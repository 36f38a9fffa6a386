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
/// The callback's promise (day, date, window, why), rendered for this call while the
/// confirmation plays; not a file: the call layer supplies it, or skips it without an engine.
pub const CALLBACK_PROMISE: &str = "callback_promise";
pub const DNC_CALLBACK_NOTICE: &str = "dnc_callback_notice";
pub const DNC_CONFIRMATION: &str = "dnc_confirmation";
pub const COMPLAINT_INSTRUCTIONS: &str = "complaint_instructions";
pub const GOODBYE: &str = "goodbye";
pub const QUEUE_POSITION: &str = "queue_position";
pub const QUEUE_POSITION_SUFFIX: &str = "queue_position_suffix";
pub const ESTIMATED_WAIT: &str = "estimated_wait";
pub const QUEUE_OFFER: &str = "queue_offer";
pub const SURVEY_QUESTION: &str = "survey_question";
/// What the client hears when they answer a callback, before the recording notice.
pub const CALLBACK_INTRO: &str = "callback_intro";
pub const WHISPER_CALLBACK: &str = "whisper_callback";
pub const WHISPER_VIP: &str = "whisper_vip";
pub const WHISPER_NUMBER: &str = "whisper_number";
pub const WHISPER_DIALLING: &str = "whisper_dialling";
pub const WHISPER_REASONS: [&str; 6] = [
    "whisper_reason_menu",
    "whisper_reason_queue",
    "whisper_reason_abandoned",
    "whisper_reason_complaint",
    "whisper_reason_after_hours",
    "whisper_reason_staff",
];

/// The whisper an agent hears before a callback's client is dialled: that it is a callback, VIP
/// or not, why it was asked (its source), the last four digits of the number (the name is on the
/// screen pop), and that the client is being called now.
pub fn whisper(source: &str, vip: bool, phone: &str) -> Vec<String> {
    let mut names = vec![WHISPER_CALLBACK.to_string()];
    if vip {
        names.push(WHISPER_VIP.into());
    }
    let reason = match source {
        // A lost node's waiting caller kept their place too.
        "queue" | "node-lost" => WHISPER_REASONS[1],
        "abandoned" => WHISPER_REASONS[2],
        "complaint" => WHISPER_REASONS[3],
        "after_hours" => WHISPER_REASONS[4],
        "api" | "cli" => WHISPER_REASONS[5],
        _ => WHISPER_REASONS[0],
    };
    names.push(reason.into());
    let digits: Vec<u32> = phone.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() >= 4 {
        names.push(WHISPER_NUMBER.into());
        names.extend(
            digits[digits.len() - 4..]
                .iter()
                .map(|d| format!("number_{d}")),
        );
    }
    names.push(WHISPER_DIALLING.into());
    names
}

/// Every fixed prompt, so a deployment can check its recordings exist before taking calls.
pub const FIXED: [&str; 27] = [
    CALLBACK_INTRO,
    WHISPER_CALLBACK,
    WHISPER_VIP,
    WHISPER_NUMBER,
    WHISPER_DIALLING,
    WHISPER_REASONS[0],
    WHISPER_REASONS[1],
    WHISPER_REASONS[2],
    WHISPER_REASONS[3],
    WHISPER_REASONS[4],
    WHISPER_REASONS[5],
    QUEUE_POSITION,
    QUEUE_POSITION_SUFFIX,
    ESTIMATED_WAIT,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whisper_says_why_and_the_last_four_digits() {
        assert_eq!(
            whisper("abandoned", true, "+37061234567"),
            [
                "whisper_callback",
                "whisper_vip",
                "whisper_reason_abandoned",
                "whisper_number",
                "number_4",
                "number_5",
                "number_6",
                "number_7",
                "whisper_dialling"
            ]
        );
        assert_eq!(
            whisper("cli", false, "12"),
            [
                "whisper_callback",
                "whisper_reason_staff",
                "whisper_dialling"
            ]
        );
        for name in whisper("menu", true, "+1555") {
            assert!(
                FIXED.contains(&name.as_str())
                    || crate::announce::numbers::PROMPTS.contains(&name.as_str()),
                "{name}"
            );
        }
    }
}
