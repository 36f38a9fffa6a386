//! Just enough of RFC 3261's grammar (§25.1) to tell a well-formed From, To, Contact or Via
//! value from a broken one. rsipstack keeps these values as text, folded lines already joined
//! with a space; its own readers skip what they do not understand, so they cannot be asked.

use super::{Field, Malformed};

/// An address read: what precedes its parameters, and the parameters as (name, value) with the
/// LWS around `;` and `=` trimmed.
#[derive(Debug, Default)]
pub struct Address<'a> {
    head: &'a str,
    params: Vec<(&'a str, Option<&'a str>)>,
}

impl<'a> Address<'a> {
    pub fn tag(&self) -> Option<&'a str> {
        self.params
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("tag"))
            .and_then(|(_, value)| *value)
    }

    /// The same address without LWS around its parameters' `;` and `=` (RFC 3261 §25.1 allows
    /// it; RFC 4475 §3.1.1.1 sends `; tag = 98asjd8`), which rsipstack's tag reader needs.
    pub fn canonical(&self) -> String {
        let mut out = self.head.to_string();
        for (name, value) in &self.params {
            out.push(';');
            out.push_str(name);
            if let Some(v) = value {
                out.push('=');
                out.push_str(v);
            }
        }
        out
    }
}

/// `token` (RFC 3261 §25.1).
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_token_char)
}

/// Where the quoted string at the start of `s` ends (just past its closing quote), honouring
/// `\` escapes; `None` when it never closes (RFC 4475 §3.1.2.6).
fn quoted_end(s: &str) -> Option<usize> {
    let mut chars = s.char_indices();
    if chars.next()?.1 != '"' {
        return None;
    }
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next()?;
            }
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Splits `s` at each `sep` outside quoted strings and `<...>`; `None` for an unclosed quote.
/// Scans bytes: every delimiter is ASCII, and no byte of a multi-byte UTF-8 character is.
fn split_outside(s: &str, sep: u8) -> Option<Vec<&str>> {
    let bytes = s.as_bytes();
    let (mut parts, mut start, mut i, mut angle) = (Vec::new(), 0, 0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'"' if !angle => {
                i += quoted_end(&s[i..])?;
                continue;
            }
            b'<' => angle = true,
            b'>' => angle = false,
            c if c == sep && !angle => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&s[start..]);
    Some(parts)
}

/// `*( SEMI generic-param )`: every parameter has a token name and, after `=`, a non-empty
/// token, host or quoted string (RFC 4475 §3.1.2.1: `;;` is not a parameter).
fn params(s: &str) -> Option<Vec<(&str, Option<&str>)>> {
    let s = s.trim();
    if s.is_empty() {
        return Some(Vec::new());
    }
    let s = s.strip_prefix(';')?;
    let mut out = Vec::new();
    for param in split_outside(s, b';')? {
        let (name, value) = match param.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (param.trim(), None),
        };
        if !is_token(name) {
            return None;
        }
        if let Some(v) = value {
            let ok = if v.starts_with('"') {
                quoted_end(v) == Some(v.len())
            } else {
                !v.is_empty() && !v.contains(|c: char| c.is_whitespace() || "\",;<>".contains(c))
            };
            if !ok {
                return None;
            }
        }
        out.push((name, value));
    }
    Some(out)
}

/// A URI as it stands in an address: a scheme, a colon, and no whitespace (RFC 4475 §3.1.2.14:
/// no spaces inside `<...>`).
fn is_uri(s: &str) -> bool {
    !s.contains(char::is_whitespace) && scheme_of(s).is_some()
}

/// The scheme of `text` if it starts with one: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`.
pub fn scheme_of(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    (first_ok && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))).then_some(scheme)
}

/// `( name-addr / addr-spec ) *( SEMI param )`, the value of From, To and each Contact.
pub fn address(value: &str) -> Option<Address<'_>> {
    let v = value.trim();
    let tail = if let Some(after_name) = display_name(v)? {
        // name-addr: `[ display-name ] LAQUOT addr-spec RAQUOT`
        let inner = after_name.strip_prefix('<')?;
        let (uri, tail) = inner.split_once('>')?;
        if !is_uri(uri) {
            return None;
        }
        tail
    } else {
        // addr-spec: the URI ends at the first `;`; one with `?` (headers) or `,` must be
        // enclosed in `<>` (RFC 3261 §20; RFC 4475 §3.1.2.13).
        let end = v.find(';').unwrap_or(v.len());
        let uri = v[..end].trim_end();
        if !is_uri(uri) || uri.contains(['?', ',', '<', '>', '"']) {
            return None;
        }
        &v[end..]
    };
    Some(Address {
        head: v[..v.len() - tail.len()].trim_end(),
        params: params(tail)?,
    })
}

/// In a name-addr, what follows the display name (starting at `<`); `Some(None)` for an
/// addr-spec; `None` when the display name is neither a quoted string nor tokens separated by
/// LWS (RFC 4475 §3.1.2.6, §3.1.2.15). Unquoted UTF-8 letters pass: phones send them, and only
/// ASCII separators make the value ambiguous.
fn display_name(v: &str) -> Option<Option<&str>> {
    if v.starts_with('"') {
        let end = quoted_end(v)?;
        let rest = v[end..].trim_start();
        return rest.starts_with('<').then_some(Some(rest));
    }
    let Some(lt) = v.find('<') else {
        return Some(None);
    };
    let words = &v[..lt];
    let ok = words
        .split_whitespace()
        .all(|w| w.chars().all(|c| is_token_char(c) || !c.is_ascii()));
    ok.then_some(Some(&v[lt..]))
}

/// A Contact value: `*` or a comma-separated list of addresses.
pub fn contacts(value: &str) -> bool {
    if value.trim() == "*" {
        return true;
    }
    split_outside(value, b',').is_some_and(|list| list.into_iter().all(|a| address(a).is_some()))
}

/// Each `via-parm` of a Via value: `SIP / 2.0 / transport sent-by *( SEMI via-params )`, with
/// LWS allowed around the separators (RFC 4475 §3.1.1.1) but no empty element or parameter
/// (§3.1.2.1), and a branch that is more than the magic cookie (§3.2.1).
pub fn via(value: &str) -> Result<(), Malformed> {
    let bad = Malformed::Bad(Field::Via);
    for element in split_outside(value, b',').ok_or(bad)? {
        let element = element.trim();
        let (head, tail) = match element.find(';') {
            Some(i) => element.split_at(i),
            None => (element, ""),
        };
        let mut parts = head.split('/');
        let (Some(name), Some(version), Some(rest), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad);
        };
        if !name.trim().eq_ignore_ascii_case("SIP") || version.trim() != "2.0" {
            return Err(bad);
        }
        let mut words = rest.split_whitespace();
        let transport = words.next().ok_or(bad)?;
        // `sent-by = host [ COLON port ]`, where COLON may carry LWS.
        let sent_by: String = words.collect();
        if !is_token(transport) || sent_by.is_empty() || sent_by.contains(['"', '<', '>']) {
            return Err(bad);
        }
        for (name, value) in params(tail).ok_or(bad)? {
            if name.eq_ignore_ascii_case("branch")
                && value.is_some_and(|v| v.eq_ignore_ascii_case("z9hG4bK"))
            {
                return Err(Malformed::EmptyBranch);
            }
        }
    }
    Ok(())
}

/// `type/subtype` of a Content-Type or Accept value, without parameters.
pub fn media_type(value: &str) -> &str {
    value.split(';').next().unwrap_or("").trim()
}
