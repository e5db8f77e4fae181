//! Percent-encoding for the addresses pages make: a query value, or a path.

/// `text` as one query value: everything but RFC 3986's unreserved
/// characters is percent-encoded.
pub fn encode_component(text: &str) -> String {
    encode(text, b"-._~")
}

/// `path` with its slashes kept.
pub fn encode_path(path: &str) -> String {
    encode(path, b"-._~/")
}

fn encode(text: &str, keep: &[u8]) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || keep.contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_and_paths_are_encoded() {
        assert_eq!(super::encode_component("Hello! a/b ǵ"), "Hello%21%20a%2Fb%20%C7%B5");
        assert_eq!(super::encode_path("/s/a b"), "/s/a%20b");
    }
}
