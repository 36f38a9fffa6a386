use super::*;
use std::path::Path;

/// The shipped `[templates]` table of a language.
fn shipped(lang: Lang) -> Templates {
    #[derive(Deserialize)]
    struct File {
        templates: Templates,
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("prompts")
        .join(lang.as_str())
        .join("prompts.toml");
    toml::from_str::<File>(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .templates
}

fn hours(s: &str) -> WeeklyHours {
    s.parse().unwrap()
}

#[test]
fn weekly_hours_in_words_in_every_language() {
    let h = hours("Mon-Fri 09:00-18:00; Sat 10:00-14:00");
    assert_eq!(
        hours_in_words(Lang::En, &h),
        "Monday to Friday, 9:00 to 18:00; Saturday, 10:00 to 14:00"
    );
    assert_eq!(
        hours_in_words(Lang::Ru, &h),
        "понедельник — пятница, с 9:00 до 18:00; суббота, с 10:00 до 14:00"
    );
    assert_eq!(
        hours_in_words(Lang::Uk, &h),
        "понеділок — п'ятниця, з 9:00 до 18:00; субота, з 10:00 до 14:00"
    );
    assert_eq!(
        hours_in_words(Lang::Lt, &h),
        "pirmadienis — penktadienis, nuo 9:00 iki 18:00; šeštadienis, nuo 10:00 iki 14:00"
    );
    assert_eq!(
        hours_in_words(Lang::Ru, &hours("00:00-24:00")),
        "круглосуточно"
    );
    assert_eq!(
        hours_in_words(Lang::En, &hours("Mon,Wed 08:00-12:00,13:00-17:00")),
        "Monday, 8:00 to 12:00, 13:00 to 17:00; Wednesday, 8:00 to 12:00, 13:00 to 17:00"
    );
}

#[test]
fn the_shipped_templates_say_the_company_the_hours_and_the_holiday() {
    let h = hours("Mon-Fri 08:00-17:00");
    for lang in Lang::ALL {
        let t = shipped(lang);
        let [greeting, after, intro] = t.fill(
            lang,
            &Facts {
                company: "Acme UAB",
                hours: &h,
                holiday_today: true,
            },
        );
        assert_eq!(greeting.0, "greeting");
        assert!(greeting.1.contains("Acme UAB"), "{lang}: {}", greeting.1);
        assert!(intro.1.contains("Acme UAB"), "{lang}: {}", intro.1);
        assert!(
            after.1.contains("8:00") && after.1.contains("17:00"),
            "{lang}: {}",
            after.1
        );
        assert!(after.1.contains(t.holiday.trim()), "{lang}: {}", after.1);
        assert!(!after.1.contains('{'), "{lang}: {}", after.1);
        let ordinary = t.fill(
            lang,
            &Facts {
                company: "Acme UAB",
                hours: &h,
                holiday_today: false,
            },
        );
        assert!(!ordinary[1].1.contains(t.holiday.trim()));
        assert!(!ordinary[1].1.contains("  "));
    }
    let [_, after, _] = shipped(Lang::Ru).fill(
        Lang::Ru,
        &Facts {
            company: "Пример",
            hours: &h,
            holiday_today: false,
        },
    );
    assert_eq!(
        after.1,
        "Сейчас мы не работаем. Наши часы работы: понедельник — пятница, с 8:00 до 17:00. \
         Чтобы заказать обратный звонок, нажмите 2. Чтобы оставить сообщение, нажмите 3."
    );
}
