//! The studio's "Orders": buyers' requests as her phone last pulled them,
//! newest first, each moved on (confirmed, sent, done, or cancelled) and
//! noted on the phone, offline too; the buyer is called or messaged with
//! one tap. What the buyer wrote cannot be changed here (it is the server's).

use leptos::prelude::*;
use sawda_sync::{Kind, Record, RecordId};
use serde_json::Value;

use super::inputs::{Typing, label};
use super::{Studio, Target};
use crate::device::sync;
use crate::i18n::{Key, fill, text, use_language};
use crate::rules::money::format_som;
use crate::rules::records::order_request::{self as rules, Contact, ContactLink, Status, TurnedAway};
use crate::rules::records::product::PRICE_SOM;

/// An order request as the list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderLine {
    pub id: RecordId,
    pub received_at: String,
    pub status: Status,
    /// The product asked for, as her phone knows it (gone once she deleted it).
    pub product: Option<RecordId>,
    pub product_name: String,
    pub product_address: String,
    /// `None` once the buyer's details were forgotten.
    pub buyer_name: Option<String>,
    pub contact: Option<Contact>,
    pub quantity: u64,
    pub delivery: String,
    pub message: String,
    pub note: String,
}

impl OrderLine {
    pub fn of(record: &Record) -> OrderLine {
        let text = |field| record.get(field).and_then(Value::as_str).unwrap_or_default().to_owned();
        OrderLine {
            id: record.id(),
            received_at: text(rules::RECEIVED_AT),
            status: record.get(rules::STATUS).and_then(Value::as_str).and_then(Status::from_id).unwrap_or(Status::New),
            product: record.get(rules::PRODUCT).and_then(Value::as_str).and_then(|id| id.parse().ok()),
            product_name: text(rules::PRODUCT_NAME),
            product_address: text(rules::PRODUCT_ADDRESS),
            buyer_name: record.get(rules::BUYER_NAME).and_then(Value::as_str).map(str::to_owned),
            contact: record.get(rules::BUYER_CONTACT).and_then(Value::as_str).and_then(Contact::from_stored),
            quantity: record.get(rules::QUANTITY).and_then(Value::as_u64).unwrap_or(1),
            delivery: text(rules::DELIVERY),
            message: text(rules::MESSAGE),
            note: text(rules::NOTE),
        }
    }
}

/// What a request comes to at her price on this phone (the price buyers
/// see once it is approved): quantity × price, when the product has a price.
fn total_som(line: &OrderLine) -> Option<(u64, u64)> {
    let price = sync::field(line.product?, PRICE_SOM).and_then(|price| price.as_u64())?;
    Some((price, price.checked_mul(line.quantity)?))
}

/// Order requests on this phone, newest first.
pub fn orders() -> Vec<OrderLine> {
    let mut orders = sync::records(Kind::OrderRequest, OrderLine::of);
    orders.sort_by(|a, b| b.received_at.cmp(&a.received_at).then(b.id.cmp(&a.id)));
    orders
}

/// When a request came, in the phone's own time: `2026-12-03 14:05`.
fn local_time(rfc3339: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
        if !date.get_time().is_nan() {
            return format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                date.get_full_year(),
                date.get_month() + 1,
                date.get_date(),
                date.get_hours(),
                date.get_minutes()
            );
        }
    }
    rfc3339.get(..16).unwrap_or(rfc3339).replace('T', " ")
}

/// Whether `rfc3339` is within the days a request waits for her answer:
/// requests turned away longer ago are old news. (Only the browser draws
/// her studio's data.)
fn recent(rfc3339: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339)).get_time();
        if !at.is_nan() {
            return js_sys::Date::now() - at < rules::UNANSWERED_DAYS as f64 * 86_400_000.0;
        }
    }
    let _ = rfc3339;
    true
}

fn link_label(link: ContactLink) -> Key {
    match link {
        ContactLink::Call => Key::StudioOrdersCall,
        ContactLink::WhatsApp => Key::StudioOrdersWhatsapp,
        ContactLink::Sms => Key::StudioOrdersSms,
        ContactLink::Telegram => Key::StudioOrdersTelegram,
    }
}

fn next_label(next: Status) -> Key {
    match next {
        Status::Confirmed => Key::StudioOrdersToConfirmed,
        Status::Sent => Key::StudioOrdersToSent,
        _ => Key::StudioOrdersToDone,
    }
}

#[component]
pub fn OrdersSection() -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let lines = Memo::new(move |_| {
        studio.sync.revision.track();
        orders()
    });
    let days = rules::KEPT_DAYS.to_string();
    let unanswered = rules::UNANSWERED_DAYS.to_string();
    // Buyers turned away while too many requests waited for her (the server says so on her storefront).
    let turned_away = Memo::new(move |_| {
        let told = TurnedAway::of(Some(&studio.value(studio.storefront_target()?, rules::TURNED_AWAY)))?;
        recent(&told.last).then_some(told)
    });
    view! {
        <section class="orders">
            <h2>{language.t(Key::StudioSectionOrders)}</h2>
            {move || turned_away.get().map(|told| {
                let said = fill(text(language.get(), Key::StudioOrdersTurnedAway), &[
                    ("count", &told.count.to_string()),
                    ("since", &local_time(&told.since)),
                    ("max", &sawda_sync::limits::MAX_OPEN_REQUESTS.to_string()),
                ]);
                view! { <p class="notice orders-turned-away" role="status">{said}</p> }
            })}
            <p class="hint">{move || fill(text(language.get(), Key::StudioOrdersKept), &[("days", &days)])}</p>
            <p class="hint">{move || fill(text(language.get(), Key::StudioOrdersUnanswered), &[("days", &unanswered)])}</p>
            <Show when=move || lines.with(Vec::is_empty)>
                <p class="orders-empty">{language.t(Key::StudioOrdersEmpty)}</p>
            </Show>
            // Keyed by the request alone: a sync that moves another card, or
            // this one's status, leaves the note she is typing where it is.
            <For each=move || lines.get() key=|line| line.id let:line>
                <OrderCard id=line.id lines/>
            </For>
        </section>
    }
    .into_any()
}

#[component]
fn OrderCard(id: RecordId, lines: Memo<Vec<OrderLine>>) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let target = Target { kind: Kind::OrderRequest, record: id };
    let line = Memo::new(move |_| lines.with(|lines| lines.iter().find(|l| l.id == id).cloned()));
    let typing = Typing::new();
    let note = typing.shown(move || line.with(|l| l.as_ref().map(|l| l.note.clone()).unwrap_or_default()));
    let note_id = format!("order-note-{id}");
    view! {
        <article class="order-card" data-status=move || line.with(|l| l.as_ref().map_or("", |l| l.status.id()))>
            {move || line.get().map(|line| view! { <OrderDetails line/> })}
            {move || studio.only_here(id).then(|| view! { <p class="notice only-here">{language.t(Key::StudioOnlyHere)}</p> })}
            <div class="field">
                <label for=note_id.clone()>{language.t(label(target, rules::NOTE))}</label>
                <textarea id=note_id rows="2" maxlength=rules::NOTE_MAX.to_string()
                    prop:value=note
                    on:blur=move |_| typing.left(studio.problem(target, rules::NOTE).is_some())
                    on:input=move |ev| {
                        let typed = event_target_value(&ev);
                        typing.typed(typed.clone());
                        studio.set(target, rules::NOTE, Value::String(typed));
                    }>
                </textarea>
                {move || studio.problem(target, rules::NOTE).map(|p| view! { <p class="problem">{p.message(language.get())}</p> })}
            </div>
        </article>
    }
    .into_any()
}

/// What the buyer asked for, how to reach her, and the next steps.
#[component]
fn OrderDetails(line: OrderLine) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let target = Target { kind: Kind::OrderRequest, record: line.id };
    let move_to = move |status: Status| studio.set(target, rules::STATUS, Value::String(status.id().to_owned()));
    let status = line.status;
    let lang = language.get_untracked();
    let received = fill(text(lang, Key::StudioOrdersReceived), &[("when", &local_time(&line.received_at))]);
    let delivery = (!line.delivery.is_empty())
        .then(|| fill(text(lang, Key::StudioOrdersDelivery), &[("delivery", &line.delivery)]));
    let message = (!line.message.is_empty()).then_some(line.message.clone());
    let forgotten = line.buyer_name.is_none();
    let days = rules::KEPT_DAYS.to_string();
    let links = line.contact.as_ref().map(Contact::links).unwrap_or_default();
    let total = total_som(&line).map(|(price, total)| {
        fill(
            text(lang, Key::StudioOrdersTotal),
            &[
                ("total", &format_som(total as i64, lang)),
                ("quantity", &line.quantity.to_string()),
                ("price", &format_som(price as i64, lang)),
            ],
        )
    });
    view! {
        <header class="order-card__top">
            <h3>
                <a href=line.product_address.clone() rel="external">{line.product_name.clone()}</a>
                " × "<span class="order-card__quantity" aria-label=fill(text(lang, Key::StudioOrdersQuantity), &[("quantity", &line.quantity.to_string())])>{line.quantity}</span>
            </h3>
            <span class="badge" data-status=status.id()>{text(lang, status.name_key())}</span>
        </header>
        {total.map(|total| view! { <p class="order-card__total">{total}</p> })}
        <p class="order-card__when">{received}</p>
        {if forgotten {
            view! { <p class="hint">{fill(text(lang, Key::StudioOrdersForgotten), &[("days", &days)])}</p> }.into_any()
        } else {
            view! {
                <p class="order-card__buyer">
                    <strong>{line.buyer_name.clone()}</strong>" · "
                    {line.contact.as_ref().map(Contact::stored)}
                </p>
            }.into_any()
        }}
        {delivery.map(|d| view! { <p>{d}</p> })}
        {message.map(|m| view! { <blockquote class="order-card__message">{m}</blockquote> })}
        <p class="actions order-card__reach">
            {links.into_iter().map(|(href, link)| view! {
                <a class="button secondary small" href=href rel="noopener">{text(lang, link_label(link))}</a>
            }).collect_view()}
        </p>
        <p class="actions order-card__steps">
            {status.next().map(|next| view! {
                <button class="button" type="button" on:click=move |_| move_to(next)>{text(lang, next_label(next))}</button>
            })}
            {(!status.finished()).then(|| view! {
                <button class="button secondary" type="button" on:click=move |_| move_to(Status::Cancelled)>
                    {text(lang, Key::StudioOrdersCancel)}
                </button>
            })}
        </p>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sawda_sync::DeviceId;
    use serde_json::json;

    #[test]
    fn a_request_reads_as_its_line_and_a_forgotten_buyer_as_none() {
        let owner: sawda_sync::Owner = "user:amina".parse().unwrap();
        let order = rules::OrderForm {
            name: "Gulnara".into(),
            contact: "@gulnara_b".into(),
            quantity: "2".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        let fields = order.fields("p1", "Melon jam", "/s/aral/melon-jam", "ru", "2026-12-03T09:05:00+00:00");
        let mut clock = sawda_sync::Clock::new(DeviceId::new(0, *b"sawda-desk"));
        let id = RecordId::new(1, [1; 10]);
        let mut record = sawda_sync::server::server_record(&mut clock, id, Kind::OrderRequest, owner, &fields, 5);
        let line = OrderLine::of(&record);
        assert_eq!(line.status, Status::New);
        assert_eq!(line.buyer_name.as_deref(), Some("Gulnara"));
        assert_eq!(line.contact, Some(Contact::Telegram("gulnara_b".into())));
        assert_eq!((line.quantity, line.product_name.as_str()), (2, "Melon jam"));
        assert_eq!(line.product, None, "\"p1\" is no product id");
        sawda_sync::server::set_server_fields(&mut clock, &mut record, &rules::forgotten_fields(), 6);
        let line = OrderLine::of(&record);
        assert_eq!((line.buyer_name, line.contact), (None, None));
        assert_eq!(line.quantity, 2);
        assert_eq!(record.get(rules::MESSAGE), Some(&json!(null)));
    }
}
