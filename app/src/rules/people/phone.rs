/// Uzbek phone numbers in one form, `+998` and nine digits, whatever way they
/// were typed: `+998 90 123-45-67`, `998901234567`, `(90) 123 45 67`, `90 1234567`.
pub fn normalise_phone(input: &str) -> Option<String> {
    let mut digits = String::with_capacity(12);
    for (i, c) in input.trim().chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => {}
            ' ' | '-' | '(' | ')' | '.' | '\u{a0}' => {}
            _ => return None,
        }
    }
    let national = match digits.len() {
        12 if digits.starts_with("998") => &digits[3..],
        9 => &digits[..],
        _ => return None,
    };
    // National numbers start with an operator or area code; none starts with 0.
    if national.starts_with('0') {
        return None;
    }
    Some(format!("+998{national}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_usual_ways_of_writing_a_number() {
        for typed in
            ["+998 90 123 45 67", "+998901234567", "998901234567", "90 123-45-67", "(90) 123 45 67", " 901234567 "]
        {
            assert_eq!(normalise_phone(typed).as_deref(), Some("+998901234567"), "{typed}");
        }
    }

    #[test]
    fn rejects_what_is_not_an_uzbek_number() {
        for typed in [
            "",
            "12345",
            "+7 901 234 56 78",
            "+998 01 234 56 78",
            "+998 90 123 45 6",
            "90 123 45 67 8",
            "90a1234567",
            "9+98901234567",
        ] {
            assert_eq!(normalise_phone(typed), None, "{typed}");
        }
    }
}
