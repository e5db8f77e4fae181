use crate::rules::choices::choices;

pub const MIN_PASSWORD_CHARS: usize = 8;
/// argon2 is given at most this much, so a huge password cannot tie up the server.
pub const MAX_PASSWORD_BYTES: usize = 256;
pub const MAX_NAME_CHARS: usize = 100;

choices!(
    serde
    /// What a person does in Sawda.
    Role {
        Entrepreneur = "entrepreneur" => RoleEntrepreneur,
        Coordinator = "coordinator" => RoleCoordinator,
        Admin = "admin" => RoleAdmin,
    }
);

impl Role {
    /// Where the role starts after signing in.
    pub fn home(self) -> &'static str {
        match self {
            Role::Coordinator | Role::Admin => "/account",
            Role::Entrepreneur => "/studio",
        }
    }
}

/// A name as people write it: trimmed, not empty, not absurdly long, no control characters.
pub fn check_name(name: &str) -> Option<String> {
    let name = name.trim();
    let length = name.chars().count();
    (length > 0 && length <= MAX_NAME_CHARS && !name.chars().any(char::is_control)).then(|| name.to_string())
}

pub fn check_password(password: &str) -> bool {
    password.chars().count() >= MIN_PASSWORD_CHARS && password.len() <= MAX_PASSWORD_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("  Gulnar Akilbekova ").as_deref(), Some("Gulnar Akilbekova"));
        assert_eq!(check_name("   "), None);
        assert_eq!(check_name("a\u{0}b"), None);
        assert!(check_name(&"á".repeat(MAX_NAME_CHARS)).is_some());
        assert!(check_name(&"á".repeat(MAX_NAME_CHARS + 1)).is_none());
    }

    #[test]
    fn passwords_need_eight_characters() {
        assert!(!check_password("1234567"));
        assert!(check_password("qawın-12"));
        assert!(!check_password(&"x".repeat(MAX_PASSWORD_BYTES + 1)));
    }

    #[test]
    fn roles_round_trip() {
        for role in [Role::Entrepreneur, Role::Coordinator, Role::Admin] {
            assert_eq!(Role::from_id(role.id()), Some(role));
        }
        assert_eq!(Role::from_id("buyer"), None);
    }
}
