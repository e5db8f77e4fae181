//! Which language to render a request in: the visitor's saved choice (a cookie)
//! first, then the browser's `Accept-Language`, then Karakalpak.

use super::Lang;

/// The cookie that keeps the language chosen on this device.
pub const LANGUAGE_COOKIE: &str = "sawda_lang";

pub fn choose_language(cookie_header: Option<&str>, accept_language: Option<&str>) -> Lang {
    cookie_header
        .and_then(language_from_cookies)
        .or_else(|| accept_language.and_then(language_from_accept))
        .unwrap_or(Lang::DEFAULT)
}

/// The language in a `Cookie:` header, when it holds one of ours.
pub fn language_from_cookies(header: &str) -> Option<Lang> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        (name.trim() == LANGUAGE_COOKIE).then(|| Lang::from_code(value.trim().trim_matches('"'))).flatten()
    })
}

/// The best of our languages in an `Accept-Language` header (RFC 9110 §12.5.4):
/// highest weight wins, the earlier entry on a tie, `q=0` means "not this one".
pub fn language_from_accept(header: &str) -> Option<Lang> {
    let mut best: Option<(Lang, u16)> = None;
    for entry in header.split(',') {
        let mut parts = entry.split(';');
        let Some(lang) = parts.next().and_then(Lang::from_code) else {
            continue;
        };
        let weight = parts
            .find_map(|param| {
                let (name, value) = param.split_once('=')?;
                name.trim().eq_ignore_ascii_case("q").then(|| parse_weight(value.trim()))
            })
            .unwrap_or(Some(1000));
        let Some(weight) = weight else { continue };
        if weight > 0 && best.is_none_or(|(_, w)| weight > w) {
            best = Some((lang, weight));
        }
    }
    best.map(|(lang, _)| lang)
}

/// A quality value as thousandths; `None` when malformed (the entry is then ignored).
fn parse_weight(value: &str) -> Option<u16> {
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_known_means_karakalpak() {
        assert_eq!(choose_language(None, None), Lang::Kaa);
        assert_eq!(choose_language(None, Some("de-DE,de;q=0.9,fr;q=0.5")), Lang::Kaa);
        assert_eq!(choose_language(Some("other=1"), Some("")), Lang::Kaa);
        assert_eq!(choose_language(None, Some("*")), Lang::Kaa);
    }

    #[test]
    fn accept_language_weights_decide() {
        assert_eq!(language_from_accept("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7"), Some(Lang::Ru));
        assert_eq!(language_from_accept("de;q=1,en;q=0.3,uz;q=0.8"), Some(Lang::Uz));
        assert_eq!(language_from_accept("en;q=0.5, kaa"), Some(Lang::Kaa));
        assert_eq!(language_from_accept("uz-Latn-UZ"), Some(Lang::Uz));
    }

    #[test]
    fn ties_go_to_the_earlier_entry() {
        assert_eq!(language_from_accept("en;q=0.5,ru;q=0.5"), Some(Lang::En));
    }

    #[test]
    fn zero_and_malformed_weights_are_ignored() {
        assert_eq!(language_from_accept("ru;q=0,en;q=0.1"), Some(Lang::En));
        assert_eq!(language_from_accept("ru;q=2,en;q=0.1"), Some(Lang::En));
        assert_eq!(language_from_accept("ru;q=abc"), None);
        assert_eq!(language_from_accept("ru;q=0.0001"), None);
        assert_eq!(language_from_accept(";;,,"), None);
    }

    #[test]
    fn the_saved_choice_beats_the_browser() {
        assert_eq!(choose_language(Some("a=b; sawda_lang=en"), Some("ru")), Lang::En);
        assert_eq!(choose_language(Some("sawda_lang=\"uz\""), Some("ru")), Lang::Uz);
    }

    #[test]
    fn a_bad_cookie_falls_back_to_the_browser() {
        assert_eq!(choose_language(Some("sawda_lang=xx"), Some("ru")), Lang::Ru);
        assert_eq!(choose_language(Some("sawda_lang"), Some("uz")), Lang::Uz);
    }
}
