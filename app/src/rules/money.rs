//! Prices in Uzbek so'm, grouped the way each language writes numbers.

use crate::i18n::{Key, Lang, fill, text};

/// `25000` -> `25 000 so'm` (with a no-break space), `25,000 so'm` in English.
pub fn format_som(amount: i64, lang: Lang) -> String {
    fill(text(lang, Key::PriceSom), &[("amount", &group_digits(amount, lang))])
}

/// Digit grouping by thousands, as CLDR has it for each language:
/// a no-break space in Karakalpak, Uzbek and Russian, a comma in English.
pub fn group_digits(amount: i64, lang: Lang) -> String {
    let separator = match lang {
        Lang::En => ',',
        Lang::Kaa | Lang::Uz | Lang::Ru => '\u{a0}',
    };
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        grouped.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_thousands() {
        assert_eq!(group_digits(0, Lang::En), "0");
        assert_eq!(group_digits(999, Lang::En), "999");
        assert_eq!(group_digits(1_000, Lang::En), "1,000");
        assert_eq!(group_digits(25_000, Lang::Uz), "25\u{a0}000");
        assert_eq!(group_digits(1_234_567, Lang::Ru), "1\u{a0}234\u{a0}567");
        assert_eq!(group_digits(-1_500, Lang::En), "-1,500");
        assert_eq!(group_digits(i64::MIN, Lang::En), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn names_the_currency_in_each_language() {
        assert_eq!(format_som(25_000, Lang::En), "25,000 so'm");
        assert_eq!(format_som(25_000, Lang::Uz), "25\u{a0}000 soʻm");
        assert_eq!(format_som(25_000, Lang::Ru), "25\u{a0}000 сум");
        assert_eq!(format_som(1_200_000, Lang::Kaa), "1\u{a0}200\u{a0}000 swm");
    }
}
