//! What is wrong with a value a person typed, checked on the phone as she
//! types and again on the server; each problem has a translated message.

use crate::i18n::{Key, Lang, fill, text};
use crate::rules::money::group_digits;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FieldProblem {
    Required,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    /// Within its characters, but more bytes than the field keeps (emoji take four).
    TooManyBytes,
    /// Control or format characters: invisible, or turning the text around.
    Invisible,
    /// Not text, not a number, not a list…: only a broken or hostile client sends it.
    WrongType,
    /// Not a field of this kind of record.
    UnknownField,
    NotInList,
    /// The same choice twice in a list.
    Repeated,
    WholeNumber,
    /// A minus before a number that cannot be below zero.
    Negative,
    /// "2,5": a fraction where only whole numbers go.
    Fraction,
    /// "35 00": digits grouped otherwise than by three from the right.
    DigitGroups,
    /// "150 тыс": a number with a word, which reads as `number` in digits.
    NumberInWords {
        number: u64,
    },
    OutOfRange {
        min: u64,
        max: u64,
    },
    PriceUsd,
    Telegram,
    Phone,
    /// Neither a phone number nor a Telegram name.
    Contact,
    Instagram,
    TooManyPhotos {
        max: usize,
    },
    Photo,
    /// A hashtag with a character no platform keeps in a tag, or longer than `max`.
    Hashtag {
        max: usize,
    },
    TooManyHashtags {
        max: usize,
    },
    SlugCharacters,
    SlugHyphens,
    SlugReserved,
    SlugTaken,
}

impl FieldProblem {
    pub fn message(self, lang: Lang) -> String {
        let t = |key| text(lang, key).to_string();
        let with = |key, name: &str, n: String| fill(text(lang, key), &[(name, &n)]);
        match self {
            FieldProblem::Required => t(Key::FieldRequired),
            FieldProblem::TooShort { min } => with(Key::FieldTooShort, "min", min.to_string()),
            FieldProblem::TooLong { max } => with(Key::FieldTooLong, "max", max.to_string()),
            FieldProblem::TooManyBytes => t(Key::FieldTooManyBytes),
            FieldProblem::Invisible => t(Key::FieldInvisible),
            FieldProblem::WrongType | FieldProblem::UnknownField => t(Key::FieldWrongType),
            FieldProblem::NotInList => t(Key::FieldNotInList),
            FieldProblem::Repeated => t(Key::FieldRepeated),
            FieldProblem::WholeNumber => t(Key::FieldWholeNumber),
            FieldProblem::Negative => t(Key::FieldNegative),
            FieldProblem::Fraction => t(Key::FieldFraction),
            FieldProblem::DigitGroups => t(Key::FieldDigitGroups),
            FieldProblem::NumberInWords { number } => {
                with(Key::FieldNumberInWords, "number", group_digits(number as i64, lang))
            }
            FieldProblem::OutOfRange { min, max } => fill(
                text(lang, Key::FieldOutOfRange),
                &[("min", &group_digits(min as i64, lang)), ("max", &group_digits(max as i64, lang))],
            ),
            FieldProblem::PriceUsd => t(Key::FieldPriceUsd),
            FieldProblem::Telegram => t(Key::FieldTelegram),
            FieldProblem::Phone => t(Key::ErrorBadPhone),
            FieldProblem::Instagram => t(Key::FieldInstagram),
            FieldProblem::Contact => t(Key::FieldContact),
            FieldProblem::TooManyPhotos { max } => with(Key::FieldTooManyPhotos, "max", max.to_string()),
            FieldProblem::Photo => t(Key::FieldPhoto),
            FieldProblem::Hashtag { max } => with(Key::FieldHashtag, "max", max.to_string()),
            FieldProblem::TooManyHashtags { max } => with(Key::FieldTooManyHashtags, "max", max.to_string()),
            FieldProblem::SlugCharacters => t(Key::FieldSlugCharacters),
            FieldProblem::SlugHyphens => t(Key::FieldSlugHyphens),
            FieldProblem::SlugReserved => t(Key::FieldSlugReserved),
            FieldProblem::SlugTaken => t(Key::FieldSlugTaken),
        }
    }

    /// For logs and the server's answer: short English.
    pub fn describe(self) -> String {
        self.message(Lang::En)
    }
}

/// A text of `min..=max` characters (after trimming). `min` 0 allows empty.
pub fn check_text(value: &str, min: usize, max: usize) -> Result<(), FieldProblem> {
    let length = value.trim().chars().count();
    if length == 0 && min > 0 {
        return Err(FieldProblem::Required);
    }
    if length < min {
        return Err(FieldProblem::TooShort { min });
    }
    if value.chars().count() > max {
        return Err(FieldProblem::TooLong { max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_checked_by_characters_not_bytes() {
        assert_eq!(check_text("Qızıl", 2, 5), Ok(()));
        assert_eq!(check_text("   ", 2, 5), Err(FieldProblem::Required));
        assert_eq!(check_text("Q", 2, 5), Err(FieldProblem::TooShort { min: 2 }));
        assert_eq!(check_text("Qızıl gúl", 2, 5), Err(FieldProblem::TooLong { max: 5 }));
        assert_eq!(check_text("", 0, 5), Ok(()));
    }

    #[test]
    fn every_problem_reads_in_every_language() {
        let all = [
            FieldProblem::Required,
            FieldProblem::TooShort { min: 2 },
            FieldProblem::TooLong { max: 80 },
            FieldProblem::TooManyBytes,
            FieldProblem::Invisible,
            FieldProblem::WrongType,
            FieldProblem::UnknownField,
            FieldProblem::NotInList,
            FieldProblem::Repeated,
            FieldProblem::WholeNumber,
            FieldProblem::Negative,
            FieldProblem::Fraction,
            FieldProblem::DigitGroups,
            FieldProblem::NumberInWords { number: 150_000 },
            FieldProblem::OutOfRange { min: 0, max: 9 },
            FieldProblem::PriceUsd,
            FieldProblem::Telegram,
            FieldProblem::Phone,
            FieldProblem::Instagram,
            FieldProblem::TooManyPhotos { max: 6 },
            FieldProblem::Photo,
            FieldProblem::Hashtag { max: 30 },
            FieldProblem::TooManyHashtags { max: 30 },
            FieldProblem::SlugCharacters,
            FieldProblem::SlugHyphens,
            FieldProblem::SlugReserved,
            FieldProblem::SlugTaken,
        ];
        for lang in Lang::ALL {
            for problem in all {
                let message = problem.message(lang);
                assert!(!message.is_empty() && !message.contains('{'), "{lang:?} {problem:?}: {message}");
            }
        }
        assert!(FieldProblem::TooLong { max: 80 }.describe().contains("80"));
        // Numbers in a message are grouped as she reads them elsewhere.
        assert!(FieldProblem::NumberInWords { number: 150_000 }.message(Lang::Ru).contains("150\u{a0}000"));
        assert!(FieldProblem::OutOfRange { min: 0, max: 1_000_000 }.describe().contains("1,000,000"));
    }
}
