//! The one percent-encoding of this program: everything but the unreserved characters
//! `A-Z a-z 0-9 - . _ ~` is escaped. That is a URL path segment as the API wants it, and
//! Python's `quote_plus(text, safe="")` (conda's token file names) less its `+` for a space.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, PercentEncode, utf8_percent_encode};

const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `text` with everything but the unreserved characters escaped.
pub fn encode(text: &str) -> PercentEncode<'_> {
    utf8_percent_encode(text, ESCAPED)
}

#[cfg(test)]
mod tests {
    #[test]
    fn unreserved_characters_stay() {
        assert_eq!(super::encode("a-b_c.d~e").to_string(), "a-b_c.d~e");
        assert_eq!(super::encode("a/b c").to_string(), "a%2Fb%20c");
        assert_eq!(super::encode("é:").to_string(), "%C3%A9%3A");
    }
}
