//! Random tokens and codes, and the hashes kept in their place.

use app::rules::people::INVITATION_CODE_ALPHABET;
use sha2::{Digest, Sha256};

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes
}

/// A session token: 256 random bits as hex.
pub fn session_token() -> String {
    hex(&random_bytes::<32>())
}

/// `ABCD-2345` from the unambiguous alphabet; rejection sampling keeps it uniform.
pub fn short_code() -> String {
    let alphabet = INVITATION_CODE_ALPHABET;
    let limit = 256 - (256 % alphabet.len());
    let mut code = String::with_capacity(9);
    while code.len() < 9 {
        for byte in random_bytes::<16>() {
            if code.len() == 4 {
                code.push('-');
            }
            if code.len() == 9 {
                break;
            }
            if usize::from(byte) < limit {
                code.push(alphabet[usize::from(byte) % alphabet.len()] as char);
            }
        }
    }
    code
}

/// What is stored instead of a token or code.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::rules::people::normalise_invitation_code;

    #[test]
    fn codes_are_well_formed_and_differ() {
        let codes: std::collections::HashSet<String> = (0..500).map(|_| short_code()).collect();
        assert_eq!(codes.len(), 500);
        for code in &codes {
            assert_eq!(normalise_invitation_code(code).as_deref(), Some(code.as_str()), "{code}");
        }
    }

    #[test]
    fn tokens_are_long_and_hashed() {
        let token = session_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, session_token());
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
