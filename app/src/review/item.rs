//! `/review/{owner}/{record}`: one submitted storefront or product as buyers
//! would see it, what changed since the last approved revision, the OVOP
//! checklist with a comment per point and per field, the decision, and the
//! item's history.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use sawda_sync::Kind;
use serde_json::Value;

use crate::device::http::{body, call, spawn};
use crate::i18n::{Key, Lang, fill, text, use_language};
use crate::rules::people::Role;
use crate::rules::records::{label_of, product, spec_of, storefront};
use crate::rules::review::{Check, CheckPoint, Decision, Review, ReviewState, is_reviewed};
use crate::ui::{PageTitle, ProductListing, StorefrontListing, district_name, load_account, served_photo};
use crate::wire::{DecisionRequest, DeskAd, ReviewItemView, ReviewQueue, WithdrawRequest};

fn kind_of(item: &ReviewItemView) -> Kind {
    if item.kind == "product" { Kind::Product } else { Kind::Storefront }
}

/// A field's value as a coordinator reads it.
fn shown(kind: Kind, field: &str, value: &Value, lang: Lang) -> String {
    let choice = |id: &str| -> String {
        let key = match (kind, field) {
            (Kind::Storefront, storefront::CATEGORY) => storefront::Category::from_id(id).map(|c| c.name_key()),
            (Kind::Storefront, storefront::DELIVERY) => storefront::Delivery::from_id(id).map(|d| d.name_key()),
            (Kind::Storefront, storefront::DISTRICT) => return district_name(lang, id),
            _ => None,
        };
        key.map_or_else(|| id.to_owned(), |k| text(lang, k).to_owned())
    };
    match value {
        Value::String(s) => choice(s),
        Value::Bool(true) => "✓".into(),
        Value::Bool(false) => "—".into(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Object(o) => {
                    let method = o.get("method").and_then(Value::as_str).unwrap_or_default();
                    let name = storefront::PaymentMethod::from_id(method).map_or(method, |m| text(lang, m.name_key()));
                    match o.get("note").and_then(Value::as_str) {
                        Some(note) if !note.is_empty() => format!("{name}: {note}"),
                        _ => name.to_owned(),
                    }
                }
                other => shown(kind, field, other, lang),
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}

/// A field's label as the coordinator reads it: about the entrepreneur, not
/// to her as her form says ("Your story", "What you make").
fn desk_label(kind: Kind, field: &str) -> Option<Key> {
    match (kind, field) {
        (Kind::Storefront, storefront::STORY) => Some(Key::DeskFieldStory),
        (Kind::Storefront, storefront::CATEGORY) => Some(Key::DeskFieldCategory),
        _ => label_of(kind, field),
    }
}

fn is_photo(kind: Kind, field: &str) -> bool {
    spec_of(kind, field).is_some_and(|spec| spec.shape.holds_photos())
}

fn photo_hashes(value: &Value) -> Vec<String> {
    match value {
        Value::String(one) => vec![one.clone()],
        Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

#[component]
pub fn ReviewItemPage() -> impl IntoView {
    let language = use_language();
    let account = load_account();
    let params = use_params_map();
    let path = move || {
        params.with(|p| {
            format!(
                "/api/v1/review/items/{}/{}",
                p.get("owner").unwrap_or_default(),
                p.get("record").unwrap_or_default()
            )
        })
    };
    let item = RwSignal::new(None::<ReviewItemView>);
    let message = RwSignal::new(None::<String>);
    // A decision saved, and where the next waiting item is: not an error.
    let saved = RwSignal::new(None::<String>);
    let next = RwSignal::new(None::<String>);
    let not_hers = RwSignal::new(false);
    let load = move || {
        let path = path();
        spawn(async move {
            match call::<ReviewItemView>(language.get_untracked(), "GET", &path, None).await {
                Ok(view) => item.set(Some(view)),
                Err(problem) => {
                    not_hers.set(problem.code == "forbidden");
                    message.set(Some(problem.message));
                }
            }
        });
    };
    // Another item opened (the next one, from here): nothing of the last one stays.
    Effect::new(move |_| {
        path();
        item.set(None);
        saved.set(None);
        next.set(None);
        message.set(None);
        load();
    });
    let decided = Decided { saved, next };
    view! {
        <section class="page desk review-item">
            <PageTitle page=Key::ReviewTitle/>
            <p><a href="/review">{language.t(Key::DeskBack)}</a></p>
            // An entrepreneur is told where her work is; a coordinator of another district, why not.
            {move || match not_hers.get() && account.get().is_some_and(|me| me.role == Role::Entrepreneur) {
                true => view! { <super::queue::NotHers/> }.into_any(),
                false => view! { <p class="problem" role="alert">{move || message.get()}</p> }.into_any(),
            }}
            {move || saved.get().map(|text| view! {
                <div class="desk-decided">
                    <p class="notice" role="status">{text}</p>
                    {move || next.get().map(|href| view! { <a class="button desk-next" href=href>{language.t(Key::DeskNext)}</a> })}
                </div>
            })}
            {move || item.get().map(|view| view! { <ItemView item=view message decided reload=Callback::new(move |_| load())/> })}
        </section>
    }
}

/// What a decision leaves on the page: that it was saved, and the next item.
#[derive(Clone, Copy)]
struct Decided {
    saved: RwSignal<Option<String>>,
    next: RwSignal<Option<String>>,
}

impl Decided {
    /// The decision is saved: says so, and finds the oldest other item waiting.
    fn saved(self, text: String, message: RwSignal<Option<String>>, item: (String, String)) {
        message.set(None);
        self.saved.set(Some(text));
        let next = self.next;
        spawn(async move {
            let lang = crate::i18n::Lang::DEFAULT;
            if let Ok(queue) = call::<ReviewQueue>(lang, "GET", "/api/v1/review/queue", None).await {
                let other = queue.items.into_iter().find(|i| (&i.owner, &i.record) != (&item.0, &item.1));
                next.set(other.map(|i| format!("/review/{}/{}", i.owner, i.record)));
            }
        });
    }
}

#[component]
fn ItemView(
    item: ReviewItemView,
    message: RwSignal<Option<String>>,
    decided: Decided,
    reload: Callback<()>,
) -> impl IntoView {
    let language = use_language();
    let kind = kind_of(&item);
    let review = item.review.clone();
    let food = item.category.as_deref() == Some("food");
    let district = item.district.clone().unwrap_or_default();
    let preview = match kind {
        Kind::Product => view! {
            <p class="hint">{item.storefront.as_ref().and_then(|s| s.get(storefront::NAME)).and_then(Value::as_str).unwrap_or_default().to_owned()}</p>
            <ProductListing product=item.submitted.clone() photo=served_photo food/>
        }
        .into_any(),
        _ => {
            // Her products as buyers would see them with it, each opening its own review.
            let products = item
                .products
                .iter()
                .map(|p| {
                    let mut content = p.content.clone();
                    if p.state != ReviewState::Draft {
                        content.insert("href".into(), Value::String(format!("/review/{}/{}", item.owner, p.record)));
                    }
                    content
                })
                .collect();
            view! { <StorefrontListing storefront=item.submitted.clone() products photo=served_photo/> }.into_any()
        }
    };
    let storefront_products = (kind == Kind::Storefront).then(|| view! { <DeskProducts item=item.clone()/> });
    let state = review.state;
    let first = item.changes.iter().all(|c| c.before.is_none());
    view! {
        <h1>{item.name.clone()}</h1>
        <p class="lead">
            <span class="badge" data-state=state.id()>{language.t(state.name_key())}</span>" "
            {item.owner_name.clone()}" · "{move || district_name(language.get(), &district)}
            {review.decided_by.clone().map(|by| format!(" · {by}"))}
        </p>
        <div class="desk-columns">
            <div>
                <h2>{language.t(Key::DeskPreview)}</h2>
                <div class="preview">{preview}</div>
            </div>
            <div>
                <h2>{language.t(Key::DeskChanges)}</h2>
                {first.then(|| view! { <p class="hint">{language.t(Key::DeskFirstReview)}</p> })}
                <table class="diff">
                    <thead><tr><th></th><th>{language.t(Key::DeskBefore)}</th><th>{language.t(Key::DeskAfter)}</th></tr></thead>
                    <tbody>
                        {item.changes.clone().into_iter().map(|change| {
                            let label = desk_label(kind, &change.field);
                            let field = change.field.clone();
                            let cell = move |value: Option<Value>| {
                                let field = field.clone();
                                match value {
                                    Some(v) if is_photo(kind, &field) => view! {
                                        <td class="photos">{photo_hashes(&v).into_iter().map(served_photo).collect_view()}</td>
                                    }.into_any(),
                                    Some(v) => view! { <td>{move || shown(kind, &field, &v, language.get())}</td> }.into_any(),
                                    None => view! { <td class="hint">"—"</td> }.into_any(),
                                }
                            };
                            view! {
                                <tr data-field=change.field>
                                    <th>{move || label.map(|k| text(language.get(), k)).unwrap_or_default()}</th>
                                    {cell(change.before.clone())}
                                    {cell(change.after.clone())}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
        {storefront_products}
        {(state == ReviewState::Submitted).then(|| view! {
            <DecisionForm item=item.clone() message decided reload/>
        })}
        {review.public_revision.is_some().then(|| view! { <WithdrawForm item=item.clone() message decided reload/> })}
        {(!item.ads.is_empty()).then(|| view! { <DeskAds ads=item.ads.clone() message decided reload/> })}
        <h2>{language.t(Key::DeskLog)}</h2>
        <ol class="review-log">
            {item.log.clone().into_iter().map(|event| {
                let action = match event.action.as_str() {
                    "approved" => Key::DeskActionApproved,
                    "changes_requested" => Key::DeskActionChangesRequested,
                    "withdrawn" => Key::DeskActionWithdrawn,
                    _ => Key::DeskActionSubmitted,
                };
                let failed: Vec<(Option<CheckPoint>, String)> = event.checklist.iter()
                    .filter(|check| !check.pass)
                    .map(|check| (CheckPoint::from_id(&check.point), check.comment.clone()))
                    .collect();
                let comments: Vec<(Option<Key>, String)> = event.comments.iter()
                    .map(|(field, comment)| (desk_label(kind, field), comment.clone()))
                    .chain(event.reason.clone().map(|reason| (None, reason)))
                    .collect();
                view! {
                    <li>
                        <strong>{language.t(action)}</strong>" · "{event.by_name.clone()}" · "
                        <time datetime=event.at>{event.at.chars().take(16).collect::<String>().replace('T', " ")}</time>
                        {(!failed.is_empty() || !comments.is_empty()).then(|| view! {
                            <ul class="failed">
                                {failed.into_iter().map(|(point, comment)| view! {
                                    <li data-point=point.map(CheckPoint::id)>
                                        <span class="check-failed">{move || point.map(|p| text(language.get(), p.name_key())).unwrap_or_default()}</span>
                                        {(!comment.is_empty()).then(|| format!(": {comment}"))}
                                    </li>
                                }).collect_view()}
                                {comments.into_iter().map(|(label, comment)| view! {
                                    <li class="hint">
                                        {move || label.map(|k| format!("{}: ", text(language.get(), k))).unwrap_or_default()}
                                        {comment}
                                    </li>
                                }).collect_view()}
                            </ul>
                        })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}

/// A storefront's products and where each one's review stands, so she does
/// not approve an empty storefront unawares.
#[component]
fn DeskProducts(item: ReviewItemView) -> impl IntoView {
    let language = use_language();
    let owner = item.owner.clone();
    view! {
        <section class="desk-products">
            <h2>{language.t(Key::DeskProducts)}" ("{item.products.len()}")"</h2>
            {item.products.is_empty().then(|| view! { <p class="notice">{language.t(Key::DeskNoProducts)}</p> })}
            <ul>
                {item.products.iter().map(|p| {
                    let name = p.content.get(product::NAME).and_then(Value::as_str).unwrap_or("—").to_owned();
                    view! {
                        <li data-state=p.state.id()>
                            {if p.state == ReviewState::Draft {
                                view! { <span>{name}</span> }.into_any()
                            } else {
                                view! { <a href=format!("/review/{owner}/{}", p.record)>{name}</a> }.into_any()
                            }}" "
                            <span class="badge" data-state=p.state.id()>{language.t(p.state.name_key())}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// The checklist, the comments and the two decisions.
#[component]
fn DecisionForm(
    item: ReviewItemView,
    message: RwSignal<Option<String>>,
    decided: Decided,
    reload: Callback<()>,
) -> impl IntoView {
    let language = use_language();
    let kind = kind_of(&item);
    let checks: Vec<(CheckPoint, RwSignal<Option<bool>>, RwSignal<String>)> =
        CheckPoint::ALL.iter().map(|p| (*p, RwSignal::new(None), RwSignal::new(String::new()))).collect();
    // Every reviewed field of the kind, in the order of her form.
    let fields: Vec<String> = crate::rules::records::fields_of(kind)
        .unwrap_or_default()
        .iter()
        .map(|spec| spec.name.to_owned())
        .filter(|f| is_reviewed(kind, f))
        .collect();
    let comments: Vec<(String, RwSignal<String>)> =
        fields.into_iter().map(|f| (f, RwSignal::new(String::new()))).collect();
    let busy = RwSignal::new(false);
    let path = format!("/api/v1/review/items/{}/{}/decision", item.owner, item.record);
    let revision = item.review.revision;
    let this_item = (item.owner.clone(), item.record);
    let checks_for_send = checks.clone();
    let checks_all_good = checks.clone();
    // Most items pass every point: one tap marks them all, then each can be changed.
    let all_good = move |_| checks_all_good.iter().for_each(|(_, pass, _)| pass.set(Some(true)));
    let comments_for_send = comments.clone();
    let send = move |decision: Decision| {
        let checklist: Vec<Check> = checks_for_send
            .iter()
            .map(|(point, pass, comment)| Check {
                point: point.id().into(),
                pass: pass.get_untracked().unwrap_or(false),
                comment: comment.get_untracked().trim().to_owned(),
            })
            .collect();
        if checks_for_send.iter().any(|(_, pass, _)| pass.get_untracked().is_none()) {
            message.set(Some(text(language.get_untracked(), Key::ErrorBadFeedback).to_owned()));
            return;
        }
        let comments: BTreeMap<String, String> = comments_for_send
            .iter()
            .map(|(field, text)| (field.clone(), text.get_untracked().trim().to_owned()))
            .filter(|(_, text)| !text.is_empty())
            .collect();
        let request = DecisionRequest { revision, decision, checklist, comments };
        let path = path.clone();
        let this_item = this_item.clone();
        busy.set(true);
        spawn(async move {
            let lang = language.get_untracked();
            match call::<Review>(lang, "POST", &path, body(&request)).await {
                Ok(review) => decided.saved(
                    fill(text(lang, Key::DeskDecided), &[("state", text(lang, review.state.name_key()))]),
                    message,
                    this_item,
                ),
                Err(problem) if problem.code == "already_decided" => message.set(Some(fill(
                    text(lang, Key::DeskAlreadyDecided),
                    &[("name", problem.decided_by.as_deref().unwrap_or_default())],
                ))),
                Err(problem) => message.set(Some(problem.message)),
            }
            busy.set(false);
            reload.run(());
        });
    };
    let send_approve = send.clone();
    view! {
        <form class="form decision" on:submit=|event| event.prevent_default()>
            <h2>{language.t(Key::DeskChecklist)}</h2>
            <button class="button secondary all-good" type="button" on:click=all_good>{language.t(Key::DeskAllGood)}</button>
            <div class="check-points">
            {checks.into_iter().map(|(point, pass, comment)| {
                let name = format!("check-{}", point.id());
                let comment_id = format!("{name}-comment");
                view! {
                    <fieldset class="check-point" data-point=point.id()>
                        <legend>{language.t(point.name_key())}</legend>
                        <label class="choice"><input type="radio" name=name.clone() value="pass"
                            prop:checked=move || pass.get() == Some(true)
                            on:change=move |_| pass.set(Some(true))/>{language.t(Key::ReviewCheckPass)}</label>
                        <label class="choice"><input type="radio" name=name value="needs_work"
                            prop:checked=move || pass.get() == Some(false)
                            on:change=move |_| pass.set(Some(false))/>{language.t(Key::ReviewCheckNeedsWork)}</label>
                        <label class="point-comment" for=comment_id.clone()>{language.t(Key::DeskComment)}</label>
                        <input type="text" id=comment_id.clone() name=comment_id maxlength="500"
                            prop:value=move || comment.get() on:input=move |e| comment.set(event_target_value(&e))/>
                    </fieldset>
                }
            }).collect_view()}
            </div>
            <details class="field-comments">
                <summary>{language.t(Key::DeskFieldComments)}</summary>
                {comments.into_iter().map(|(field, comment)| {
                    let label = desk_label(kind, &field);
                    let id = format!("comment-{field}");
                    view! {
                        <div class="field">
                            <label for=id.clone()>{move || label.map(|k| text(language.get(), k)).unwrap_or_default()}</label>
                            <textarea id=id.clone() name=id rows="2" maxlength="500"
                                prop:value=move || comment.get() on:input=move |e| comment.set(event_target_value(&e))></textarea>
                        </div>
                    }
                }).collect_view()}
            </details>
            <div class="actions">
                <button class="button" type="button" disabled=move || busy.get()
                    on:click=move |_| send_approve(Decision::Approve)>{language.t(Key::DeskApprove)}</button>
                <button class="button secondary" type="button" disabled=move || busy.get()
                    on:click=move |_| send(Decision::RequestChanges)>{language.t(Key::DeskRequestChanges)}</button>
            </div>
        </form>
    }
}

#[component]
fn WithdrawForm(
    item: ReviewItemView,
    message: RwSignal<Option<String>>,
    decided: Decided,
    reload: Callback<()>,
) -> impl IntoView {
    let language = use_language();
    let reason = RwSignal::new(String::new());
    let path = format!("/api/v1/review/items/{}/{}/withdraw", item.owner, item.record);
    let this_item = (item.owner.clone(), item.record);
    let withdraw = move |_| {
        let path = path.clone();
        let this_item = this_item.clone();
        let request = WithdrawRequest { reason: reason.get_untracked() };
        spawn(async move {
            let lang = language.get_untracked();
            match call::<Review>(lang, "POST", &path, body(&request)).await {
                Ok(review) => decided.saved(
                    fill(text(lang, Key::DeskDecided), &[("state", text(lang, review.state.name_key()))]),
                    message,
                    this_item,
                ),
                Err(problem) => message.set(Some(problem.message)),
            }
            reload.run(());
        });
    };
    view! {
        <details class="withdraw">
            <summary>{language.t(Key::DeskWithdraw)}</summary>
            <div class="field">
                <label for="withdraw-reason">{language.t(Key::DeskWithdrawReason)}</label>
                <textarea id="withdraw-reason" name="withdraw-reason" rows="2" maxlength="500"
                    prop:value=move || reason.get() on:input=move |e| reason.set(event_target_value(&e))></textarea>
            </div>
            <button class="button danger" type="button" on:click=withdraw>{language.t(Key::DeskWithdraw)}</button>
        </details>
    }
}

/// Her ads whose pages are up, each with the desk's take-down: ads are
/// published without review, so this is how a page that breaks the
/// programme's rules goes.
#[component]
fn DeskAds(
    ads: Vec<DeskAd>,
    message: RwSignal<Option<String>>,
    decided: Decided,
    reload: Callback<()>,
) -> impl IntoView {
    let language = use_language();
    view! {
        <section class="desk-ads">
            <h2>{language.t(Key::DeskAds)}</h2>
            <p class="hint">{language.t(Key::DeskAdsHint)}</p>
            <ul>
                {ads.into_iter().map(|ad| {
                    let reason = RwSignal::new(String::new());
                    // One request at a time: a second tap would only answer "not found".
                    let busy = RwSignal::new(false);
                    let field = format!("take-down-{}", ad.record);
                    let path = format!("/api/v1/ads/{}/take-down", ad.record);
                    let take_down = move |_| {
                        if busy.get_untracked() {
                            return;
                        }
                        busy.set(true);
                        let path = path.clone();
                        let request = WithdrawRequest { reason: reason.get_untracked() };
                        spawn(async move {
                            let lang = language.get_untracked();
                            let answer = call::<Value>(lang, "POST", &path, body(&request)).await;
                            busy.set(false);
                            match answer {
                                Ok(_) => {
                                    message.set(None);
                                    decided.saved.set(Some(text(lang, Key::DeskAdsTakenDown).to_owned()));
                                    reload.run(());
                                }
                                Err(problem) => message.set(Some(problem.message)),
                            }
                        });
                    };
                    view! {
                        <li>
                            <a href=format!("/a/{}", ad.record)>{ad.headline}</a>
                            <details class="withdraw">
                                <summary>{language.t(Key::DeskAdsTakeDown)}</summary>
                                <div class="field">
                                    <label for=field.clone()>{language.t(Key::DeskWithdrawReason)}</label>
                                    <textarea id=field name="take-down-reason" rows="2" maxlength="1000"
                                        prop:value=move || reason.get() on:input=move |e| reason.set(event_target_value(&e))></textarea>
                                </div>
                                <button class="button danger" type="button" disabled=move || busy.get() on:click=take_down>
                                    {language.t(Key::DeskAdsTakeDown)}
                                </button>
                            </details>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
