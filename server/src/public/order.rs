//! The order request on a product page: the form (plain HTML, posted with or
//! without JavaScript, carrying the page's signed token) and
//! `POST /s/{address}/{product}/order`, answered with a confirmation page in
//! the buyer's language, or the page again with what she typed and what is
//! wrong, or a page that says why it was refused (`docs/api.md`, in the order
//! the checks run). The request itself is `crate::orders`.

use app::i18n::{Key, Lang, fill, text};
use app::rules::problem::FieldProblem;
use app::rules::records::order_request::{self as rules, OrderForm};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use leptos::prelude::*;

use super::{Head, document, escape, language, not_found};
use crate::AppState;
use crate::approved;
use crate::http::client::Client;
use crate::orders::form_token::Token;
use crate::sync::store::Created;

/// A form's body is a few kilobytes at most (the texts' limits, percent-encoded).
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// What the form shows: what she typed, what is wrong with it, a word
/// about the whole form (`notice`), and the page's signed token.
#[derive(Default)]
pub struct Filled {
    pub form: OrderForm,
    pub problems: rules::FormProblems,
    pub notice: Option<Key>,
    pub token: String,
}

impl Filled {
    /// An empty form with a token signed now.
    pub async fn fresh(state: &AppState, shop: &approved::Storefront, item: &approved::Product) -> Filled {
        Filled { token: token_now(state, shop, item).await, ..Filled::default() }
    }
}

/// A token for the form of `item`, rendered now; empty (the post is then
/// refused, and the page shown again with a good one) when the key cannot
/// be read.
async fn token_now(state: &AppState, shop: &approved::Storefront, item: &approved::Product) -> String {
    match state.order_forms.get(&state.db).await {
        Ok(key) => key.sign(&shop.owner, &item.record, now_ms()),
        Err(error) => {
            tracing::error!(%error, "the order form's key cannot be read");
            String::new()
        }
    }
}

fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis().max(0) as u64
}

/// What is wrong with `field`, in her language, if anything.
fn problem_of(filled: &Filled, field: &str, lang: Lang) -> Option<String> {
    filled.problems.iter().find(|(name, _)| *name == field).map(|(_, problem)| problem.message(lang))
}

/// One line of the form: its label, its `input`, a hint, and what is wrong with it.
fn field(lang: Lang, filled: &Filled, name: &str, label: Key, input: AnyView, hint: Option<Key>) -> AnyView {
    let problem = problem_of(filled, name, lang)
        .map(|problem| view! { <p class="problem" id=format!("order-{name}-problem")>{problem}</p> });
    view! {
        <div class="field">
            <label for=format!("order-{name}")>{text(lang, label)}</label>
            {input}
            {hint.map(|hint| view! { <p class="hint">{text(lang, hint)}</p> })}
            {problem}
        </div>
    }
    .into_any()
}

/// The order form for the product at `action`'s page.
pub fn form(lang: Lang, action: &str, filled: &Filled) -> impl IntoView + use<> {
    let f = &filled.form;
    // An input whose value is wrong says so, and names the line that says why.
    let invalid = |name: &str| problem_of(filled, name, lang).map(|_| "true");
    let why = |name: &str| problem_of(filled, name, lang).map(|_| format!("order-{name}-problem"));
    let name = view! {
        <input id="order-name" name="name" value=f.name.clone() required minlength="2" maxlength=rules::NAME_MAX
            autocomplete="name" aria-invalid=invalid("name") aria-describedby=why("name")/>
    };
    let contact = view! {
        <input id="order-contact" name="contact" value=f.contact.clone() required maxlength=rules::CONTACT_MAX
            autocomplete="tel" aria-invalid=invalid("contact") aria-describedby=why("contact")/>
    };
    let quantity = if f.quantity.is_empty() { "1".to_owned() } else { f.quantity.clone() };
    let quantity = view! {
        <input id="order-quantity" name="quantity" value=quantity type="number" min="1" max=rules::QUANTITY_MAX
            inputmode="numeric" aria-invalid=invalid("quantity") aria-describedby=why("quantity")/>
    };
    // One line: the first line of an address (`street-address` is a whole address, for a textarea).
    let delivery = view! {
        <input id="order-delivery" name="delivery" value=f.delivery.clone() maxlength=rules::DELIVERY_MAX
            autocomplete="address-line1" aria-invalid=invalid("delivery") aria-describedby=why("delivery")/>
    };
    let summary = filled
        .notice
        .or((!filled.problems.is_empty()).then_some(Key::PublicOrderFormCheck))
        .map(|notice| view! { <p class="problem" role="alert">{text(lang, notice)}</p> });
    let fields = [
        field(lang, filled, "name", Key::PublicOrderFormName, name.into_any(), None),
        field(
            lang,
            filled,
            "contact",
            Key::PublicOrderFormContact,
            contact.into_any(),
            Some(Key::PublicOrderFormContactHint),
        ),
        field(lang, filled, "quantity", Key::PublicOrderFormQuantity, quantity.into_any(), None),
        field(
            lang,
            filled,
            "delivery",
            Key::PublicOrderFormDelivery,
            delivery.into_any(),
            Some(Key::PublicOrderFormDeliveryHint),
        ),
    ];
    // Hidden from people (and from screen readers), with the stylesheet or
    // without it: bots fill it in. Its `class` comes first, as this tag has
    // always been written (`view!` writes `class` last).
    let trap =
        leptos::html::div().attr("class", "trap").attr("hidden", true).attr("aria-hidden", "true").child(view! {
            <label for="order-website">{text(lang, Key::PublicOrderFormWebsite)}</label>
            <input id="order-website" name="website" tabindex="-1" autocomplete="off" value=""/>
        });
    // What she typed, escaped here: Leptos writes a textarea's text as it is
    // given (`</textarea>` in it would end the box).
    let message = escape(&f.message);
    let message_problem = problem_of(filled, "message", lang)
        .map(|problem| view! { <p class="problem" id="order-message-problem">{problem}</p> });
    view! {
        <section class="order" id="order">
            <h2>{text(lang, Key::PublicOrderFormTitle)}</h2>
            <p class="hint">{text(lang, Key::PublicOrderFormLead)}</p>
            {summary}
            <form class="stack order-form" method="post" action=format!("{action}#order") accept-charset="utf-8">
                <input type="hidden" name="lang" value=lang.code()/>
                <input type="hidden" name="token" value=filled.token.clone()/>
                {(!f.ad.is_empty()).then(|| view! { <input type="hidden" name="ad" value=f.ad.clone()/> })}
                {fields}
                <div class="field">
                    <label for="order-message">{text(lang, Key::PublicOrderFormMessage)}</label>
                    <textarea id="order-message" name="message" rows="3" maxlength=rules::MESSAGE_MAX inner_html=message></textarea>
                    {message_problem}
                </div>
                {trap}
                <button class="button" type="submit">{text(lang, Key::PublicOrderFormSend)}</button>
            </form>
        </section>
    }
}

/// A page about the request that nobody should keep or index.
fn private(status: StatusCode, page: String) -> Response {
    super::unlisted(status, page, "no-store")
}

fn message_page<V: IntoView + 'static>(
    state: &AppState,
    lang: Lang,
    canonical: &str,
    title: &str,
    body: impl FnOnce() -> V + 'static,
) -> String {
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

/// Whether the post came from a page of another site. A browser that sends
/// `Sec-Fetch-Site` says so itself; one that does not may send `Origin`,
/// which must then be this site's. A post with neither (an old browser) is
/// checked by its token alone.
fn from_elsewhere(headers: &HeaderMap, origin: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    headers.get(header::ORIGIN).is_some_and(|sent| sent.to_str().map_or(true, |sent| sent != origin))
}

/// Counts a post that was no request (its limit holds a client back a while).
async fn count_invalid(state: &AppState, client: &str) {
    if let Err(error) = state.order_limits.invalid(&state.db, client).await {
        tracing::warn!(%error, "an invalid order post could not be counted");
    }
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
    // A refusal, with a button back to `href` (the product, or the market).
    let page = |status, title, body_key, href: &str, back: String| {
        let link = href.to_owned();
        let body = move || {
            view! {
                <h1>{text(lang, title)}</h1>
                <p>{text(lang, body_key)}</p>
                <p><a class="button" href=link>{back}</a></p>
            }
        };
        private(status, message_page(&state, lang, href, text(lang, title), body))
    };
    let market = format!("{origin}/market");
    // Before any work: a client that sent many posts that were no request lately.
    if state.order_limits.held_back(&state.db, &client).await.unwrap_or(false) {
        let back = text(lang, Key::NavMarket).to_owned();
        return page(
            StatusCode::TOO_MANY_REQUESTS,
            Key::PublicOrderLimitedTitle,
            Key::PublicOrderLimitedBody,
            &market,
            back,
        );
    }
    if from_elsewhere(&headers, &origin) {
        count_invalid(&state, &client).await;
        tracing::info!(client, "an order request from another site was refused");
        let back = text(lang, Key::NavMarket).to_owned();
        return page(
            StatusCode::FORBIDDEN,
            Key::PublicOrderElsewhereTitle,
            Key::PublicOrderElsewhereBody,
            &market,
            back,
        );
    }
    let Ok(Some(shop)) = approved::storefront(&state.db, &address).await else {
        // Posted to her old address: the same post goes on to her current one.
        let rest = format!("/{}/order", app::ui::encode_component(&product));
        if let Some(moved) = super::moved(&state, &address, &rest, None).await {
            return moved;
        }
        count_invalid(&state, &client).await;
        return not_found(&state, lang, &origin);
    };
    let Some(item) = shop.products.iter().find(|p| p.slug == product) else {
        count_invalid(&state, &client).await;
        return not_found(&state, lang, &origin);
    };
    let canonical = format!("{origin}/s/{}/{}", shop.slug, item.slug);
    let again =
        |filled: Filled, status| private(status, super::product_page(&state, lang, &origin, &shop, item, &filled));
    let Ok(Form(form)) = form else {
        // Not a form at all (or far too big): the page again, with the form empty.
        count_invalid(&state, &client).await;
        let problems = vec![("name", FieldProblem::Required)];
        let token = token_now(&state, &shop, item).await;
        return again(Filled { problems, token, ..Filled::default() }, StatusCode::BAD_REQUEST);
    };
    let key = match state.order_forms.get(&state.db).await {
        Ok(key) => key,
        Err(error) => {
            tracing::error!(%error, "the order form's key cannot be read");
            let back = fill(text(lang, Key::PublicOrderSentBack), &[("product", product_name(item))]);
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                Key::PublicOrderFailedTitle,
                Key::PublicOrderFailedBody,
                &canonical,
                back,
            );
        }
    };
    let checked = key.check(&form.token, &shop.owner, &item.record, now_ms());
    if checked == Token::Bad {
        // Not from this site's page, or open too long: what she typed, on a fresh form.
        count_invalid(&state, &client).await;
        let token = key.sign(&shop.owner, &item.record, now_ms());
        let filled = Filled {
            form: OrderForm { token: String::new(), ..form },
            notice: Some(Key::PublicOrderStaleBody),
            token,
            ..Filled::default()
        };
        return again(filled, StatusCode::BAD_REQUEST);
    }
    // The field people cannot see filled in, or a form sent faster than anyone
    // types: a bot, or autofill. Nothing is kept, and she is not told it was sent:
    // her form again, the hidden field empty, to send again.
    if form.from_a_bot() || checked == Token::TooSoon {
        count_invalid(&state, &client).await;
        tracing::info!(client, bot = form.from_a_bot(), "an order request that looked like a bot's was not kept");
        let token = form.token.clone();
        let filled = OrderForm { website: String::new(), token: String::new(), ..form };
        return again(
            Filled { form: filled, notice: Some(Key::PublicOrderTrappedBody), token, ..Filled::default() },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let order = match form.check() {
        Ok(order) => order,
        Err(problems) => {
            count_invalid(&state, &client).await;
            let token = form.token.clone();
            return again(Filled { form, problems, token, ..Filled::default() }, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let name = product_name(item);
    let back = || fill(text(lang, Key::PublicOrderSentBack), &[("product", name)]);
    let limited = state.order_limits.attempt(&state.db, &client, &shop.owner).await;
    let failed = |error: &dyn std::fmt::Display| {
        tracing::error!(%error, "an order request could not be kept");
        page(
            StatusCode::SERVICE_UNAVAILABLE,
            Key::PublicOrderFailedTitle,
            Key::PublicOrderFailedBody,
            &canonical,
            back(),
        )
    };
    match limited {
        Ok(Ok(())) => {}
        Ok(Err(_)) => {
            return page(
                StatusCode::TOO_MANY_REQUESTS,
                Key::PublicOrderLimitedTitle,
                Key::PublicOrderLimitedBody,
                &canonical,
                back(),
            );
        }
        Err(error) => return failed(&error),
    }

    match crate::orders::open_from(&state.db, &key, &shop.owner, &client).await {
        Ok(open) if open >= crate::orders::OPEN_PER_CLIENT => {
            return page(
                StatusCode::TOO_MANY_REQUESTS,
                Key::PublicOrderWaitingTitle,
                Key::PublicOrderWaitingBody,
                &canonical,
                back(),
            );
        }
        Ok(_) => {}
        Err(error) => return failed(&error),
    }
    match crate::orders::receive(&state.db, &shop, item, &order, lang.code()).await {
        Ok((Created::New, id)) => {
            super::ad::count_order(&state, &shop.owner, &form.ad, &item.record).await;
            if let Err(error) = crate::orders::sent_by(&state.db, &key, &shop.owner, &client, id).await {
                tracing::warn!(%error, "who sent an order request could not be noted");
            }
        }
        Ok((Created::AlreadyThere, _)) => {}
        Ok((Created::Full, _)) => {
            tracing::warn!(owner = shop.owner, "an order request was turned away: too many wait for her answer");
            if let Ok(owner) = shop.owner.parse()
                && let Err(error) = crate::orders::tell_her(&state.db, &owner, now_ms()).await
            {
                tracing::warn!(%error, "she could not be told of a request turned away");
            }
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                Key::PublicOrderFullTitle,
                Key::PublicOrderFullBody,
                &canonical,
                back(),
            );
        }
        Err(error) => return failed(&error),
    }
    let quantity = order.quantity.to_string();
    let contact = order.contact.stored();
    let shop_name = shop.name.as_str();
    let summary = fill(
        text(lang, Key::PublicOrderSentSummary),
        &[("quantity", &quantity), ("product", name), ("storefront", shop_name)],
    );
    let next = fill(text(lang, Key::PublicOrderSentNext), &[("storefront", shop_name), ("contact", &contact)]);
    let (product_page, back) = (canonical.clone(), back());
    let body = move || {
        view! {
            <h1>{text(lang, Key::PublicOrderSentTitle)}</h1>
            <p class="notice">{summary}</p>
            <p>{next}</p>
            <p><a class="button secondary" href=product_page>{back}</a></p>
        }
    };
    private(StatusCode::OK, message_page(&state, lang, &canonical, text(lang, Key::PublicOrderSentTitle), body))
}

fn product_name(item: &approved::Product) -> &str {
    &item.name
}
