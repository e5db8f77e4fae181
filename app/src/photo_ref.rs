//! How a record points at a photo: by the SHA-256 of the photo's bytes, in
//! 64 lower-case hex digits. Photos travel and are stored apart from records,
//! once each, under that name.

use serde_json::Value;

use crate::field_problem::FieldProblem;

pub const HASH_HEX_LEN: usize = 64;

pub fn is_photo_hash(text: &str) -> bool {
    text.len() == HASH_HEX_LEN && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub fn check_photo(value: &Value) -> Result<(), FieldProblem> {
    match value.as_str() {
        Some(text) if is_photo_hash(text) => Ok(()),
        Some(_) => Err(FieldProblem::Photo),
        None => Err(FieldProblem::WrongType),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_sha256_in_lower_case_hex_names_a_photo() {
        assert!(is_photo_hash(&"0123456789abcdef".repeat(4)));
        assert!(!is_photo_hash(&"0123456789ABCDEF".repeat(4)));
        assert!(!is_photo_hash(&"0".repeat(63)));
        assert!(!is_photo_hash("../../etc/passwd"));
        assert_eq!(check_photo(&json!(1)), Err(FieldProblem::WrongType));
        assert_eq!(check_photo(&json!("x")), Err(FieldProblem::Photo));
    }
}
