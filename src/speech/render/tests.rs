use super::*;
use crate::schedule::hours::WeeklyHours;
use crate::speech::SpeechError;

struct Fake;

impl Speech for Fake {
    fn version(&self) -> &str {
        "fake 1"
    }
    fn render(&self, voice: &str, text: &str) -> Result<Vec<i16>, SpeechError> {
        Ok(format!("{voice}:{text}").bytes().map(i16::from).collect())
    }
}

fn shipped() -> Vec<LangTexts> {
    load_texts(&Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts")).unwrap()
}

#[test]
fn without_an_engine_what_the_configuration_changed_is_stale() {
    let texts = shipped();
    assert_eq!(texts.len(), 4);
    let dir = tempfile::tempdir().unwrap();
    let hours: WeeklyHours = "Mon-Fri 09:00-18:00".parse().unwrap();
    let facts = Facts {
        company: SHIPPED_COMPANY,
        hours: &hours,
        holiday_today: false,
    };
    let out = render(None, &Cache::new(dir.path()), &texts, &facts);
    assert!(out.prompts.is_empty());
    // The shipped greeting and intro say "Example Ltd": still true. The after-hours WAV words the
    // hours differently from the template, so it counts as stale.
    assert_eq!(
        out.stale,
        [
            "en/after_hours",
            "ru/after_hours",
            "uk/after_hours",
            "lt/after_hours"
        ]
    );
    let renamed = Facts {
        company: "Acme UAB",
        ..facts
    };
    let out = render(None, &Cache::new(dir.path()), &texts, &renamed);
    assert_eq!(out.stale.len(), 12, "{:?}", out.stale);
    assert!(out.stale.contains(&"lt/greeting".to_string()));
}

#[test]
fn with_an_engine_every_announcement_is_rendered_once() {
    let texts = shipped();
    let dir = tempfile::tempdir().unwrap();
    let hours: WeeklyHours = "Mon-Fri 09:00-18:00".parse().unwrap();
    let facts = Facts {
        company: "Acme UAB",
        hours: &hours,
        holiday_today: true,
    };
    let out = render(Some(&Fake), &Cache::new(dir.path()), &texts, &facts);
    assert_eq!((out.prompts.len(), out.rendered, out.cached), (12, 12, 0));
    assert!(out.stale.is_empty());
    let (lang, name, text, _) = &out.prompts[4];
    assert_eq!((*lang, *name), (Lang::Ru, "after_hours"));
    assert!(text.contains("Сегодня праздничный день."), "{text}");
    // A restart: everything from the cache.
    let again = render(Some(&Fake), &Cache::new(dir.path()), &texts, &facts);
    assert_eq!((again.rendered, again.cached), (0, 12));
}
