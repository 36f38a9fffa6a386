//! The `Range` header of a recording request, read strictly and resolved against the file's length
//! before anything is written or sent. What gets audited and served is the resolved range
//! (`bytes=0-1023`), never the header as sent: a header is the client's to make as long as it
//! likes, an audit row is evidence kept forever.
//!
//! Syntax is `http-range-header`'s (the parser `tower-http`'s file service uses), so what we
//! audit is what it would have served. One range only: multipart answers are not served.

use axum::http::HeaderMap;
use axum::http::header::RANGE;

/// Longer than any single range of two 20-digit numbers (`bytes=` + 41): not a request a player
/// sends.
pub const MAX_HEADER_LEN: usize = 64;

/// Why a `Range` header is refused, before anything is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// 400: not worth reading (too long, several headers, not text, not `bytes=` syntax).
    #[error("the Range header is not one byte range of the form bytes=START-END")]
    Malformed,
    /// 416: well-formed, but more than one range; one range at a time is served.
    #[error("only one range at a time is served")]
    SeveralRanges,
    /// 416: no byte of it lies inside the file.
    #[error("the range lies outside the recording")]
    Unsatisfiable,
}

/// What to send: the whole file, or the inclusive byte range `start..=end` inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Whole,
    Bytes { start: u64, end: u64 },
}

/// Reads the request's `Range` against a file of `len` bytes.
pub fn wanted(headers: &HeaderMap, len: u64) -> Result<Wanted, RangeError> {
    let mut values = headers.get_all(RANGE).iter();
    let Some(value) = values.next() else {
        return Ok(Wanted::Whole);
    };
    if values.next().is_some() || value.len() > MAX_HEADER_LEN {
        return Err(RangeError::Malformed);
    }
    let text = value.to_str().map_err(|_| RangeError::Malformed)?;
    let parsed = http_range_header::parse_range_header(text).map_err(|_| RangeError::Malformed)?;
    if parsed.ranges.len() != 1 {
        return Err(RangeError::SeveralRanges);
    }
    let resolved = parsed
        .validate(len)
        .map_err(|_| RangeError::Unsatisfiable)?;
    match resolved.first() {
        // `validate` clamps the end to the file; an empty file or a start past it is left.
        Some(r) if len > 0 && r.start() <= r.end() && *r.end() < len => Ok(Wanted::Bytes {
            start: *r.start(),
            end: *r.end(),
        }),
        _ => Err(RangeError::Unsatisfiable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(RANGE, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn bytes(start: u64, end: u64) -> Result<Wanted, RangeError> {
        Ok(Wanted::Bytes { start, end })
    }

    #[test]
    fn ranges_resolve_against_the_length() {
        assert_eq!(wanted(&HeaderMap::new(), 100), Ok(Wanted::Whole));
        assert_eq!(wanted(&with(&["bytes=0-9"]), 100), bytes(0, 9));
        assert_eq!(wanted(&with(&["bytes=10-"]), 100), bytes(10, 99));
        assert_eq!(wanted(&with(&["bytes=-10"]), 100), bytes(90, 99));
        assert_eq!(wanted(&with(&["bytes=90-500"]), 100), bytes(90, 99));
        assert_eq!(
            wanted(&with(&["bytes=0-18446744073709551615"]), 100),
            bytes(0, 99)
        );
    }

    #[test]
    fn absurd_headers_are_malformed() {
        let long = format!("bytes=0-{}", "9".repeat(MAX_HEADER_LEN));
        let many = format!("bytes={}", vec!["0-0"; 200].join(","));
        for bad in [
            long.as_str(),
            many.as_str(),
            "bytes=abc",
            "bytes=1-2-3",
            "items=0-9",
            "bytes= 0-9",
            "bytes=-0",
            "bytes=00-9",
            "bytes=0-99999999999999999999999",
            "",
        ] {
            assert_eq!(
                wanted(&with(&[bad]), 100),
                Err(RangeError::Malformed),
                "{bad}"
            );
        }
        assert_eq!(
            wanted(&with(&["bytes=0-1", "bytes=2-3"]), 100),
            Err(RangeError::Malformed),
            "two headers"
        );
        let mut h = HeaderMap::new();
        h.insert(RANGE, HeaderValue::from_bytes(b"bytes=0-\xff").unwrap());
        assert_eq!(wanted(&h, 100), Err(RangeError::Malformed));
    }

    #[test]
    fn several_or_impossible_ranges_are_not_satisfiable() {
        assert_eq!(
            wanted(&with(&["bytes=0-1,5-6"]), 100),
            Err(RangeError::SeveralRanges)
        );
        for bad in ["bytes=100-", "bytes=200-300", "bytes=9-5", "bytes=-101"] {
            assert_eq!(
                wanted(&with(&[bad]), 100),
                Err(RangeError::Unsatisfiable),
                "{bad}"
            );
        }
        assert_eq!(
            wanted(&with(&["bytes=0-"]), 0),
            Err(RangeError::Unsatisfiable),
            "nothing to send from an empty file"
        );
    }
}
