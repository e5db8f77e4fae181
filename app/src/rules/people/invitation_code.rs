/// Letters and digits that cannot be mistaken for one another on a phone
/// keyboard or a printed slip: no 0/O, no 1/I/L.
pub const INVITATION_CODE_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LEN: usize = 8;

/// `abcd-2345`, `ABCD 2345`, `abcd2345` -> `ABCD-2345`; `None` when it cannot be a code.
pub fn normalise_invitation_code(input: &str) -> Option<String> {
    let chars: Vec<char> =
        input.chars().filter(|c| !matches!(c, ' ' | '-' | '\u{a0}')).map(|c| c.to_ascii_uppercase()).collect();
    if chars.len() != CODE_LEN || !chars.iter().all(|c| c.is_ascii() && INVITATION_CODE_ALPHABET.contains(&(*c as u8)))
    {
        return None;
    }
    let code: String = chars.into_iter().collect();
    Some(format!("{}-{}", &code[..4], &code[4..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_codes_however_they_are_typed() {
        for typed in ["ABCD-2345", "abcd2345", " abcd 2345 ", "AbCd-2345"] {
            assert_eq!(normalise_invitation_code(typed).as_deref(), Some("ABCD-2345"), "{typed}");
        }
    }

    #[test]
    fn rejects_ambiguous_or_wrong_length_codes() {
        for typed in
            ["ABCD-234", "ABCD-23456", "ABC0-2345", "ABCO-2345", "ABC1-2345", "ABCL-2345", "ABCI-2345", "ÁBCD-2345", ""]
        {
            assert_eq!(normalise_invitation_code(typed), None, "{typed}");
        }
    }
}
