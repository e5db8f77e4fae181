//! Latin for the letters names and goods are written in: Karakalpak, Uzbek
//! and Russian in Cyrillic, and Latin with marks. One table, read by web
//! addresses (`records::slug`) and by search (`search`); where the two
//! differ, the difference is written out below.

/// Latin for one lower-case letter as search spells it; `None` for what the
/// table does not know (ASCII letters and digits are kept as they are).
pub fn for_search(c: char) -> Option<&'static str> {
    match c {
        // Uzbek ў is oʻ: "ozbek" finds "ўзбек".
        'ў' => Some("o"),
        _ => both(c).or_else(|| search_only(c)),
    }
}

/// Latin for one lower-case letter in a web address; `None` for what the
/// table does not know. Addresses given out must keep their spelling, so
/// this keeps the letters they were made with:
/// - `ў` is `w`, as Karakalpak Latin writes it (search reads Uzbek oʻ);
/// - the letters only search knows ([`search_only`]: `һ`, `і`, most accented
///   vowels, two more apostrophes) are not letters here: like any other
///   sign, they part the address's words.
pub fn for_address(c: char) -> Option<&'static str> {
    match c {
        'ў' => Some("w"),
        _ => both(c),
    }
}

/// What addresses and search spell alike.
fn both(c: char) -> Option<&'static str> {
    Some(match c {
        // Cyrillic: Russian, Uzbek and Karakalpak letters.
        'а' | 'ә' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ғ' => "g",
        'д' => "d",
        'е' | 'э' => "e",
        'ё' => "yo",
        'ж' => "j",
        'з' => "z",
        'и' => "i",
        'й' => "y",
        'к' => "k",
        'қ' => "q",
        'л' => "l",
        'м' => "m",
        'н' | 'ң' => "n",
        'о' | 'ө' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ү' | 'ұ' => "u",
        'ф' => "f",
        'х' => "x",
        'ҳ' => "h",
        'ц' => "ts",
        'ч' => "ch",
        'ш' | 'щ' => "sh",
        'ъ' | 'ь' => "",
        'ы' => "i",
        'ю' => "yu",
        'я' => "ya",
        // Karakalpak and Uzbek Latin (and Turkish, which keyboards offer).
        'á' | 'ä' => "a",
        'ǵ' | 'ğ' => "g",
        // `i` too: a capital İ lower-cases to it.
        'ı' | 'í' | 'i' => "i",
        'ń' | 'ñ' => "n",
        'ó' | 'ö' => "o",
        'ú' | 'ü' => "u",
        'ş' => "sh",
        'ç' => "ch",
        // The apostrophes of oʻ, gʻ and of Uzbek tutuq belgisi vanish: o'zbek, oʻzbek, o‘zbek, g`alla.
        '\'' | 'ʻ' | 'ʼ' | '‘' | '’' | '`' => "",
        _ => return None,
    })
}

/// Letters only search spells: what other keyboards and alphabets make.
fn search_only(c: char) -> Option<&'static str> {
    Some(match c {
        'һ' => "h",
        'і' => "i",
        'à' | 'â' | 'ã' | 'å' | 'ā' => "a",
        'é' | 'è' | 'ê' | 'ë' | 'ē' => "e",
        'ì' | 'î' | 'ï' | 'ī' => "i",
        'ò' | 'ô' | 'õ' | 'ō' => "o",
        'ù' | 'û' | 'ū' => "u",
        'ý' | 'ÿ' => "y",
        '´' | 'ʹ' => "",
        _ => return None,
    })
}

/// A letter of the alphabets the four languages are written in (Latin with
/// its accented letters, Cyrillic with Karakalpak's and Uzbek's) in lower
/// case; any other character (Latin Extended-B but Ǵ, other scripts) as it is. What the phone lowercases with:
/// `char::to_lowercase` would keep all of Unicode's case tables (about 14 KB)
/// in the wasm everyone downloads first.
pub fn lower(c: char) -> char {
    let n = c as u32;
    let even_pair = |n: u32| if n.is_multiple_of(2) { n + 1 } else { n };
    let odd_pair = |n: u32| if n.is_multiple_of(2) { n } else { n + 1 };
    let lowered = match n {
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE | 0x410..=0x42F => n + 0x20,
        0x100..=0x12F | 0x132..=0x137 | 0x14A..=0x177 | 0x460..=0x481 | 0x48A..=0x4BF | 0x4D0..=0x52F => even_pair(n),
        0x139..=0x148 | 0x179..=0x17E | 0x4C1..=0x4CE => odd_pair(n),
        // İ lowers to i with a dot above; its first letter is i.
        0x130 => 0x69,
        0x178 => 0xFF,
        // Karakalpak Ǵ.
        0x1F4 => 0x1F5,
        0x400..=0x40F => n + 0x50,
        0x4C0 => 0x4CF,
        _ => n,
    };
    char::from_u32(lowered).unwrap_or(c)
}

/// Whether `c` is a letter of those alphabets (see [`lower`]), as
/// `char::is_alphabetic` says for them.
pub fn is_letter(c: char) -> bool {
    matches!(c as u32,
        0x41..=0x5A | 0x61..=0x7A | 0xAA | 0xB5 | 0xBA | 0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x2C1
        | 0x2C6..=0x2D1 | 0x2E0..=0x2E4 | 0x2EC | 0x2EE
        | 0x400..=0x481 | 0x48A..=0x52F)
}

#[cfg(test)]
mod case_tests {
    use super::{is_letter, lower};

    /// Every character up to the end of Cyrillic's supplement: as the standard library says.
    #[test]
    fn lower_case_and_letters_are_unicodes_for_latin_and_cyrillic() {
        let latin_and_cyrillic = |c: char| matches!(c as u32, 0..=0x24F | 0x400..=0x52F);
        for c in (0..=0x52F).filter_map(char::from_u32) {
            if latin_and_cyrillic(c) {
                assert_eq!(is_letter(c), c.is_alphabetic(), "{c} U+{:04X}", c as u32);
            }
            // Latin Extended-B is kept as it is, but for Karakalpak's Ǵ.
            if latin_and_cyrillic(c) && !matches!(c as u32, 0x180..=0x1F3 | 0x1F6..=0x24F) {
                assert_eq!(lower(c), c.to_lowercase().next().unwrap(), "{c} U+{:04X}", c as u32);
            }
        }
        assert_eq!("ǴÁREZSIZ ÓNER ҚЎҒҲ ӘӨҮҢ".chars().map(lower).collect::<String>(), "ǵárezsiz óner қўғҳ әөүң");
    }
}
