//! A decoded message whose UTF-8 validity is checked once, so that its
//! fields can be viewed as `&str` without validating each one again.
//!
//! Every byte of a message that OAUTHBEARER or XOAUTH2 accepts is valid UTF-8
//! (the separators, keys, token, host and other values are ASCII; identities
//! are UTF-8), so one pass over the whole message is cheaper than one per
//! field: each field is then a sub-slice of the checked text. When the whole
//! message is not valid UTF-8, each field is checked on its own, so that the
//! decoders still report the same error for the same field as before.

/// The message's bytes, and the same bytes as text when they are all valid UTF-8.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MessageText<'a> {
    bytes: &'a [u8],
    text: Option<&'a str>,
}

impl<'a> MessageText<'a> {
    /// Checks the whole message once.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            text: core::str::from_utf8(bytes).ok(),
        }
    }

    /// The whole message as text, if it is valid UTF-8.
    pub(crate) const fn whole(&self) -> Option<&'a str> {
        self.text
    }

    /// `part`, a sub-slice of the message, as text; `None` when it is not
    /// valid UTF-8 on its own.
    pub(crate) fn str(&self, part: &'a [u8]) -> Option<&'a str> {
        if let Some(text) = self.text {
            // Where `part` starts within the message. A slice from elsewhere
            // gives an offset outside the message, which `get` refuses.
            let start = part
                .as_ptr()
                .addr()
                .wrapping_sub(self.bytes.as_ptr().addr());
            let view = start
                .checked_add(part.len())
                .and_then(|end| text.get(start..end));
            // `get` also refuses a range that splits a character; such a part
            // is not valid UTF-8 on its own, which the check below confirms.
            if view.is_some() {
                return view;
            }
        }
        core::str::from_utf8(part).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views() {
        let message = "a=jürgen,b".as_bytes();
        let text = MessageText::new(message);
        assert_eq!(text.str(message.get(2..9).unwrap()), Some("jürgen"));
        assert_eq!(text.str(message.get(..0).unwrap()), Some(""));
        assert_eq!(text.str(message.get(10..).unwrap()), Some("b"));
        assert_eq!(text.str(message.get(11..).unwrap()), Some(""));
        // Splitting the ü (bytes 3 and 4): not valid on its own.
        assert_eq!(text.str(message.get(2..4).unwrap()), None);
        assert_eq!(text.str(message.get(4..7).unwrap()), None);
        // A slice of another buffer is checked on its own.
        assert_eq!(text.str(b"elsewhere"), Some("elsewhere"));
        assert_eq!(text.str(b"\xff"), None);
        // An invalid message: each part on its own.
        let bad = b"ok\xffok";
        let text = MessageText::new(bad);
        assert_eq!(text.str(bad.get(..2).unwrap()), Some("ok"));
        assert_eq!(text.str(bad.get(2..3).unwrap()), None);
    }
}
