//! The canonical form of one account name: what every part of a login name
//! and every authzid is turned into before it is compared or looked up.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::{Field, MAX_LOGIN_BYTES, SyntaxError};

/// The canonical form of one account name (no separator syntax).
///
/// - **Length**: at most [`MAX_LOGIN_BYTES`] bytes, both the input and
///   its canonical form.
/// - **Control characters** (C0, DEL, C1) are refused: a NUL would split a
///   SASL message, CR/LF would forge log lines.
/// - **Unicode NFC**: the same name typed on systems whose input methods
///   compose differently (`é` as one code point or as `e` + U+0301) is one
///   name. NFC, not NFKC: compatibility folding (fullwidth letters, ligatures)
///   would merge names an operator can tell apart, and is the directory's
///   choice to make.
/// - **Domain case**: if the name contains `@`, the part after the last `@`
///   is a domain and is lower-cased (domains are case-insensitive, RFC 4343);
///   the local part keeps its case (RFC 5321 §2.4 leaves it to the server,
///   so the directory decides).
/// - An `@` with nothing before or after it is refused.
///
/// Already-canonical ASCII names come back unchanged without allocation
/// beyond the returned `String`.
///
/// ```
/// use portcullis_impersonation::normalize_name;
/// assert_eq!(normalize_name("Alice@Example.COM")?, "Alice@example.com");
/// assert_eq!(normalize_name("Jose\u{301}@example.com")?, "Jos\u{e9}@example.com");
/// assert!(normalize_name("alice@").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn normalize_name(name: &str) -> Result<String, SyntaxError> {
    canonical(name, Field::Login)
}

/// [`normalize_name`] with the field to blame in errors.
pub(crate) fn canonical(name: &str, field: Field) -> Result<String, SyntaxError> {
    if name.len() > MAX_LOGIN_BYTES {
        return Err(SyntaxError::TooLong { field });
    }
    if name.is_empty() {
        return Err(SyntaxError::Empty);
    }
    if name.chars().any(char::is_control) {
        return Err(SyntaxError::ControlCharacter { field });
    }
    let canonical = fold_domain(nfc(name), field)?;
    // NFC and case folding can lengthen a name (a few code points expand up
    // to three times); bound the result too, so a canonical name always
    // passes through here again unchanged.
    if canonical.len() > MAX_LOGIN_BYTES {
        return Err(SyntaxError::TooLong { field });
    }
    Ok(canonical)
}

/// Lower-cases the domain of an NFC name, if it has one.
fn fold_domain(composed: String, field: Field) -> Result<String, SyntaxError> {
    match composed.rsplit_once('@') {
        None => Ok(composed),
        Some(("", _)) => Err(SyntaxError::EmptyLocalPart { field }),
        Some((_, "")) => Err(SyntaxError::EmptyDomain { field }),
        Some((local, domain)) => {
            let mut canonical = String::with_capacity(composed.len());
            canonical.push_str(local);
            canonical.push('@');
            if domain.bytes().any(|byte| byte.is_ascii_uppercase()) || !domain.is_ascii() {
                // Lower-casing can leave a string that is no longer NFC
                // (a few capitals lower-case to decomposed sequences), so
                // compose again.
                canonical.push_str(&nfc(&domain.to_lowercase()));
            } else {
                canonical.push_str(domain);
            }
            Ok(canonical)
        }
    }
}

/// `text` in Normalization Form C.
fn nfc(text: &str) -> String {
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        text.to_owned()
    } else {
        text.nfc().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_is_folded_local_part_is_kept() {
        assert_eq!(
            normalize_name("Bob.Smith@MAIL.Example.org"),
            Ok("Bob.Smith@mail.example.org".to_owned())
        );
        assert_eq!(normalize_name("BOB"), Ok("BOB".to_owned()));
        assert_eq!(
            normalize_name("a@b@C"),
            Ok("a@b@c".to_owned()),
            "the last @ starts the domain"
        );
        assert_eq!(
            normalize_name("x@BÜCHER.example"),
            Ok("x@bücher.example".to_owned())
        );
    }

    #[test]
    fn nfc_composes() {
        assert_eq!(normalize_name("e\u{301}"), Ok("\u{e9}".to_owned()));
        assert_eq!(normalize_name("\u{e9}"), Ok("\u{e9}".to_owned()));
    }

    #[test]
    fn refusals() {
        assert_eq!(normalize_name(""), Err(SyntaxError::Empty));
        assert_eq!(
            normalize_name("a\u{85}b"),
            Err(SyntaxError::ControlCharacter {
                field: Field::Login
            })
        );
        assert_eq!(
            canonical("@x", Field::Authzid),
            Err(SyntaxError::EmptyLocalPart {
                field: Field::Authzid
            })
        );
        // U+0958 is excluded from composition: NFC turns its 3 bytes into 6.
        let expands = "\u{958}".repeat(MAX_LOGIN_BYTES / 3);
        assert!(expands.len() <= MAX_LOGIN_BYTES);
        assert_eq!(
            normalize_name(&expands),
            Err(SyntaxError::TooLong {
                field: Field::Login
            })
        );
        assert_eq!(
            normalize_name(&"a".repeat(MAX_LOGIN_BYTES + 1)),
            Err(SyntaxError::TooLong {
                field: Field::Login
            })
        );
    }
}
