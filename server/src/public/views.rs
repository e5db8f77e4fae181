//! Which requests for buyers' pages are a person's view: known bots, link
//! preview fetchers and prefetches are not counted. The counting itself, and
//! what is kept of it, is `approved::views`.

use axum::http::{HeaderMap, header};

use crate::AppState;

/// Words in the user agents of crawlers, preview fetchers and scripts.
const BOTS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "preview",
    "facebookexternalhit",
    "meta-externalagent",
    "whatsapp",
    "telegram",
    "skype",
    "discord",
    "embedly",
    "curl",
    "wget",
    "python",
    "go-http",
    "java/",
    "okhttp",
    "headless",
    "lighthouse",
    "monitor",
    "http-client",
    "axios",
    "node-fetch",
    "libwww",
];

/// Whether a request is a person's browser opening the page.
pub fn by_a_person(headers: &HeaderMap) -> bool {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_lowercase();
    let prefetch = ["purpose", "sec-purpose", "x-moz"]
        .iter()
        .any(|name| headers.get(*name).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("prefetch")));
    agent.starts_with("mozilla/") && !BOTS.iter().any(|bot| agent.contains(bot)) && !prefetch
}

/// Counts a view of `page` of `owner`'s when a person asked for it (`ViewCounter::count`).
pub fn count(state: &AppState, headers: &HeaderMap, client: &str, owner: &str, page: &str) {
    if by_a_person(headers) {
        state.views.count(client, owner, page);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(ua: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::USER_AGENT, ua.parse().unwrap());
        headers
    }

    #[test]
    fn people_are_counted_and_bots_are_not() {
        let phone = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";
        assert!(by_a_person(&agent(phone)));
        for bot in [
            "TelegramBot (like TwitterBot)",
            "WhatsApp/2.23.20.0 A",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; YandexBot/3.0)",
            "curl/8.5.0",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
            "",
        ] {
            assert!(!by_a_person(&agent(bot)), "{bot}");
        }
        let mut prefetch = agent(phone);
        prefetch.insert("sec-purpose", "prefetch".parse().unwrap());
        assert!(!by_a_person(&prefetch));
    }
}
