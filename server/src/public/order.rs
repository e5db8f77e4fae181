//! The order request on a product page: the form (plain HTML, posted with or
//! without JavaScript) and `POST /s/{address}/{product}/order`, answered with
//! a confirmation page in the buyer's language, or the page again with each
//! field's problem beside it. The request itself is `crate::orders`.

use app::i18n::{Key, Lang, fill, text};
use app::rules::problem::FieldProblem;
use app::rules::records::order_request::{self as rules, OrderForm};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{Head, approved, document, escape, language, not_found};
use crate::AppState;
use crate::api::auth::Client;
use crate::sync::store::Created;

/// A form's body is a few kilobytes at most (the texts' limits, percent-encoded).
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// What the form shows: what she typed and what is wrong with it.
#[derive(Default)]
pub struct Filled {
    pub form: OrderForm,
    pub problems: rules::FormProblems,
}

fn problem_of(filled: &Filled, field: &str, lang: Lang) -> String {
    filled.problems.iter().find(|(name, _)| *name == field).map_or(String::new(), |(_, problem)| {
        format!(r#"<p class="problem" id="order-{field}-problem">{}</p>"#, escape(&problem.message(lang)))
    })
}

/// The order form for the product at `action`'s page.
pub fn form(lang: Lang, action: &str, filled: &Filled) -> String {
    let t = |key| escape(text(lang, key));
    let f = &filled.form;
    let input = |name: &str, label: Key, value: &str, attributes: &str, hint: Option<Key>| {
        let problem = problem_of(filled, name, lang);
        let invalid = if problem.is_empty() {
            String::new()
        } else {
            format!(r#" aria-invalid="true" aria-describedby="order-{name}-problem""#)
        };
        let hint = hint.map_or(String::new(), |hint| format!(r#"<p class="hint">{}</p>"#, t(hint)));
        format!(
            r#"<div class="field"><label for="order-{name}">{}</label><input id="order-{name}" name="{name}" value="{}" {attributes}{invalid}>{hint}{problem}</div>"#,
            t(label),
            escape(value)
        )
    };
    let summary = if filled.problems.is_empty() {
        String::new()
    } else {
        format!(r#"<p class="problem" role="alert">{}</p>"#, t(Key::PublicOrderFormCheck))
    };
    let message_problem = problem_of(filled, "message", lang);
    format!(
        concat!(
            r#"<section class="order" id="order"><h2>{title}</h2><p class="hint">{lead}</p>{summary}"#,
            r#"<form class="stack order-form" method="post" action="{action}#order" accept-charset="utf-8">"#,
            r#"<input type="hidden" name="lang" value="{lang}">"#,
            "{name}{contact}{quantity}{delivery}",
            r#"<div class="field"><label for="order-message">{message_label}</label>"#,
            r#"<textarea id="order-message" name="message" rows="3" maxlength="{message_max}">{message}</textarea>{message_problem}</div>"#,
            // Hidden from people (and from screen readers): bots fill it in.
            r#"<div class="trap" aria-hidden="true"><label for="order-website">{trap}</label>"#,
            r#"<input id="order-website" name="website" tabindex="-1" autocomplete="off" value=""></div>"#,
            r#"<button class="button" type="submit">{send}</button></form></section>"#
        ),
        title = t(Key::PublicOrderFormTitle),
        lead = t(Key::PublicOrderFormLead),
        summary = summary,
        action = escape(action),
        lang = lang.code(),
        name = input(
            "name",
            Key::PublicOrderFormName,
            &f.name,
            &format!(r#"required minlength="2" maxlength="{}" autocomplete="name""#, rules::NAME_MAX),
            None
        ),
        contact = input(
            "contact",
            Key::PublicOrderFormContact,
            &f.contact,
            &format!(r#"required maxlength="{}" autocomplete="tel""#, rules::CONTACT_MAX),
            Some(Key::PublicOrderFormContactHint)
        ),
        quantity = input(
            "quantity",
            Key::PublicOrderFormQuantity,
            if f.quantity.is_empty() { "1" } else { &f.quantity },
            &format!(r#"type="number" min="1" max="{}" inputmode="numeric""#, rules::QUANTITY_MAX),
            None
        ),
        delivery = input(
            "delivery",
            Key::PublicOrderFormDelivery,
            &f.delivery,
            &format!(r#"maxlength="{}" autocomplete="street-address""#, rules::DELIVERY_MAX),
            Some(Key::PublicOrderFormDeliveryHint)
        ),
        message_label = t(Key::PublicOrderFormMessage),
        message_max = rules::MESSAGE_MAX,
        message = escape(&f.message),
        message_problem = message_problem,
        trap = t(Key::PublicOrderFormWebsite),
        send = t(Key::PublicOrderFormSend),
    )
}

/// A page about the request that nobody should keep or index.
fn private(status: StatusCode, page: String) -> Response {
    super::unlisted(status, page, "no-store")
}

fn message_page(state: &AppState, lang: Lang, canonical: &str, title: &str, body: String) -> String {
    document(state, lang, Head::plain(title.to_owned(), String::new(), canonical.to_owned()), body)
}

/// The confirmation's language links (`?lang=`) land here: back to the product, in that language.
pub async fn back_to_product(
    Path((address, product)): Path<(String, String)>,
    axum::extract::Query(query): axum::extract::Query<super::Language>,
) -> axum::response::Redirect {
    let lang = query.lang.as_deref().and_then(Lang::from_code).map_or(String::new(), |l| format!("?lang={}", l.code()));
    let (address, product) = (app::ui::encode_component(&address), app::ui::encode_component(&product));
    axum::response::Redirect::to(&format!("/s/{address}/{product}{lang}"))
}

pub async fn order(
    State(state): State<AppState>,
    Path((address, product)): Path<(String, String)>,
    Client(client): Client,
    headers: HeaderMap,
    form: Result<Form<OrderForm>, FormRejection>,
) -> Response {
    let posted = form.as_ref().ok().and_then(|Form(f)| Lang::from_code(&f.lang));
    let lang = posted.unwrap_or_else(|| language(&super::Language { lang: None }, &headers));
    let origin = state.site.origin(&headers);
    let Ok(Some(shop)) = approved::storefront(&state.db, &address).await else {
        // Posted to her old address: the same post goes on to her current one.
        let rest = format!("/{}/order", app::ui::encode_component(&product));
        if let Some(moved) = super::moved(&state, &address, &rest, None).await {
            return moved;
        }
        return not_found(&state, lang, &origin);
    };
    let Some(item) = shop.products.iter().find(|p| p.slug == product) else {
        return not_found(&state, lang, &origin);
    };
    let canonical = format!("{origin}/s/{}/{}", shop.slug, item.slug);
    let again =
        |filled: Filled, status| private(status, super::product_page(&state, lang, &origin, &shop, item, &filled));
    let Ok(Form(form)) = form else {
        // Not a form at all (or far too big): the page again, with the form empty.
        let problems = vec![("name", FieldProblem::Required)];
        return again(Filled { form: OrderForm::default(), problems }, StatusCode::BAD_REQUEST);
    };
    let order = match form.check() {
        Ok(order) => order,
        Err(problems) => return again(Filled { form, problems }, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let product_name = item.fields.get("name").and_then(|v| v.as_str()).unwrap_or_default();
    let shop_name = shop.fields.get("name").and_then(|v| v.as_str()).unwrap_or_default();
    let refused = |key_title, key_body, status| {
        let body = format!(
            r#"<h1>{}</h1><p>{}</p><p><a class="button" href="{}">{}</a></p>"#,
            escape(text(lang, key_title)),
            escape(text(lang, key_body)),
            escape(&canonical),
            escape(&fill(text(lang, Key::PublicOrderSentBack), &[("product", product_name)]))
        );
        private(status, message_page(&state, lang, &canonical, text(lang, key_title), body))
    };
    if state.order_limits.attempt(&client, &shop.owner).is_err() {
        return refused(Key::PublicOrderLimitedTitle, Key::PublicOrderLimitedBody, StatusCode::TOO_MANY_REQUESTS);
    }
    // A bot that filled in the hidden field is told what a person is told, and nothing is kept.
    if form.from_a_bot() {
        tracing::info!(client, "an order request with the hidden field filled in was dropped");
    } else {
        match crate::orders::receive(&state.db, &shop, item, &order, lang.code()).await {
            Ok(Created::New | Created::AlreadyThere) => {}
            Ok(Created::OwnerFull) => {
                tracing::warn!(owner = shop.owner, "an order request found her records full");
                return refused(
                    Key::PublicOrderFailedTitle,
                    Key::PublicOrderFailedBody,
                    StatusCode::SERVICE_UNAVAILABLE,
                );
            }
            Err(error) => {
                tracing::error!(%error, "an order request could not be kept");
                return refused(
                    Key::PublicOrderFailedTitle,
                    Key::PublicOrderFailedBody,
                    StatusCode::SERVICE_UNAVAILABLE,
                );
            }
        }
    }
    let quantity = order.quantity.to_string();
    let contact = order.contact.stored();
    let body = format!(
        r#"<h1>{}</h1><p class="notice">{}</p><p>{}</p><p><a class="button secondary" href="{}">{}</a></p>"#,
        escape(text(lang, Key::PublicOrderSentTitle)),
        escape(&fill(
            text(lang, Key::PublicOrderSentSummary),
            &[("quantity", &quantity), ("product", product_name), ("storefront", shop_name)]
        )),
        escape(&fill(text(lang, Key::PublicOrderSentNext), &[("storefront", shop_name), ("contact", &contact)])),
        escape(&canonical),
        escape(&fill(text(lang, Key::PublicOrderSentBack), &[("product", product_name)])),
    );
    private(StatusCode::OK, message_page(&state, lang, &canonical, text(lang, Key::PublicOrderSentTitle), body))
}
