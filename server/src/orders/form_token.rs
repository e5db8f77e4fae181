//! The order form's token: a hidden field of the product page that says
//! this site showed the form, for which product, and when. It is an
//! HMAC-SHA256 of the storefront (its owner), the product and the time the
//! page was rendered, keyed by a secret every server shares (kept in the
//! database, made once). A page kept in the page cache keeps its token,
//! whose time is still the render time. A post is taken from
//! `NOT_BEFORE_MS` after that time (a person reads and types; a bot posts
//! at once) until `VALID_FOR_MS` after it (a buyer on 2G may take long).
//!
//! The same key names a client in `order_sender` by a keyed hash, never by
//! its address.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use crate::infra::database::StoreError;

/// A form posted sooner than this after its page was rendered is a bot's.
pub const NOT_BEFORE_MS: u64 = 2_000;
/// A form is taken for this long after its page was rendered.
pub const VALID_FOR_MS: u64 = 12 * 60 * 60 * 1000;

/// The shared secret, 32 bytes.
#[derive(Clone)]
pub struct FormKey([u8; 32]);

/// What a posted token says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    /// Rendered by this site for this product, `NOT_BEFORE_MS` to `VALID_FOR_MS` ago.
    Good,
    /// Good, but posted faster than a person types.
    TooSoon,
    /// Missing, forged, for another product, or too old.
    Bad,
}

impl FormKey {
    fn mac(&self, parts: &[&str]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        for part in parts {
            mac.update(part.as_bytes());
            mac.update(&[0]);
        }
        mac
    }

    /// The token of the form for `product` of the storefront of `owner`, rendered at `shown_ms`.
    pub fn sign(&self, owner: &str, product: &str, shown_ms: u64) -> String {
        let shown = shown_ms.to_string();
        let mac = self.mac(&["order form", owner, product, &shown]).finalize().into_bytes();
        format!("{shown}.{}", hex::encode(mac))
    }

    /// What `token` says about a form for `product` of `owner` posted at `now_ms`.
    pub fn check(&self, token: &str, owner: &str, product: &str, now_ms: u64) -> Token {
        let Some((shown, mac)) = token.split_once('.') else { return Token::Bad };
        let (Ok(shown_ms), Ok(mac)) = (shown.parse::<u64>(), hex::decode(mac)) else { return Token::Bad };
        if shown_ms.to_string() != shown || self.mac(&["order form", owner, product, shown]).verify_slice(&mac).is_err()
        {
            return Token::Bad;
        }
        // A clock a little behind another server's is not a bot.
        if shown_ms > now_ms.saturating_add(NOT_BEFORE_MS) || now_ms.saturating_sub(shown_ms) > VALID_FOR_MS {
            return Token::Bad;
        }
        if now_ms.saturating_sub(shown_ms) < NOT_BEFORE_MS { Token::TooSoon } else { Token::Good }
    }

    /// A client's address as `order_sender` keeps it: a keyed hash, no address.
    pub fn client_tag(&self, client: &str) -> String {
        hex::encode(&self.mac(&["client", client]).finalize().into_bytes()[..12])
    }
}

/// The key, read once per process.
#[derive(Default)]
pub struct FormKeys {
    key: tokio::sync::OnceCell<FormKey>,
}

impl FormKeys {
    pub async fn get(&self, db: &Surreal<Any>) -> Result<FormKey, StoreError> {
        self.key.get_or_try_init(|| key(db)).await.cloned()
    }
}

/// The key kept in the database; the first server that needs it makes it,
/// and a server that loses that race reads the winner's.
pub async fn key(db: &Surreal<Any>) -> Result<FormKey, StoreError> {
    let read = || async {
        let secret: Option<String> =
            db.query("(SELECT VALUE secret FROM order_form_key:main)[0]").await?.check()?.take(0)?;
        Ok::<_, surrealdb::Error>(secret.and_then(|s| hex::decode(s).ok()).and_then(|b| <[u8; 32]>::try_from(b).ok()))
    };
    if let Some(key) = read().await? {
        return Ok(FormKey(key));
    }
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).expect("the operating system provides randomness");
    // Refused when another server made it meanwhile: then theirs is read.
    let _ = db
        .query("CREATE order_form_key:main SET secret = $secret")
        .bind(("secret", hex::encode(fresh)))
        .await
        .and_then(|response| response.check());
    match read().await? {
        Some(key) => Ok(FormKey(key)),
        None => Err(StoreError::Corrupt("the order form's key could not be kept".to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_764_800_000_000;

    #[test]
    fn a_token_holds_for_its_product_from_two_seconds_to_twelve_hours() {
        let key = FormKey([7; 32]);
        let token = key.sign("account:gulnar", "01PRODUCT", NOW);
        assert_eq!(key.check(&token, "account:gulnar", "01PRODUCT", NOW + 60_000), Token::Good);
        assert_eq!(key.check(&token, "account:gulnar", "01PRODUCT", NOW + VALID_FOR_MS), Token::Good);
        assert_eq!(key.check(&token, "account:gulnar", "01PRODUCT", NOW + VALID_FOR_MS + 1), Token::Bad, "too old");
        assert_eq!(key.check(&token, "account:gulnar", "01PRODUCT", NOW + 500), Token::TooSoon);
        assert_eq!(key.check(&token, "account:gulnar", "01PRODUCT", NOW - 1_000), Token::TooSoon, "a clock behind");
        assert_eq!(key.check(&token, "account:gulnar", "01PRODUCT", NOW - 60_000), Token::Bad, "from the future");
        assert_eq!(key.check(&token, "account:gulnar", "01OTHER", NOW + 60_000), Token::Bad, "another product");
        assert_eq!(key.check(&token, "account:aziza", "01PRODUCT", NOW + 60_000), Token::Bad, "another storefront");
        assert_eq!(FormKey([8; 32]).check(&token, "account:gulnar", "01PRODUCT", NOW + 60_000), Token::Bad);
        // Its time changed, or its signature: forged.
        let (_, mac) = token.split_once('.').unwrap();
        let older = format!("{}.{mac}", NOW - 60_000);
        assert_eq!(key.check(&older, "account:gulnar", "01PRODUCT", NOW + 60_000), Token::Bad);
        for forged in ["", ".", "abc", &format!("{NOW}."), &format!("{NOW}.zz"), &format!("0{NOW}.{mac}")] {
            assert_eq!(key.check(forged, "account:gulnar", "01PRODUCT", NOW + 60_000), Token::Bad, "{forged}");
        }
        assert_ne!(key.client_tag("5.6.7.8"), key.client_tag("5.6.7.9"));
        assert!(!key.client_tag("5.6.7.8").contains("5.6.7.8"));
    }
}
