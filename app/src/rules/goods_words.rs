//! The programme's goods in the four languages, as their makers and buyers
//! write them: a buyer's word for a good is searched with the good's other
//! words ("қовун" also finds "qawın", "дыня" and "melon"), and a word that
//! finds nothing is compared with these for a "did you mean".
//!
//! Every form goes through [`normalise`], so one line covers its Latin and
//! Cyrillic spellings alike where they meet (Uzbek "qovun" and "қовун"); a
//! Karakalpak Cyrillic "ў" is listed apart, since search reads it as Uzbek
//! "oʻ". Search matches the start of a word, so "qawın" also finds
//! "qawınlar": inflections are listed where the stem itself changes or where
//! buyers type them. A form shorter than four letters, or written with a
//! leading `=`, is known when a buyer types it but never searched for her
//! other words: it starts too many other words ("bal", honey, starts
//! "balıq", fish; "курт" starts "куртка").

use std::collections::HashMap;
use std::sync::LazyLock;

use super::search::normalise;

pub struct Good {
    /// What the good is, for people reading this table.
    pub name: &'static str,
    pub kaa: &'static [&'static str],
    pub uz: &'static [&'static str],
    pub ru: &'static [&'static str],
    pub en: &'static [&'static str],
}

const fn good(
    name: &'static str,
    kaa: &'static [&'static str],
    uz: &'static [&'static str],
    ru: &'static [&'static str],
    en: &'static [&'static str],
) -> Good {
    Good { name, kaa, uz, ru, en }
}

#[rustfmt::skip]
pub const GOODS: &[Good] = &[
    good("melon", &["qawın", "қаўын", "qawını", "qawınlar"], &["qovun", "qovuni", "qovunlar"], &["дыня", "дыни", "дыню", "дынь", "дынный"], &["melon", "melons"]),
    good("watermelon", &["ǵarbız", "qarbız"], &["tarvuz"], &["арбуз", "арбузы", "арбуза"], &["watermelon"]),
    good("jam", &["múrabba", "múrabbası"], &["murabbo", "murabbosi"], &["варенье", "варенья", "джем", "джема", "конфитюр"], &["jam", "preserves"]),
    good("biscuits", &["pechene", "pechenye", "pechenyesi"], &["pechenye", "pechenyesi", "pechene"], &["печенье", "печенья", "печенька", "печеньки"], &["biscuit", "biscuits", "cookie", "cookies"]),
    good("tea", &["shay", "shayı"], &["choy", "choyi"], &["чай", "чая", "чаю", "чайный"], &["tea"]),
    good("honey", &["bal", "=balı"], &["asal", "asali", "bol"], &["мёд", "мед", "мёда", "меда", "мёдом", "медом", "медовый", "медовая"], &["honey"]),
    good("embroidery", &["keste", "kesteli", "kestelengen", "kesteshilik"], &["kashta", "kashtali", "kashtachilik"], &["вышивка", "вышивки", "вышивкой", "вышитый", "вышитая", "вышитые"], &["embroidery", "embroidered"]),
    good("felt", &["kiyiz", "kiyizden"], &["kigiz", "namat"], &["войлок", "войлочный", "войлочная", "войлочные"], &["felt", "felted"]),
    good("carpet", &["gilem", "kilem"], &["gilam", "gilamlar"], &["ковёр", "ковер", "ковры", "ковра", "ковров", "коврик"], &["carpet", "carpets", "rug", "rugs"]),
    good("bread", &["nan", "nanı", "nanlar"], &["non", "noni", "nonlar"], &["хлеб", "хлеба", "лепёшка", "лепешка", "лепёшки", "лепешки"], &["bread", "flatbread"]),
    good("cheese", &["irimshik", "sır"], &["pishloq", "sir"], &["сыр", "сыра", "сыры", "сырок", "брынза"], &["cheese"]),
    good("dried fruit", &["qaq", "keptirilgen", "qurǵatılǵan"], &["quritilgan", "qoqi", "qoq"], &["сухофрукты", "сухофрукт", "сушёный", "сушеный", "сушёная", "сушеная", "сушёные", "сушеные", "вяленый", "вяленая"], &["dried", "dry"]),
    good("soap", &["sabın"], &["sovun"], &["мыло", "мыла", "мылом", "мыльный"], &["soap"]),
    good("apricot", &["órik"], &["oʻrik", "turshak"], &["абрикос", "абрикосы", "курага", "кураги"], &["apricot", "apricots"]),
    good("grapes", &["júzim"], &["uzum"], &["виноград", "винограда"], &["grape", "grapes"]),
    good("raisins", &["mayız"], &["mayiz"], &["изюм", "изюма"], &["raisin", "raisins"]),
    good("pumpkin", &["asqabaq"], &["qovoq", "qovogʻi"], &["тыква", "тыквы", "тыкву", "тыквенный"], &["pumpkin"]),
    good("rice", &["gúrish"], &["guruch"], &["рис", "риса", "рисом"], &["rice"]),
    good("oil and butter", &["may", "=mayı"], &["yogʻ", "=yogʻi", "sariyogʻ"], &["масло", "масла", "маслом"], &["oil", "butter"]),
    good("milk", &["sút", "sútı"], &["sut", "suti"], &["молоко", "молока", "молочный", "молочные"], &["milk"]),
    good("qurt", &["qurt", "qurtı"], &["qurt"], &["=курт", "курут", "курута"], &["qurt", "kurut"]),
    good("yogurt", &["qatıq"], &["qatiq"], &["катык", "йогурт", "кефир"], &["yogurt", "yoghurt", "kefir"]),
    good("cream", &["qaymaq"], &["qaymoq"], &["каймак", "сливки", "сметана", "сметаны"], &["cream"]),
    good("fish", &["balıq", "balıǵı"], &["baliq", "baligʻi"], &["рыба", "рыбы", "рыбу", "рыбный"], &["fish"]),
    good("meat", &["gósh"], &["goʻsht"], &["мясо", "мяса", "мясной"], &["meat", "beef", "mutton"]),
    good("horse sausage", &["qazı"], &["qazi"], &["казы", "колбаса", "колбасы"], &["sausage"]),
    good("samsa", &["samsa"], &["somsa"], &["самса", "самсы"], &["samosa"]),
    good("walnuts", &["jańǵaq"], &["yongʻoq"], &["орех", "орехи", "орехов", "грецкий"], &["walnut", "walnuts", "nuts"]),
    good("almonds", &["bádam"], &["bodom"], &["миндаль", "миндаля"], &["almond", "almonds"]),
    good("pistachios", &["pista"], &["pista"], &["фисташки", "фисташка"], &["pistachio", "pistachios"]),
    good("halva", &["xalwa", "халўа", "xalva"], &["holva"], &["халва", "халвы"], &["halva", "halwa"]),
    good("sweets", &["konfet", "shiyrinlik"], &["konfet", "shirinlik"], &["конфеты", "конфета", "сладости"], &["sweets", "candy"]),
    good("cake", &["tort"], &["tort", "pirog"], &["торт", "торта", "пирог", "пирога", "пирожное"], &["cake", "pie"]),
    good("salt", &["duz", "=duzı"], &["tuz", "=tuzi"], &["соль", "соли"], &["salt"]),
    good("oleaster", &["jiyde"], &["jiyda"], &["джида", "джиды"], &["oleaster"]),
    good("pomegranate", &["anar"], &["anor"], &["гранат", "граната", "гранаты"], &["pomegranate"]),
    good("apples", &["alma"], &["olma"], &["яблоко", "яблоки", "яблок", "яблочный"], &["apple", "apples"]),
    good("pears", &["almurt"], &["nok", "noki"], &["груша", "груши"], &["pear", "pears"]),
    good("tomatoes", &["pomidor"], &["pomidor"], &["помидор", "помидоры", "томат", "томаты"], &["tomato", "tomatoes"]),
    good("pepper", &["burısh"], &["qalampir"], &["перец", "перца"], &["pepper"]),
    good("onions", &["piyaz"], &["piyoz"], &["лук", "лука"], &["onion", "onions"]),
    good("garlic", &["sarımsaq"], &["sarimsoq"], &["чеснок", "чеснока"], &["garlic"]),
    good("cucumbers", &["qıyar"], &["bodring"], &["огурец", "огурцы"], &["cucumber", "cucumbers"]),
    good("potatoes", &["kartoshka"], &["kartoshka"], &["картофель", "картошка", "картофеля"], &["potato", "potatoes"]),
    good("carrots", &["sábiz"], &["sabzi"], &["морковь", "моркови", "морковка"], &["carrot", "carrots"]),
    good("eggs", &["máyek"], &["tuxum"], &["яйца", "яйцо", "яиц"], &["egg", "eggs"]),
    good("baursak", &["bawırsaq", "баўырсақ"], &["boʻgʻirsoq"], &["баурсак", "баурсаки"], &["baursak"]),
    good("sumalak", &["súmelek"], &["sumalak"], &["сумаляк", "сумалак"], &["sumalak"]),
    good("cotton", &["paxta"], &["paxta"], &["хлопок", "хлопка", "хлопковый"], &["cotton"]),
    good("wool", &["jún", "júnnen"], &["jun", "junli"], &["шерсть", "шерсти", "шерстяной", "шерстяные"], &["wool", "woollen", "woolen"]),
    good("silk", &["jipek"], &["ipak", "ipagi"], &["шёлк", "шелк", "шёлка", "шелка", "шёлковый", "шелковый"], &["silk"]),
    good("suzani", &["súzane"], &["soʻzana", "suzani"], &["сюзане", "сузане"], &["suzani"]),
    good("skullcap", &["taqıya", "doppı"], &["doʻppi"], &["тюбетейка", "тюбетейки"], &["skullcap"]),
    good("bags", &["sumka"], &["sumka", "xalta"], &["сумка", "сумки", "сумочка"], &["bag", "bags", "handbag"]),
    good("jewellery", &["zergerlik"], &["zargarlik", "taqinchoq"], &["украшения", "украшение", "украшений", "бижутерия"], &["jewellery", "jewelry"]),
    good("ceramics", &["keramika", "kúlalshılıq"], &["kulolchilik", "sopol", "keramika"], &["керамика", "керамики", "керамический", "глиняный"], &["ceramics", "ceramic", "pottery"]),
    good("knitted things", &["toqılǵan"], &["toʻqilgan", "toʻqima"], &["вязаный", "вязаная", "вязаные", "вязание"], &["knitted", "knit"]),
    good("socks", &["shulıq"], &["paypoq"], &["носки", "носок"], &["socks"]),
    good("yurt", &["otaw", "отаў"], &["oʻtov"], &["юрта", "юрты"], &["yurt"]),
    good("baskets", &["sebet"], &["savat"], &["корзина", "корзины", "корзинка"], &["basket", "baskets"]),
    good("dolls", &["qurshaq"], &["qoʻgʻirchoq"], &["кукла", "куклы", "куклу"], &["doll", "dolls"]),
    good("toys", &["oyınshıq"], &["oʻyinchoq"], &["игрушка", "игрушки"], &["toy", "toys"]),
    good("wooden things", &["aǵash"], &["yogʻoch"], &["деревянный", "деревянная", "деревянные", "дерево"], &["wood", "wooden"]),
    good("leather", &["teri"], &["charm", "teri"], &["кожа", "кожи", "кожаный", "кожаная"], &["leather"]),
    good("dresses", &["kóylek"], &["koʻylak"], &["платье", "платья"], &["dress", "dresses"]),
    good("chapan", &["shapan"], &["chopon"], &["чапан", "халат", "халата"], &["chapan", "robe"]),
    good("scarves", &["jawlıq", "жаўлық", "oramal"], &["roʻmol"], &["платок", "платки", "шарф", "шарфы"], &["scarf", "shawl"]),
    good("hats", &["bórik"], &["telpak", "qalpoq"], &["шапка", "шапки"], &["hat", "hats"]),
    good("souvenirs", &["suwenir"], &["suvenir", "esdalik"], &["сувенир", "сувениры"], &["souvenir", "souvenirs"]),
];

/// A good's searched words are at most these many (each is one more term of
/// the full-text condition; `tests::the_table_is_whole`).
pub const MOST_ALTERNATIVES: usize = 24;

/// The index holds prefixes of at most 20 letters: longer words are cut to match.
const LONGEST: usize = 20;

#[derive(Clone, Copy, PartialEq)]
enum Tongue {
    Turkic,
    Russian,
    English,
}

struct Form {
    good: usize,
    /// Its search spelling.
    spelling: String,
    written: &'static str,
    searched: bool,
    tongue: Tongue,
}

static FORMS: LazyLock<Vec<Form>> = LazyLock::new(|| {
    let mut forms = Vec::new();
    for (good, g) in GOODS.iter().enumerate() {
        for (tongue, words) in
            [(Tongue::Turkic, g.kaa), (Tongue::Turkic, g.uz), (Tongue::Russian, g.ru), (Tongue::English, g.en)]
        {
            for word in words {
                let (written, marked) = match word.strip_prefix('=') {
                    Some(rest) => (rest, true),
                    None => (*word, false),
                };
                let spelling = normalise(written);
                let searched = !marked && spelling.len() >= 4;
                forms.push(Form { good, spelling, written, searched, tongue });
            }
        }
    }
    forms
});

/// Each spelling (and each stem an ending is put on) to its forms.
static STEMS: LazyLock<HashMap<String, Vec<usize>>> = LazyLock::new(|| {
    let mut stems: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, form) in FORMS.iter().enumerate() {
        let s = &form.spelling;
        let mut keys = vec![s.clone()];
        match form.tongue {
            // Uzbek and Karakalpak soften a final k or q before a vowel: ipak, ipagi.
            Tongue::Turkic if s.ends_with(['k', 'q']) => keys.push(format!("{}g", &s[..s.len() - 1])),
            // Russian endings replace a final vowel: дыня, дыни.
            Tongue::Russian => {
                for ending in ["ya", "yo", "ye", "yu", "a", "o", "e", "i", "u", "y"] {
                    if let Some(stem) = s.strip_suffix(ending).filter(|stem| stem.len() >= 3) {
                        keys.push(stem.to_owned());
                        break;
                    }
                }
            }
            _ => {}
        }
        for key in keys {
            let entry = stems.entry(key).or_default();
            if !entry.contains(&i) {
                entry.push(i);
            }
        }
    }
    stems
});

/// Possessive, plural and case endings, in their search spelling (-ı and -i alike).
const TURKIC_ENDINGS: &[&str] = &[
    "i", "si", "ni", "nin", "ning", "ga", "ge", "qa", "ke", "ka", "da", "de", "ta", "te", "dan", "den", "tan", "ten",
    "lar", "ler", "lari", "leri", "larni", "lerdi", "lardi", "larga", "lerge", "ini", "sini", "ining", "sining",
    "idan", "sidan", "iga", "siga", "li",
];
const RUSSIAN_ENDINGS: &[&str] = &[
    "a", "o", "e", "i", "u", "y", "ya", "yu", "ye", "om", "em", "oy", "ey", "ov", "ev", "ami", "yami", "ax", "yax",
    "iy", "aya", "oe", "ie", "ogo", "uyu",
];
const ENGLISH_ENDINGS: &[&str] = &["s", "es"];

/// The goods a word of a buyer's search names: one of their forms, or a
/// form with an ending ("qawınları", "дынями").
fn goods_of(word: &str) -> Vec<usize> {
    let mut goods: Vec<usize> = FORMS.iter().filter(|f| f.spelling == word).map(|f| f.good).collect();
    if goods.is_empty() {
        for cut in (3..word.len()).filter(|&cut| word.is_char_boundary(cut)) {
            let (stem, ending) = word.split_at(cut);
            for &i in STEMS.get(stem).into_iter().flatten() {
                let form = &FORMS[i];
                let endings = match form.tongue {
                    Tongue::Turkic => TURKIC_ENDINGS,
                    Tongue::Russian => RUSSIAN_ENDINGS,
                    Tongue::English => ENGLISH_ENDINGS,
                };
                if endings.contains(&ending) {
                    goods.push(form.good);
                }
            }
        }
    }
    goods.sort_unstable();
    goods.dedup();
    goods
}

/// The goods a word names, in any spelling or with an ending ("Qawın",
/// "múrabbası", "дыни"): an ad's hashtags say them in the ad's language.
pub fn goods_named(word: &str) -> Vec<&'static Good> {
    goods_of(&normalise(word)).into_iter().map(|good| &GOODS[good]).collect()
}

/// What the market searches for one word of her search (already in its
/// search spelling): the word itself and, when it names a good, that good's
/// other words in the four languages. None is the start of another, since
/// the shorter already finds the longer; sorted, so one search is one query.
pub fn alternatives(word: &str) -> Vec<String> {
    let goods = goods_of(word);
    let mut all: Vec<String> = FORMS
        .iter()
        .filter(|f| f.searched && goods.contains(&f.good))
        .map(|f| f.spelling.chars().take(LONGEST).collect())
        .chain(std::iter::once(word.to_owned()))
        .collect();
    all.sort();
    all.dedup();
    let covered = |w: &String, all: &[String]| all.iter().any(|other| other != w && w.starts_with(other.as_str()));
    all.iter().filter(|w| !covered(w, &all)).cloned().collect()
}

/// The distance between two spellings: letters put in, left out, changed,
/// or two neighbours swapped, each one step.
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let change = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + change);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// A good's word spelled close to `word` (in its search spelling), as the
/// table writes it ("qovn" is "qovun"; "murabo" is "múrabba"): one step away
/// for words of four or five letters, two for longer ones. `None` for a
/// good's own word, a shorter word, or nothing close.
pub fn close_spelling(word: &str) -> Option<&'static str> {
    let most = match word.len() {
        0..=3 => return None,
        4..=5 => 1,
        _ => 2,
    };
    if !goods_of(word).is_empty() {
        return None;
    }
    FORMS
        .iter()
        .filter(|f| f.spelling.len() >= 3)
        .map(|f| (distance(word, &f.spelling), f))
        .filter(|(d, _)| *d <= most)
        .min_by_key(|(d, _)| *d)
        .map(|(_, f)| f.written)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{FORMS, GOODS, MOST_ALTERNATIVES, alternatives, close_spelling, distance, goods_of};
    use crate::rules::search::normalise;

    fn good_of(word: &str) -> Vec<&'static str> {
        goods_of(&normalise(word)).into_iter().map(|g| GOODS[g].name).collect()
    }

    #[test]
    fn the_table_is_whole() {
        assert!(GOODS.len() >= 60, "{} goods", GOODS.len());
        let mut owner: HashMap<&str, &str> = HashMap::new();
        for good in GOODS {
            for (lang, words) in [("kaa", good.kaa), ("uz", good.uz), ("ru", good.ru), ("en", good.en)] {
                assert!(!words.is_empty(), "{} has no {lang} word", good.name);
            }
            let searched = alternatives(&normalise(good.en[0])).len();
            assert!(searched <= MOST_ALTERNATIVES, "{}: {searched} words", good.name);
        }
        for form in FORMS.iter() {
            // One word of letters, as the index holds it.
            assert!(
                form.spelling.len() >= 2 && form.spelling.bytes().all(|b| b.is_ascii_lowercase()),
                "{:?}",
                form.written
            );
            // A spelling names one good, or a buyer's word would be widened into two.
            let name = GOODS[form.good].name;
            assert_eq!(*owner.entry(&form.spelling).or_insert(name), name, "{}", form.written);
        }
    }

    #[test]
    fn a_goods_word_is_known_in_every_spelling_and_with_its_endings() {
        for word in ["qawın", "қаўын", "qovun", "қовун", "дыня", "дыни", "melon", "melons", "qawınları", "qovunlar"]
        {
            assert_eq!(good_of(word), ["melon"], "{word}");
        }
        for word in ["múrabbası", "мураббо", "murabbosi", "варенье", "варенья", "джем", "jam"]
        {
            assert_eq!(good_of(word), ["jam"], "{word}");
        }
        for word in ["pechenyesi", "печенье", "печенья", "pechenye", "cookies"] {
            assert_eq!(good_of(word), ["biscuits"], "{word}");
        }
        assert_eq!(good_of("ipagi"), ["silk"], "k softened before an ending");
        assert_eq!(good_of("bal"), ["honey"]);
        assert_eq!(good_of("baliq"), ["fish"], "a good's own word before an ending of another");
        assert!(good_of("qovunchi").is_empty(), "not an ending");
        assert!(good_of("samarqand").is_empty());
    }

    #[test]
    fn a_goods_word_is_searched_with_its_other_words() {
        let melon = alternatives("qovun");
        for word in ["qawin", "qaoin", "qovun", "dinya", "melon"] {
            assert!(melon.contains(&word.to_owned()), "{word} in {melon:?}");
        }
        assert!(!melon.contains(&"qawinlar".to_owned()), "'qawin' already finds 'qawinlar': {melon:?}");
        let jam = alternatives(&normalise("мураббо"));
        assert!(jam.contains(&"murabba".to_owned()) && jam.contains(&"varene".to_owned()), "{jam:?}");
        assert!(!jam.contains(&"jam".to_owned()), "three letters start too many words: {jam:?}");
        let biscuits = alternatives(&normalise("печенье"));
        assert!(biscuits.contains(&"pechenye".to_owned()), "{biscuits:?}");
        // Her own word is searched as she typed it, and a marked form only then.
        assert!(alternatives("bal").contains(&"bal".to_owned()));
        assert!(alternatives("asal").iter().all(|w| !w.starts_with("bal")), "{:?}", alternatives("asal"));
        assert_eq!(alternatives("samarqand"), ["samarqand"]);
    }

    #[test]
    fn a_close_spelling_of_a_goods_word_is_offered() {
        assert_eq!(distance("qovn", "qovun"), 1);
        assert_eq!(distance("qvoun", "qovun"), 1, "two letters swapped");
        assert_eq!(close_spelling("qovn"), Some("qovun"));
        assert_eq!(close_spelling(&normalise("мураббо")), None, "spelled right");
        assert_eq!(close_spelling("pchenye"), Some("pechenye"));
        assert_eq!(close_spelling("pechenie"), None, "печение: the stem of печенье with an ending, so known");
        assert_eq!(close_spelling("asl"), None, "too short to guess");
        assert_eq!(close_spelling("samarqand"), None);
    }
}
