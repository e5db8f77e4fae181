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

#[cfg(test)]
mod tests {
    use crate::rules::records::slug::suggest;
    use crate::rules::search::normalise;

    /// Addresses given out and the market's index must not change with the
    /// table: names in Karakalpak, Uzbek (Cyrillic and Latin) and Russian,
    /// with the address and the search spelling they had before addresses
    /// and search shared one table.
    #[test]
    fn addresses_and_search_spell_names_as_they_did() {
        for (name, address, search) in [
            ("Ǵárezsiz óner", "garezsiz-oner", "garezsiz oner"),
            ("Qızıl gúl — toqıw", "qizil-gul-toqiw", "qizil gul toqiw"),
            ("Ańız hám Úmit", "aniz-ham-umit", "aniz ham umit"),
            ("NÓKIS ÁSHEKEYLERI", "nokis-ashekeyleri", "nokis ashekeyleri"),
            ("Oʻzbek gʻalla", "ozbek-galla", "ozbek galla"),
            ("O‘zbek g’alla", "ozbek-galla", "ozbek galla"),
            ("Ma'rifat", "marifat", "marifat"),
            ("O´zbek ʹnon g`alla", "o-zbek-non-galla", "ozbek non galla"),
            ("Аральский мёд", "aralskiy-myod", "aralskiy myod"),
            ("Щедрый урожай: съешь ещё, эх!", "shedriy-urojay-sesh-eshyo-ex", "shedriy urojay sesh eshyo ex"),
            (
                "Цех Юрта Ясли Жёлтый Фрукт Хлеб Чай Шах",
                "tsex-yurta-yasli-jyoltiy-frukt-xleb-chay",
                "tsex yurta yasli jyoltiy frukt xleb chay shax",
            ),
            ("Қарақалпақ кестеси", "qaraqalpaq-kestesi", "qaraqalpaq kestesi"),
            // ў: w in an address, oʻ in search.
            ("Ҳунарманд ўғлон", "hunarmand-wglon", "hunarmand oglon"),
            ("ЎЗБЕКИСТОН ҲУНАРЛАРИ", "wzbekiston-hunarlari", "ozbekiston hunarlari"),
            ("Өнер үйи", "oner-uyi", "oner uyi"),
            ("Ңөкис тоңы", "nokis-toni", "nokis toni"),
            // һ, і and most accented vowels: search only; an address parts the word there.
            ("Һүнәрмәнд әжем үйі", "unarmand-ajem-uy", "hunarmand ajem uyi"),
            ("Мәңгі Һүнер", "mang-uner", "mangi huner"),
            ("Ұлы дала", "uli-dala", "uli dala"),
            ("Café Crème brûlée", "caf-cr-me-br-l-e", "cafe creme brulee"),
            ("Señora Ñandú", "senora-nandu", "senora nandu"),
            ("Türkçe Şeker Iğdır ılık", "turkche-sheker-igdir-ilik", "turkche sheker igdir ilik"),
            ("Àvè Ōkā Ēlīū", "v-k-l", "ave oka eliu"),
            ("Ýÿ Õõ Åå Ìî Òô Ùû", "", "yy oo aa ii oo uu"),
            // İ lower-cases to i and a dot: an address keeps the i, search parts the word at the dot.
            ("İstanbul", "istanbul", "i stanbul"),
            ("Chimbay-2026 5kg", "chimbay-2026-5kg", "chimbay 2026 5kg"),
            ("Jam & Co.", "jam-co", "jam co"),
            ("🍯 Asal 🍯", "asal", "asal"),
        ] {
            assert_eq!(suggest(name), address, "{name}");
            assert_eq!(normalise(name), search, "{name}");
        }
    }
}
