//! A storefront's short web address (`sawda.uz/s/aral-honey`): Latin letters,
//! digits and hyphens, chosen by the owner and suggested from the storefront's
//! name, with Karakalpak, Uzbek and Cyrillic letters written in Latin
//! (`rules::latin`, the table search reads too).

use crate::rules::latin;
use crate::rules::problem::FieldProblem;

pub const MIN_CHARS: usize = 3;
pub const MAX_CHARS: usize = 40;

/// Addresses the site itself uses or that would mislead buyers.
const RESERVED: [&str; 24] = [
    "account",
    "admin",
    "api",
    "app",
    "coordinators",
    "entrepreneurs",
    "healthz",
    "help",
    "invitations",
    "language",
    "login",
    "market",
    "offline",
    "official",
    "pkg",
    "reset-password",
    "review",
    "sawda",
    "settings",
    "sign-in",
    "sign-up",
    "static",
    "studio",
    "support",
];

/// A web address suggested from a storefront's name: "Ǵárezsiz óner" →
/// "garezsiz-oner". Empty when the name has nothing to make one from.
pub fn suggest(name: &str) -> String {
    let mut slug = String::new();
    let mut gap = false;
    for c in name.chars() {
        let piece: Option<String> = if c.is_ascii_alphanumeric() {
            Some(c.to_ascii_lowercase().to_string())
        } else {
            latin::for_address(latin::lower(c)).map(str::to_owned)
        };
        match piece {
            Some(piece) if piece.is_empty() => {}
            Some(piece) => {
                if gap && !slug.is_empty() {
                    slug.push('-');
                }
                gap = false;
                slug.push_str(&piece);
            }
            None => gap = true,
        }
    }
    if slug.len() > MAX_CHARS {
        // Cut at a word's end when there is one.
        let cut = slug[..=MAX_CHARS].rfind('-').filter(|&i| i >= MIN_CHARS).unwrap_or(MAX_CHARS);
        slug.truncate(cut);
    }
    slug
}

/// Checks an address the owner typed (after trimming and lower-casing it).
pub fn check(slug: &str) -> Result<(), FieldProblem> {
    let length = slug.chars().count();
    if length == 0 {
        return Err(FieldProblem::Required);
    }
    if !slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(FieldProblem::SlugCharacters);
    }
    if slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
        return Err(FieldProblem::SlugHyphens);
    }
    if length < MIN_CHARS {
        return Err(FieldProblem::TooShort { min: MIN_CHARS });
    }
    if length > MAX_CHARS {
        return Err(FieldProblem::TooLong { max: MAX_CHARS });
    }
    if RESERVED.contains(&slug) {
        return Err(FieldProblem::SlugReserved);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn karakalpak_letters_become_latin() {
        assert_eq!(suggest("Ǵárezsiz óner"), "garezsiz-oner");
        assert_eq!(suggest("Qızıl gúl — toqıw"), "qizil-gul-toqiw");
        assert_eq!(suggest("Ańız hám Úmit"), "aniz-ham-umit");
        assert_eq!(suggest("NÓKIS ÁSHEKEYLERI"), "nokis-ashekeyleri");
    }

    #[test]
    fn uzbek_apostrophes_are_dropped() {
        assert_eq!(suggest("Oʻzbek gʻalla"), "ozbek-galla");
        assert_eq!(suggest("Ma'rifat"), "marifat");
    }

    #[test]
    fn cyrillic_becomes_latin() {
        assert_eq!(suggest("Аральский мёд"), "aralskiy-myod");
        assert_eq!(suggest("Қарақалпақ кестеси"), "qaraqalpaq-kestesi");
        assert_eq!(suggest("Ҳунарманд ўғлон"), "hunarmand-wglon");
        assert_eq!(suggest("Өнер үйи"), "oner-uyi");
    }

    #[test]
    fn signs_and_spaces_make_single_hyphens() {
        assert_eq!(suggest("  Aral -- honey!! 2026 "), "aral-honey-2026");
        assert_eq!(suggest("🍯🍯"), "");
        assert_eq!(suggest("Jam & Co."), "jam-co");
    }

    #[test]
    fn long_names_are_cut_at_a_word() {
        let slug = suggest("Nukus handmade ceramics and embroidery from grandmother's workshop");
        assert_eq!(slug, "nukus-handmade-ceramics-and-embroidery");
        assert!(check(&slug).is_ok());
        assert_eq!(suggest(&"a".repeat(60)).len(), MAX_CHARS);
    }

    #[test]
    fn the_rules_for_a_typed_address() {
        assert_eq!(check("aral-honey"), Ok(()));
        assert_eq!(check("bal2"), Ok(()));
        assert_eq!(check(""), Err(FieldProblem::Required));
        assert_eq!(check("ab"), Err(FieldProblem::TooShort { min: 3 }));
        assert_eq!(check(&"a".repeat(41)), Err(FieldProblem::TooLong { max: 40 }));
        assert_eq!(check("Aral"), Err(FieldProblem::SlugCharacters));
        assert_eq!(check("aral_honey"), Err(FieldProblem::SlugCharacters));
        assert_eq!(check("qızıl"), Err(FieldProblem::SlugCharacters));
        assert_eq!(check("-aral"), Err(FieldProblem::SlugHyphens));
        assert_eq!(check("aral-"), Err(FieldProblem::SlugHyphens));
        assert_eq!(check("aral--honey"), Err(FieldProblem::SlugHyphens));
        assert_eq!(check("studio"), Err(FieldProblem::SlugReserved));
        assert_eq!(check("sign-in"), Err(FieldProblem::SlugReserved));
    }

    proptest! {
        #[test]
        fn a_suggestion_is_empty_or_valid(name in "\\PC{0,80}") {
            let slug = suggest(&name);
            if slug.chars().count() >= MIN_CHARS && !RESERVED.contains(&slug.as_str()) {
                prop_assert_eq!(check(&slug), Ok(()), "{:?} -> {:?}", name, slug);
            }
            prop_assert!(slug.chars().count() <= MAX_CHARS);
            prop_assert!(slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        }
    }
}
