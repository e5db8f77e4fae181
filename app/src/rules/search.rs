//! One spelling for search: what the market indexes and what a buyer types
//! both go through [`normalise`], so Karakalpak, Uzbek and Russian written in
//! Cyrillic meet their Latin spellings (Қарақалпақ finds Qaraqalpaq), every
//! apostrophe of oʻzbek / o'zbek / o‘zbek is the same (none), and case and
//! accents do not matter. The database's analyzer then only splits words and
//! makes prefixes (`server/migrations`, analyzer `market`).

use crate::rules::latin::for_search;

/// The search spelling of `text`: lowercase Latin letters and digits, words
/// separated by one space.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        if let Some(latin) = for_search(c) {
            // An apostrophe (empty) joins its word's halves.
            if !latin.is_empty() {
                out.push_str(latin);
                space = false;
            }
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    out.trim_end().to_owned()
}

/// Splits a normalised word where letters meet digits, as the market's
/// analyzer (`class` tokenizer) does: "sa7x" is "sa", "7", "x".
pub fn runs(word: &str) -> Vec<&str> {
    let mut runs = Vec::new();
    let mut start = 0;
    for (i, c) in word.char_indices().skip(1) {
        let before = word[..i].chars().next_back().expect("a character before");
        if before.is_ascii_digit() != c.is_ascii_digit() {
            runs.push(&word[start..i]);
            start = i;
        }
    }
    runs.push(&word[start..]);
    runs
}

/// What the market indexes of `text`: its search spelling with letters and
/// digits apart ("5kg" is "5 kg"), so an index that only splits at spaces
/// holds the same words as the one that splits by class.
pub fn searchable(text: &str) -> String {
    normalise(text).split(' ').filter(|w| !w.is_empty()).flat_map(runs).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::{normalise, runs, searchable};

    #[test]
    fn letters_and_digits_are_words_apart() {
        assert_eq!(runs("sa7x"), ["sa", "7", "x"]);
        assert_eq!(runs("qurt12"), ["qurt", "12"]);
        assert_eq!(runs("2026"), ["2026"]);
        assert_eq!(searchable("Qurt 5kg, Чимбай-2026"), "qurt 5 kg chimbay 2026");
        assert_eq!(searchable(""), "");
    }

    #[test]
    fn cyrillic_meets_latin_and_apostrophes_and_accents_do_not_matter() {
        assert_eq!(normalise("Қарақалпақ"), normalise("Qaraqalpaq"));
        assert_eq!(normalise("Қарақалпақ"), "qaraqalpaq");
        for spelling in ["oʻzbek", "o'zbek", "o‘zbek", "ozbek", "OʻZBEK", "ўзбек"] {
            assert_eq!(normalise(spelling), "ozbek", "{spelling}");
        }
        assert_eq!(normalise("Shıyrın ǵárbiz"), "shiyrin garbiz");
        assert_eq!(normalise("Самса, горячая!"), "samsa goryachaya");
        assert_eq!(normalise("  Мёд   Арала  "), "myod arala");
        assert_eq!(normalise("Chimbay-2026"), "chimbay 2026");
        assert_eq!(normalise("</script> \"quoted\""), "script quoted");
        assert_eq!(normalise(""), "");
    }

    /// Addresses given out and the market's index must not change with the
    /// table: names in Karakalpak, Uzbek (Cyrillic and Latin) and Russian,
    /// with the address and the search spelling they had before addresses
    /// and search shared one table.
    #[test]
    fn addresses_and_search_spell_names_as_they_did() {
        use crate::rules::records::slug::suggest;
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
