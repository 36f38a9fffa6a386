//! Phone numbers are stored in E.164 and nothing else, so that the DNC list, the VIP list and the
//! client card always agree on who a caller is, however the number was typed.

use phonenumber::country;
use std::str::FromStr;

/// Why a number could not be normalised.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhoneError {
    #[error("unparsable phone number {input:?}: {why}")]
    Unparsable { input: String, why: String },
    #[error("{input:?} is not a valid phone number for its country")]
    Invalid { input: String },
    #[error("unknown region {0:?} (expected an ISO 3166 code such as LT)")]
    UnknownRegion(String),
}

/// The region used to read national numbers ("8 612 34567" in Lithuania).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(country::Id);

impl FromStr for Region {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        country::Id::from_str(&s.trim().to_ascii_uppercase())
            .map(Region)
            .map_err(|_| PhoneError::UnknownRegion(s.to_string()))
    }
}

impl Region {
    /// The embedded default (`[company] default_region = "LT"`).
    pub const LITHUANIA: Region = Region(country::Id::LT);

    /// The ISO 3166 code, e.g. "LT".
    pub fn code(&self) -> String {
        let id: &str = self.0.as_ref();
        id.to_string()
    }
}

/// Normalises `input` (national or international, any punctuation) to E.164, e.g. `+37061234567`.
pub fn normalize(input: &str, region: Region) -> Result<String, PhoneError> {
    let trimmed = input.trim();
    let parsed =
        phonenumber::parse(Some(region.0), trimmed).map_err(|e| PhoneError::Unparsable {
            input: trimmed.to_string(),
            why: e.to_string(),
        })?;
    if !parsed.is_valid() {
        return Err(PhoneError::Invalid {
            input: trimmed.to_string(),
        });
    }
    Ok(parsed.format().mode(phonenumber::Mode::E164).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lt() -> Region {
        "LT".parse().unwrap()
    }

    #[test]
    fn national_and_international_forms_agree() {
        let a = normalize("8 612 34567", lt()).unwrap();
        let b = normalize("+370 612 34567", lt()).unwrap();
        let c = normalize("00370-612-34567", lt()).unwrap();
        assert_eq!(a, "+37061234567");
        assert_eq!(a, b);
        assert_eq!(a, c);
    }

    #[test]
    fn foreign_numbers_keep_their_country() {
        assert_eq!(
            normalize("+1 (415) 555-2671", lt()).unwrap(),
            "+14155552671"
        );
        let us: Region = "us".parse().unwrap();
        assert_eq!(normalize("415-555-2671", us).unwrap(), "+14155552671");
    }

    #[test]
    fn garbage_is_a_clear_error() {
        assert!(matches!(
            normalize("hello", lt()),
            Err(PhoneError::Unparsable { .. })
        ));
        assert!(matches!(
            normalize("+370 1", lt()),
            Err(PhoneError::Invalid { .. }) | Err(PhoneError::Unparsable { .. })
        ));
        assert_eq!(
            "XX".parse::<Region>(),
            Err(PhoneError::UnknownRegion("XX".into()))
        );
    }
}
