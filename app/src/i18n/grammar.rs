//! Case endings on names people typed. Karakalpak and Uzbek mark a verb's
//! object with a suffix, and in Karakalpak its form follows the name's last
//! sound, so a fixed ending in a translation reads wrong for most names.

use super::Lang;

/// A product's name as the object of "I would like to order/buy …": the
/// accusative in Karakalpak and Uzbek, the name itself in Russian and English
/// (whose texts put it in quotes, as Russian cannot decline any name).
pub fn product_as_object(lang: Lang, name: &str) -> String {
    let name = name.trim();
    match lang {
        Lang::Kaa => kaa_accusative(name).unwrap_or_else(|| format!("«{name}» ónimin")),
        Lang::Uz => uz_accusative(name).unwrap_or_else(|| format!("«{name}» mahsulotini")),
        Lang::Ru | Lang::En => name.to_owned(),
    }
}

/// The Karakalpak accusative (tabıs seplik) of a name written in Latin
/// letters: "-nı/-ni" after a vowel, "-dı/-di" after a voiced consonant or a
/// sonorant, "-tı/-ti" after a voiceless one (and b, v, g, d), back or front
/// by the last vowel; "-n"
/// after the possessive ending of a compound ("qawın múrabbası" →
/// "múrabbasın"). `None` when its last sound cannot be told from the
/// writing (a digit, a sign, Cyrillic letters): say it another way then.
pub fn kaa_accusative(name: &str) -> Option<String> {
    let (word, closing) = last_word(name)?;
    let lower: Vec<char> = word.chars().flat_map(char::to_lowercase).filter(|c| !is_apostrophe(*c)).collect();
    let last = *lower.last()?;
    if !is_latin_letter(last) {
        return None;
    }
    let back = kaa_back(&lower);
    let compound = name.split_whitespace().count() > 1;
    let ending = match kaa_sound(last) {
        // A compound's last word ending in -ı/-i carries the possessive:
        // its accusative is "-n" ("miya shayı" → "shayın").
        Sound::Vowel if compound && matches!(last, 'ı' | 'í' | 'i') && lower.len() > 2 => "n",
        Sound::Vowel => pick(back, "nı", "ni"),
        Sound::Voiced => pick(back, "dı", "di"),
        Sound::Voiceless => pick(back, "tı", "ti"),
    };
    Some(join(name, word, closing, ending))
}

/// The Uzbek accusative "-ni", the same after any sound; `None` when the
/// name does not end in a Latin letter (Cyrillic, a digit, a sign).
pub fn uz_accusative(name: &str) -> Option<String> {
    let (word, closing) = last_word(name)?;
    let last = word.chars().rev().find(|c| !is_apostrophe(*c))?;
    // "ʻ" only ends a word as part of oʻ or gʻ ("sariyogʻ").
    let apostrophe_ok = !word.ends_with(is_apostrophe) || matches!(last, 'o' | 'O' | 'g' | 'G');
    (is_latin_letter(last.to_lowercase().next()?) && apostrophe_ok).then(|| join(name, word, closing, "ni"))
}

enum Sound {
    Vowel,
    Voiced,
    Voiceless,
}

fn kaa_sound(letter: char) -> Sound {
    match letter {
        'a' | 'á' | 'e' | 'i' | 'ı' | 'í' | 'o' | 'ó' | 'u' | 'ú' => Sound::Vowel,
        // "sh", "ch" end in h; c is "ts". A final b, v, g or d (in words
        // from Russian) is said voiceless too: "zavodtı", "klubtı".
        'p' | 't' | 'k' | 'q' | 's' | 'c' | 'f' | 'x' | 'h' | 'b' | 'v' | 'g' | 'd' => Sound::Voiceless,
        _ => Sound::Voiced,
    }
}

/// Back (hard) when the word's last vowel is a, o, u or ı. A plain "i" is
/// read as "ı" in a word with q or ǵ and no front vowel, as people whose
/// keyboard lacks "ı" write ("qawin" for "qawın").
fn kaa_back(word: &[char]) -> bool {
    match word.iter().rev().find(|c| matches!(kaa_sound(**c), Sound::Vowel)) {
        Some('a' | 'o' | 'u' | 'ı' | 'í') => true,
        Some('i') => {
            word.iter().any(|c| matches!(c, 'q' | 'ǵ')) && !word.iter().any(|c| matches!(c, 'á' | 'ó' | 'ú' | 'e'))
        }
        Some(_) => false,
        // No vowel written: an abbreviation, read by its letters' names.
        None => true,
    }
}

fn pick<'a>(back: bool, hard: &'a str, soft: &'a str) -> &'a str {
    if back { hard } else { soft }
}

/// The name's last word without closing quotes or brackets after it, and
/// those closing marks.
fn last_word(name: &str) -> Option<(&str, &str)> {
    let trimmed = name.trim_end_matches(['"', '”', '»', '’']);
    let closing = &name[trimmed.len()..];
    let word = trimmed.rsplit(|c: char| c.is_whitespace() || c == '-' || c == '«' || c == '“' || c == '"').next()?;
    (!word.is_empty()).then_some((word, closing))
}

/// The suffix after the name; after an abbreviation ("OVOP") or closing
/// quotes with a hyphen, as both languages write it.
fn join(name: &str, word: &str, closing: &str, ending: &str) -> String {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    let abbreviation = letters.len() > 1 && letters.iter().all(|c| c.is_uppercase());
    let hyphen = if abbreviation && closing.is_empty() { "-" } else { "" };
    format!("{name}{hyphen}{ending}")
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, 'ʻ' | '‘' | '\'' | 'ʼ' | '`')
}

/// The letters of the Karakalpak and Uzbek Latin alphabets (and English).
fn is_latin_letter(c: char) -> bool {
    c.is_ascii_lowercase() || matches!(c, 'á' | 'ó' | 'ú' | 'ı' | 'í' | 'ǵ' | 'ń' | 'ş' | 'ç' | 'ñ' | 'ğ' | 'ö' | 'ü')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kaa(name: &str) -> String {
        kaa_accusative(name).unwrap_or_else(|| panic!("no accusative for {name:?}"))
    }

    #[test]
    fn karakalpak_after_a_vowel_is_ni_by_harmony() {
        assert_eq!(kaa("bala"), "balanı");
        assert_eq!(kaa("keste"), "kesteni");
        assert_eq!(kaa("Mantı"), "Mantını");
        assert_eq!(kaa("Súzbe"), "Súzbeni");
    }

    #[test]
    fn karakalpak_after_a_voiced_consonant_is_di() {
        assert_eq!(kaa("Qawın"), "Qawındı");
        assert_eq!(kaa("nan"), "nandı");
        assert_eq!(kaa("kilem"), "kilemdi");
        assert_eq!(kaa("kiyiz"), "kiyizdi");
        assert_eq!(kaa("bal"), "baldı");
        assert_eq!(kaa("shay"), "shaydı");
        assert_eq!(kaa("Jiyde"), "Jiydeni");
        assert_eq!(kaa("úy"), "úydi");
    }

    #[test]
    fn karakalpak_after_a_voiceless_consonant_is_ti() {
        assert_eq!(kaa("qurt"), "qurttı");
        assert_eq!(kaa("sabın"), "sabındı");
        assert_eq!(kaa("irimshik"), "irimshikti");
        assert_eq!(kaa("Kúmis"), "Kúmisti");
        assert_eq!(kaa("kitap"), "kitaptı");
        assert_eq!(kaa("Qımız"), "Qımızdı");
        assert_eq!(kaa("Sút"), "Sútti");
        assert_eq!(kaa("Zavod"), "Zavodtı");
        assert_eq!(kaa("klub"), "klubtı");
    }

    #[test]
    fn karakalpak_compound_with_a_possessive_takes_n() {
        assert_eq!(kaa("Qawın múrabbası"), "Qawın múrabbasın");
        assert_eq!(kaa("Kunjut pechenyesi"), "Kunjut pechenyesin");
        assert_eq!(kaa("Miya shayı"), "Miya shayın");
        assert_eq!(kaa("Aral balı"), "Aral balın");
    }

    #[test]
    fn karakalpak_typed_without_its_own_letters() {
        // "qawin" for "qawın": q makes it a back word.
        assert_eq!(kaa("qawin"), "qawindı");
        assert_eq!(kaa("pechenye"), "pechenyeni");
    }

    #[test]
    fn karakalpak_abbreviations_and_quotes() {
        assert_eq!(kaa("OVOP"), "OVOP-tı");
        assert_eq!(kaa("Bal «Aral»"), "Bal «Aral»dı");
        assert_eq!(kaa("Kesteli “Gúl”"), "Kesteli “Gúl”di");
    }

    #[test]
    fn karakalpak_cannot_tell_digits_signs_or_cyrillic() {
        assert_eq!(kaa_accusative("Bal 500 g."), None);
        assert_eq!(kaa_accusative("Bal, 500"), None);
        assert_eq!(kaa_accusative("Мёд"), None);
        assert_eq!(kaa_accusative("   "), None);
    }

    #[test]
    fn uzbek_is_ni_after_any_letter() {
        assert_eq!(uz_accusative("Kunjut pechenyesi").unwrap(), "Kunjut pechenyesini");
        assert_eq!(uz_accusative("Qovun murabbosi").unwrap(), "Qovun murabbosini");
        assert_eq!(uz_accusative("Asal").unwrap(), "Asalni");
        assert_eq!(uz_accusative("Sariyogʻ").unwrap(), "Sariyogʻni");
        assert_eq!(uz_accusative("Qurt «Orol»").unwrap(), "Qurt «Orol»ni");
        assert_eq!(uz_accusative("OVOP").unwrap(), "OVOP-ni");
        assert_eq!(uz_accusative("Қовун мураббоси"), None);
        assert_eq!(uz_accusative("Choy 100 g."), None);
    }

    #[test]
    fn a_product_is_said_another_way_when_its_ending_is_unknown() {
        assert_eq!(product_as_object(Lang::Kaa, "Qawın múrabbası"), "Qawın múrabbasın");
        assert_eq!(product_as_object(Lang::Kaa, "Мёд 500 г"), "«Мёд 500 г» ónimin");
        assert_eq!(product_as_object(Lang::Uz, " Kunjut pechenyesi "), "Kunjut pechenyesini");
        assert_eq!(product_as_object(Lang::Uz, "Мёд"), "«Мёд» mahsulotini");
        assert_eq!(product_as_object(Lang::Ru, "Кунжутное печенье"), "Кунжутное печенье");
        assert_eq!(product_as_object(Lang::En, "Sesame biscuits"), "Sesame biscuits");
    }
}
