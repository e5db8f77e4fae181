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
