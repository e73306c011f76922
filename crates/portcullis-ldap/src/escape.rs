//! Escaping of values placed into LDAP filters (RFC 4515) and DNs
//! (RFC 4514), and the expansion of filter templates.

use std::fmt::Write as _;

/// Escapes a value for use inside an LDAP search filter (RFC 4515 §3):
/// `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`, `\5c` and `\00`.
/// Everything else (UTF-8 included) is passed through unchanged, so the
/// escaped value always matches the literal text and never a pattern.
///
/// ```
/// use portcullis_ldap::escape_filter_value;
/// assert_eq!(escape_filter_value("*)(uid=*"), r"\2a\29\28uid=\2a");
/// assert_eq!(escape_filter_value("alice@example.org"), "alice@example.org");
/// ```
#[must_use]
pub fn escape_filter_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' => out.push_str(r"\2a"),
            '(' => out.push_str(r"\28"),
            ')' => out.push_str(r"\29"),
            '\\' => out.push_str(r"\5c"),
            '\0' => out.push_str(r"\00"),
            other => out.push(other),
        }
    }
    out
}

/// Escapes a value for use as an attribute value in a distinguished name
/// (RFC 4514 §2.4): `"`, `+`, `,`, `;`, `<`, `=`, `>` and `\` are
/// backslash-escaped, NUL becomes `\00`, and a leading space or `#` and a
/// trailing space are escaped.
///
/// This crate never builds a DN from user input (it binds only as DNs its
/// searches found); the function is here for embedders who must.
///
/// ```
/// use portcullis_ldap::escape_dn_value;
/// assert_eq!(escape_dn_value("Smith, John"), r"Smith\, John");
/// assert_eq!(escape_dn_value(" #x "), r"\ #x\ ");
/// ```
#[must_use]
pub fn escape_dn_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (index, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '=' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\0' => out.push_str(r"\00"),
            ' ' if index == 0 || index == last => out.push_str(r"\ "),
            '#' if index == 0 => out.push_str(r"\#"),
            other => out.push(other),
        }
    }
    out
}

/// A placeholder of a filter template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placeholder {
    /// `%u`: the whole login name.
    User,
    /// `%n`: the local part (before the last `@`; the whole name without one).
    Local,
    /// `%d`: the domain (after the last `@`; empty without one).
    Domain,
    /// `%D`: the DN of the account's entry (group search filters only).
    EntryDn,
}

/// Checks a template: every `%` starts `%u`, `%n`, `%d`, `%%` (or `%D`
/// where `allow_dn`). Returns the placeholders used.
pub(crate) fn check_template(template: &str, allow_dn: bool) -> Result<Vec<Placeholder>, String> {
    let mut used = Vec::new();
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        match chars.next() {
            Some('u') => used.push(Placeholder::User),
            Some('n') => used.push(Placeholder::Local),
            Some('d') => used.push(Placeholder::Domain),
            Some('D') if allow_dn => used.push(Placeholder::EntryDn),
            Some('%') => {}
            Some(other) => return Err(format!("unknown placeholder %{other} in {template:?}")),
            None => return Err(format!("a lone % at the end of {template:?}")),
        }
    }
    Ok(used)
}

/// The values placeholders expand to (unescaped).
#[derive(Debug)]
pub(crate) struct Values<'a> {
    pub(crate) user: &'a str,
    pub(crate) entry_dn: &'a str,
}

/// Splits a login name at its last `@` into local part and domain.
pub(crate) fn split_name(name: &str) -> (&str, &str) {
    name.rsplit_once('@').unwrap_or((name, ""))
}

/// Expands a template (checked with [`check_template`]) with every value
/// escaped per RFC 4515.
pub(crate) fn expand(template: &str, values: &Values<'_>) -> String {
    let (local, domain) = split_name(values.user);
    let mut out = String::with_capacity(template.len() + values.user.len() * 2);
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => out.push_str(&escape_filter_value(values.user)),
            Some('n') => out.push_str(&escape_filter_value(local)),
            Some('d') => out.push_str(&escape_filter_value(domain)),
            Some('D') => out.push_str(&escape_filter_value(values.entry_dn)),
            Some('%') => out.push('%'),
            // Unreachable for checked templates; keep the text literal.
            Some(other) => {
                let _ = write!(out, "%{other}");
            }
            None => out.push('%'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_escapes_exactly_the_rfc4515_specials() {
        assert_eq!(escape_filter_value("*"), r"\2a");
        assert_eq!(escape_filter_value("("), r"\28");
        assert_eq!(escape_filter_value(")"), r"\29");
        assert_eq!(escape_filter_value("\\"), r"\5c");
        assert_eq!(escape_filter_value("\0"), r"\00");
        assert_eq!(escape_filter_value(")(uid=*"), r"\29\28uid=\2a");
        assert_eq!(escape_filter_value("*)(|(uid=*"), r"\2a\29\28|\28uid=\2a");
        assert_eq!(escape_filter_value(r"a\2a"), r"a\5c2a");
        assert_eq!(
            escape_filter_value("jürgen@exämple.org"),
            "jürgen@exämple.org"
        );
        assert_eq!(escape_filter_value(""), "");
    }

    #[test]
    fn dn_escapes_the_rfc4514_specials() {
        assert_eq!(
            escape_dn_value(r#"a"b+c,d;e<f=g>h\i"#),
            r#"a\"b\+c\,d\;e\<f\=g\>h\\i"#
        );
        assert_eq!(escape_dn_value("#lead"), r"\#lead");
        assert_eq!(escape_dn_value("mid#"), "mid#");
        assert_eq!(escape_dn_value(" x "), r"\ x\ ");
        assert_eq!(escape_dn_value(" "), r"\ ");
        assert_eq!(escape_dn_value("a\0b"), r"a\00b");
    }

    #[test]
    fn templates_expand_escaped_placeholders() {
        let values = Values {
            user: "a*b@ex(ample).org",
            entry_dn: "uid=a*,dc=x",
        };
        assert_eq!(
            expand("(&(uid=%n)(mail=%u)(dc=%d)(x=%%))", &values),
            r"(&(uid=a\2ab)(mail=a\2ab@ex\28ample\29.org)(dc=ex\28ample\29.org)(x=%))"
        );
        assert_eq!(expand("(member=%D)", &values), r"(member=uid=a\2a,dc=x)");
        let plain = Values {
            user: "nodomain",
            entry_dn: "",
        };
        assert_eq!(expand("(uid=%n)(d=%d)", &plain), "(uid=nodomain)(d=)");
    }

    #[test]
    fn templates_are_checked() {
        assert_eq!(
            check_template("(mail=%u)", false),
            Ok(vec![Placeholder::User])
        );
        assert!(check_template("(member=%D)", false).is_err());
        assert_eq!(
            check_template("(member=%D)", true),
            Ok(vec![Placeholder::EntryDn])
        );
        assert!(check_template("(uid=%x)", false).is_err());
        assert!(check_template("(uid=%", false).is_err());
        assert_eq!(check_template("100%%", false), Ok(vec![]));
    }
}
