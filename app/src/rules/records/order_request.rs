//! A buyer's order request as a synced record in the entrepreneur's scope.
//! The server makes it from the form on a product page (the buyer has no
//! account), so everything the buyer wrote is a server field her phones
//! cannot change; her phones write only how far the order has got and her
//! own note. The form's checks are here too, so the page and the server read
//! one set of limits.

use serde::Deserialize;
use serde_json::{Value, json};

use super::field::{FieldSpec, Shape, check_telegram};
use crate::i18n::Key;
use crate::rules::choices::choices;
use crate::rules::people::normalise_phone;
use crate::rules::problem::{FieldProblem, check_text};

pub const STATUS: &str = "status";
pub const NOTE: &str = "note";

// Set by the server when the request arrives (`Kind::OrderRequest.server_fields()`).
pub const RECEIVED_AT: &str = "received_at";
pub const PRODUCT: &str = "product";
pub const PRODUCT_NAME: &str = "product_name";
pub const PRODUCT_ADDRESS: &str = "product_address";
pub const BUYER_NAME: &str = "buyer_name";
pub const BUYER_CONTACT: &str = "buyer_contact";
pub const QUANTITY: &str = "quantity";
pub const DELIVERY: &str = "delivery";
pub const MESSAGE: &str = "message";
pub const LANG: &str = "lang";

/// On her storefront, set by the server: buyers' requests turned away while
/// too many waited for her answer (`TurnedAway`).
pub const TURNED_AWAY: &str = "orders_turned_away";

/// Buyers' requests turned away, as her storefront keeps it: how many since
/// when, and the latest (RFC 3339). The server counts afresh once the
/// latest is older than `UNANSWERED_DAYS`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct TurnedAway {
    pub count: u64,
    pub since: String,
    pub last: String,
}

impl TurnedAway {
    pub fn of(value: Option<&Value>) -> Option<TurnedAway> {
        value.and_then(|value| serde_json::from_value(value.clone()).ok()).filter(|t: &TurnedAway| t.count > 0)
    }

    /// One more turned away `now` (RFC 3339), after `previous`; `afresh`
    /// when the previous ones are old news.
    pub fn one_more(previous: Option<TurnedAway>, now: &str, afresh: bool) -> TurnedAway {
        match previous {
            Some(previous) if !afresh => TurnedAway { count: previous.count + 1, last: now.to_owned(), ..previous },
            _ => TurnedAway { count: 1, since: now.to_owned(), last: now.to_owned() },
        }
    }

    pub fn value(&self) -> Value {
        serde_json::to_value(self).expect("plain fields")
    }
}

/// The fields that hold what the buyer told about herself: blanked when the
/// request is forgotten (`KEPT_DAYS`).
pub const BUYER_FIELDS: [&str; 4] = [BUYER_NAME, BUYER_CONTACT, DELIVERY, MESSAGE];

/// Days after it arrived that a request keeps the buyer's details, whatever
/// its status (she has answered by then, or never will).
pub const KEPT_DAYS: u64 = 180;

/// Days a request waits for her answer ("new"): then the server lets it go,
/// so a flood she never saw frees its places by itself.
pub const UNANSWERED_DAYS: u64 = 14;

pub const NAME_MAX: usize = 80;
pub const CONTACT_MAX: usize = 40;
pub const DELIVERY_MAX: usize = 300;
pub const MESSAGE_MAX: usize = 1_000;
pub const NOTE_MAX: usize = 1_000;
pub const QUANTITY_MAX: u64 = 10_000;

/// Bytes a buyer's text may take (UTF-8), beside its characters: three to a
/// character, so every alphabet her buyers write fits at full length, and
/// a text of emoji (four bytes each) is shorter.
pub const NAME_MAX_BYTES: usize = 3 * NAME_MAX;
pub const DELIVERY_MAX_BYTES: usize = 3 * DELIVERY_MAX;
pub const MESSAGE_MAX_BYTES: usize = 3 * MESSAGE_MAX;

choices!(
    /// How far an order has got. `new` → `confirmed` → `sent` → `done`, or `cancelled` on the way.
    Status {
        New = "new" => OrderStatusNew,
        Confirmed = "confirmed" => OrderStatusConfirmed,
        Sent = "sent" => OrderStatusSent,
        Done = "done" => OrderStatusDone,
        Cancelled = "cancelled" => OrderStatusCancelled,
    }
);

impl Status {
    /// The step after this one, if there is one.
    pub fn next(self) -> Option<Status> {
        match self {
            Status::New => Some(Status::Confirmed),
            Status::Confirmed => Some(Status::Sent),
            Status::Sent => Some(Status::Done),
            Status::Done | Status::Cancelled => None,
        }
    }

    /// Whether nothing more happens to the order.
    pub fn finished(self) -> bool {
        matches!(self, Status::Done | Status::Cancelled)
    }
}

/// What her phones write; every other field is the server's.
pub static FIELDS: [FieldSpec; 2] = [
    FieldSpec::required(STATUS, Shape::Choice(Status::IDS)),
    FieldSpec::optional(NOTE, Shape::Text { min: 0, max: NOTE_MAX }).labelled(Key::StudioOrdersNote),
];

/// The form on a product page, as posted. Every field is text, because a
/// form is; `website` is a field people never see (bots fill it in).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub delivery: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub lang: String,
    /// The page's signed token: the form was shown by this site, and when.
    #[serde(default)]
    pub token: String,
    /// The ad the buyer came through (`/a/{id}`), for the ad's results only;
    /// the server counts it only for a live ad of this listing.
    #[serde(default)]
    pub ad: String,
}

/// Unicode format characters (general category Cf, Unicode 15.1): bidi
/// controls, zero-width spaces and joiners, tags, and the like.
fn is_format(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

/// Whether `text` holds a character no buyer means to send: a control
/// character (but a line break in a message, `lines`) or a format
/// character. A zero-width joiner or non-joiner between two visible
/// characters stays: emoji such as 👩‍🌾 and some scripts are made with it.
pub fn has_invisible(text: &str, lines: bool) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let visible = |c: Option<&char>| c.is_some_and(|c| !c.is_whitespace() && !c.is_control() && !is_format(*c));
    chars.iter().enumerate().any(|(i, &c)| match c {
        '\n' => !lines,
        '\u{200C}' | '\u{200D}' => !(i > 0 && visible(chars.get(i - 1)) && visible(chars.get(i + 1))),
        c => c.is_control() || is_format(c),
    })
}

/// A buyer's text: `min..=max` characters, no invisible ones, at most `max_bytes`.
fn check_buyer_text(value: &str, min: usize, max: usize, max_bytes: usize, lines: bool) -> Result<(), FieldProblem> {
    check_text(value, min, max)?;
    // Spaces and line breaks around the text go when it is kept.
    if has_invisible(value.trim(), lines) {
        return Err(FieldProblem::Invisible);
    }
    if value.trim().len() > max_bytes {
        return Err(FieldProblem::TooManyBytes);
    }
    Ok(())
}

/// Line breaks as one `\n`: a browser sends a textarea's as CR LF.
fn one_line_break(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// How to reach the buyer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contact {
    /// `+` and digits: an Uzbek number in its one form, or another country's.
    Phone(String),
    /// A Telegram user name, without the `@`.
    Telegram(String),
}

impl Contact {
    /// Reads what buyers type: `90 123 45 67`, `+998…`, `+7 …`, `@name`, `t.me/name`.
    pub fn parse(typed: &str) -> Result<Contact, FieldProblem> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Err(FieldProblem::Required);
        }
        let handle = typed
            .strip_prefix("https://")
            .or_else(|| typed.strip_prefix("http://"))
            .unwrap_or(typed)
            .trim_start_matches("www.");
        if let Some(name) = handle.strip_prefix("t.me/").or_else(|| typed.strip_prefix('@')) {
            return check_telegram(name).map(|()| Contact::Telegram(name.to_owned()));
        }
        if let Some(phone) = normalise_phone(typed) {
            return Ok(Contact::Phone(phone));
        }
        let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
        let punctuation = typed.chars().all(|c| c.is_ascii_digit() || " +-().\u{a0}".contains(c));
        if typed.starts_with('+') && punctuation && (8..=15).contains(&digits.len()) {
            return Ok(Contact::Phone(format!("+{digits}")));
        }
        if check_telegram(typed).is_ok() && typed.chars().any(|c| c.is_ascii_alphabetic()) {
            return Ok(Contact::Telegram(typed.to_owned()));
        }
        Err(FieldProblem::Contact)
    }

    /// As stored: `+998901234567` or `@name`.
    pub fn stored(&self) -> String {
        match self {
            Contact::Phone(phone) => phone.clone(),
            Contact::Telegram(name) => format!("@{name}"),
        }
    }

    /// Reads a stored contact back.
    pub fn from_stored(stored: &str) -> Option<Contact> {
        match stored.strip_prefix('@') {
            Some(name) => Some(Contact::Telegram(name.to_owned())),
            None if stored.starts_with('+') => Some(Contact::Phone(stored.to_owned())),
            None => None,
        }
    }

    /// Links that reach the buyer in one tap: (address, what it does).
    pub fn links(&self) -> Vec<(String, ContactLink)> {
        match self {
            Contact::Phone(phone) => {
                let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
                vec![
                    (format!("tel:{phone}"), ContactLink::Call),
                    (format!("https://wa.me/{digits}"), ContactLink::WhatsApp),
                    (format!("sms:{phone}"), ContactLink::Sms),
                ]
            }
            Contact::Telegram(name) => vec![(format!("https://t.me/{name}"), ContactLink::Telegram)],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactLink {
    Call,
    WhatsApp,
    Sms,
    Telegram,
}

/// An order form that passed its checks.
#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    pub name: String,
    pub contact: Contact,
    pub quantity: u64,
    pub delivery: String,
    pub message: String,
}

/// Which form field a problem is about.
pub type FormProblems = Vec<(&'static str, FieldProblem)>;

impl OrderForm {
    /// The order, or every field's problem (the page shows each beside its field).
    pub fn check(&self) -> Result<Order, FormProblems> {
        let mut problems = Vec::new();
        let message = one_line_break(&self.message);
        let mut text = |name: &'static str, value: &str, min, max, max_bytes, lines| {
            if let Err(problem) = check_buyer_text(value, min, max, max_bytes, lines) {
                problems.push((name, problem));
            }
        };
        text("name", &self.name, 2, NAME_MAX, NAME_MAX_BYTES, false);
        text("delivery", &self.delivery, 0, DELIVERY_MAX, DELIVERY_MAX_BYTES, false);
        text("message", &message, 0, MESSAGE_MAX, MESSAGE_MAX_BYTES, true);
        let contact = if self.contact.chars().count() > CONTACT_MAX {
            Err(FieldProblem::TooLong { max: CONTACT_MAX })
        } else {
            Contact::parse(&self.contact)
        };
        let contact = contact.map_err(|problem| problems.push(("contact", problem))).ok();
        let quantity = match self.quantity.trim() {
            "" => Ok(1),
            typed => match typed.parse::<u64>() {
                Ok(n) if (1..=QUANTITY_MAX).contains(&n) => Ok(n),
                Ok(_) => Err(FieldProblem::OutOfRange { min: 1, max: QUANTITY_MAX }),
                Err(_) => Err(FieldProblem::WholeNumber),
            },
        };
        let quantity = quantity.map_err(|problem| problems.push(("quantity", problem))).ok();
        match (contact, quantity) {
            (Some(contact), Some(quantity)) if problems.is_empty() => Ok(Order {
                name: self.name.trim().to_owned(),
                contact,
                quantity,
                delivery: self.delivery.trim().to_owned(),
                message: message.trim().to_owned(),
            }),
            _ => Err(problems),
        }
    }

    /// Whether the field people cannot see was filled in: a bot.
    pub fn from_a_bot(&self) -> bool {
        !self.website.is_empty()
    }
}

impl Order {
    /// The record's fields as the server first sets them.
    pub fn fields(
        &self,
        product: &str,
        product_name: &str,
        product_address: &str,
        lang: &str,
        received_at: &str,
    ) -> sawda_sync::Fields {
        [
            (STATUS, json!(Status::New.id())),
            (RECEIVED_AT, json!(received_at)),
            (PRODUCT, json!(product)),
            (PRODUCT_NAME, json!(product_name)),
            (PRODUCT_ADDRESS, json!(product_address)),
            (BUYER_NAME, json!(self.name)),
            (BUYER_CONTACT, json!(self.contact.stored())),
            (QUANTITY, json!(self.quantity)),
            (DELIVERY, json!(self.delivery)),
            (MESSAGE, json!(self.message)),
            (LANG, json!(lang)),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }
}

/// The fields that forget the buyer: each set to `null`.
pub fn forgotten_fields() -> sawda_sync::Fields {
    BUYER_FIELDS.iter().map(|name| ((*name).to_owned(), Value::Null)).collect()
}

/// Longest product name and address a request keeps (the product's own bounds are lower).
const PRODUCT_TEXT_MAX: usize = 300;

/// The server's fields of a request, as her phone gives them back after a
/// restore (`docs/sync.md`, "After a restore"): each must be what the server
/// itself writes, the buyer's by the form's rules (`OrderForm::check`, as
/// stored: trimmed, the contact in its one stored form), or `null` once the
/// buyer is forgotten. `making`: the restored server lacks the request, and
/// these fields make it, so the ones never forgotten must be there.
pub fn check_given_back(fields: &sawda_sync::Fields, making: bool) -> Result<(), (String, FieldProblem)> {
    if making {
        for name in [RECEIVED_AT, PRODUCT, QUANTITY] {
            if fields.get(name).is_none_or(Value::is_null) {
                return Err((name.to_owned(), FieldProblem::Required));
            }
        }
    }
    for (name, value) in fields {
        given_back(name, value).map_err(|problem| (name.clone(), problem))?;
    }
    Ok(())
}

fn given_back(name: &str, value: &Value) -> Result<(), FieldProblem> {
    // A forgotten buyer's fields are null (`forgotten_fields`).
    if value.is_null() && BUYER_FIELDS.contains(&name) {
        return Ok(());
    }
    let text = || value.as_str().ok_or(FieldProblem::WrongType);
    let stored_text = |min, max| {
        let text = text()?;
        check_text(text, min, max)?;
        if text.trim() == text { Ok(()) } else { Err(FieldProblem::WrongType) }
    };
    // As the form checks them: what it would not take, a restore does not bring.
    let buyer_text = |min, max, max_bytes, lines| {
        stored_text(min, max)?;
        check_buyer_text(text()?, min, max, max_bytes, lines)
    };
    match name {
        STATUS | NOTE => Ok(()),
        BUYER_NAME => buyer_text(2, NAME_MAX, NAME_MAX_BYTES, false),
        BUYER_CONTACT => {
            let stored = text()?;
            if stored.chars().count() > CONTACT_MAX {
                return Err(FieldProblem::TooLong { max: CONTACT_MAX });
            }
            match Contact::parse(stored) {
                Ok(contact) if contact.stored() == stored => Ok(()),
                Ok(_) => Err(FieldProblem::Contact),
                Err(problem) => Err(problem),
            }
        }
        DELIVERY => buyer_text(0, DELIVERY_MAX, DELIVERY_MAX_BYTES, false),
        MESSAGE => buyer_text(0, MESSAGE_MAX, MESSAGE_MAX_BYTES, true),
        QUANTITY => match value.as_u64() {
            Some(n) if (1..=QUANTITY_MAX).contains(&n) => Ok(()),
            Some(_) => Err(FieldProblem::OutOfRange { min: 1, max: QUANTITY_MAX }),
            None => Err(FieldProblem::WholeNumber),
        },
        PRODUCT => text()?.parse::<sawda_sync::RecordId>().map(drop).map_err(|_| FieldProblem::WrongType),
        PRODUCT_NAME => stored_text(0, PRODUCT_TEXT_MAX),
        PRODUCT_ADDRESS => {
            stored_text(0, PRODUCT_TEXT_MAX)?;
            if text()?.starts_with("/s/") { Ok(()) } else { Err(FieldProblem::WrongType) }
        }
        // As `crate::review::rfc3339` writes it: 2026-12-04T10:00:00.000+00:00.
        RECEIVED_AT => {
            let at = text()?;
            let shaped = (20..=35).contains(&at.len())
                && at.as_bytes()[..4].iter().all(u8::is_ascii_digit)
                && at.chars().all(|c| c.is_ascii_digit() || "-:T.+Z".contains(c));
            if shaped { Ok(()) } else { Err(FieldProblem::WrongType) }
        }
        LANG => match crate::i18n::Lang::from_code(text()?) {
            Some(lang) if lang.code() == text()? => Ok(()),
            _ => Err(FieldProblem::NotInList),
        },
        _ => Err(FieldProblem::UnknownField),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, contact: &str, quantity: &str) -> OrderForm {
        OrderForm { name: name.into(), contact: contact.into(), quantity: quantity.into(), ..OrderForm::default() }
    }

    #[test]
    fn buyers_contacts_are_read_the_way_they_type_them() {
        for (typed, stored) in [
            ("90 123 45 67", "+998901234567"),
            ("+998 (90) 123-45-67", "+998901234567"),
            ("+7 912 345 67 89", "+79123456789"),
            ("@aral_buyer", "@aral_buyer"),
            ("https://t.me/aral_buyer", "@aral_buyer"),
            ("t.me/aral_buyer", "@aral_buyer"),
            ("aral_buyer", "@aral_buyer"),
        ] {
            let contact = Contact::parse(typed).unwrap_or_else(|p| panic!("{typed}: {p:?}"));
            assert_eq!(contact.stored(), stored, "{typed}");
            assert_eq!(Contact::from_stored(stored), Some(contact));
        }
        for typed in ["", "12", "call me", "@ab", "+1 2", "90-123-45-67 ext 5", "<script>"] {
            assert!(Contact::parse(typed).is_err(), "{typed}");
        }
    }

    #[test]
    fn a_form_is_checked_whole_and_every_problem_is_named() {
        let order = form(" Gulnara ", "90 123 45 67", "").check().unwrap();
        assert_eq!((order.name.as_str(), order.quantity), ("Gulnara", 1));
        assert_eq!(order.contact, Contact::Phone("+998901234567".into()));
        let problems = form("", "call me", "0").check().unwrap_err();
        let named: Vec<_> = problems.iter().map(|(field, _)| *field).collect();
        assert_eq!(named, ["name", "contact", "quantity"]);
        assert_eq!(
            form("Gulnara", "@gulnara_b", "2.5").check().unwrap_err(),
            [("quantity", FieldProblem::WholeNumber)]
        );
        assert_eq!(
            form("Gulnara", "@gulnara_b", "10001").check().unwrap_err(),
            [("quantity", FieldProblem::OutOfRange { min: 1, max: QUANTITY_MAX })]
        );
        let long = OrderForm { message: "a".repeat(MESSAGE_MAX + 1), ..form("Gulnara", "@gulnara_b", "1") };
        assert_eq!(long.check().unwrap_err(), [("message", FieldProblem::TooLong { max: MESSAGE_MAX })]);
        let long = form("Gulnara", &"9".repeat(CONTACT_MAX + 1), "1");
        assert_eq!(long.check().unwrap_err(), [("contact", FieldProblem::TooLong { max: CONTACT_MAX })]);
    }

    #[test]
    fn control_and_format_characters_are_refused_and_texts_are_bounded_in_bytes() {
        let with = |field: &str, value: &str| {
            let mut form = form("Gulnara", "@gulnara_b", "1");
            match field {
                "name" => form.name = value.into(),
                "delivery" => form.delivery = value.into(),
                _ => form.message = value.into(),
            }
            form.check()
        };
        for (field, value) in [
            ("name", "Gul\u{1}nara"),
            ("name", "Gul\tnara"),
            ("name", "\u{202E}aranluG"),
            ("name", "Gul\u{AD}nara"),
            ("delivery", "Nukus\u{200B}"),
            ("delivery", "Nukus\nChimbay"),
            ("message", "\u{2066}hi\u{2069}"),
            ("message", "hi\u{7F}"),
            ("message", "\u{FEFF}hi"),
            ("message", "flag\u{E0067}"),
            ("message", "a\u{200D}"),
            ("message", "\u{200D}\u{200D}"),
        ] {
            assert_eq!(with(field, value).unwrap_err(), [(field, FieldProblem::Invisible)], "{field}: {value:?}");
        }
        // What buyers do type: line breaks in the message (CR LF from a
        // browser), emoji made with a joiner, every alphabet of the region.
        let order = with("message", "Two boxes\r\nfor Saturday 👩\u{200D}🌾\rRahmet").unwrap();
        assert_eq!(order.message, "Two boxes\nfor Saturday 👩\u{200D}🌾\nRahmet");
        assert!(with("name", "Gúlnara Qılıshbaeva").is_ok());
        assert!(with("name", "Гульнара Бекмуратова").is_ok());
        assert!(with("delivery", &"Ў".repeat(DELIVERY_MAX)).is_ok(), "a full text of two-byte letters fits");
        assert!(with("message", &"ё".repeat(MESSAGE_MAX)).is_ok());
        // As many characters as allowed, but emoji: too many bytes.
        assert_eq!(with("message", &"🍯".repeat(MESSAGE_MAX)).unwrap_err(), [("message", FieldProblem::TooManyBytes)]);
        assert_eq!(with("name", &"🍯".repeat(NAME_MAX)).unwrap_err(), [("name", FieldProblem::TooManyBytes)]);
        assert_eq!(
            with("message", &"a".repeat(MESSAGE_MAX + 1)).unwrap_err(),
            [("message", FieldProblem::TooLong { max: MESSAGE_MAX })]
        );
    }

    #[test]
    fn turned_away_requests_are_counted_on_and_afresh_after_a_while() {
        let first = TurnedAway::one_more(None, "2026-12-01T10:00:00Z", false);
        assert_eq!(first.count, 1);
        let second = TurnedAway::one_more(TurnedAway::of(Some(&first.value())), "2026-12-02T10:00:00Z", false);
        assert_eq!(
            (second.count, second.since.as_str(), second.last.as_str()),
            (2, "2026-12-01T10:00:00Z", "2026-12-02T10:00:00Z")
        );
        let later = TurnedAway::one_more(Some(second), "2027-01-20T10:00:00Z", true);
        assert_eq!((later.count, later.since.as_str()), (1, "2027-01-20T10:00:00Z"));
        assert_eq!(TurnedAway::of(Some(&json!({"count": 0, "since": "", "last": ""}))), None);
        assert_eq!(TurnedAway::of(Some(&json!("junk"))), None);
        assert_eq!(TurnedAway::of(None), None);
    }

    #[test]
    fn the_steps_of_an_order() {
        assert_eq!(Status::New.next(), Some(Status::Confirmed));
        assert_eq!(Status::Confirmed.next(), Some(Status::Sent));
        assert_eq!(Status::Sent.next(), Some(Status::Done));
        assert_eq!(Status::Done.next(), None);
        assert!(Status::Cancelled.finished() && Status::Done.finished() && !Status::Sent.finished());
    }

    #[test]
    fn a_request_given_back_after_a_restore_is_checked_as_the_form_checks_it() {
        let sent = form("Gulnara", "90 123 45 67", "2").check().unwrap().fields(
            "01J1W7EGG0248H248H248H248H",
            "Melon jam",
            "/s/aral-honey/melon-jam",
            "ru",
            "2026-12-04T10:00:00.123+00:00",
        );
        assert_eq!(check_given_back(&sent, true), Ok(()));
        // Forgotten since: the buyer's fields are null, and come on their own.
        assert_eq!(check_given_back(&forgotten_fields(), false), Ok(()));
        let without =
            |name: &str| sent.iter().filter(|(k, _)| *k != name).map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(check_given_back(&without(RECEIVED_AT), true), Err((RECEIVED_AT.into(), FieldProblem::Required)));
        assert_eq!(check_given_back(&without(RECEIVED_AT), false), Ok(()));
        let with = |name: &str, value: Value| {
            let mut fields = sent.clone();
            fields.insert(name.into(), value);
            check_given_back(&fields, true).map_err(|(field, _)| field)
        };
        for (name, bad) in [
            (BUYER_NAME, json!("G")),
            (BUYER_NAME, json!(" Gulnara")),
            (BUYER_NAME, json!("x".repeat(NAME_MAX + 1))),
            (BUYER_CONTACT, json!("90 123 45 67")),
            (BUYER_CONTACT, json!("call me")),
            (BUYER_CONTACT, json!(7)),
            (QUANTITY, json!(0)),
            (QUANTITY, json!(2.5)),
            (MESSAGE, json!("m".repeat(MESSAGE_MAX + 1))),
            (MESSAGE, json!("padded\u{1}")),
            (BUYER_NAME, json!("\u{202E}Gulnara")),
            (PRODUCT, json!("not an id")),
            (PRODUCT_ADDRESS, json!("https://elsewhere.example")),
            (RECEIVED_AT, json!("yesterday")),
            (LANG, json!("de")),
            ("secret", json!(1)),
        ] {
            assert_eq!(with(name, bad.clone()), Err(name.to_owned()), "{name}: {bad}");
        }
        assert_eq!(with(BUYER_CONTACT, json!("@gulnara_b")), Ok(()));
        assert_eq!(with(BUYER_CONTACT, json!("+79123456789")), Ok(()));
    }

    #[test]
    fn everything_the_buyer_wrote_is_the_servers_and_her_phones_write_only_the_status_and_note() {
        let fields = form("Gulnara", "@gulnara_b", "2").check().unwrap().fields("p", "Jam", "/s/a/jam", "ru", "t");
        for name in fields.keys().filter(|name| *name != STATUS) {
            assert!(sawda_sync::Kind::OrderRequest.is_server_field(name), "{name}");
        }
        assert!(!sawda_sync::Kind::OrderRequest.is_server_field(STATUS));
        assert!(!sawda_sync::Kind::OrderRequest.is_server_field(NOTE));
        for name in BUYER_FIELDS {
            assert!(fields.contains_key(name), "{name}");
        }
    }
}
