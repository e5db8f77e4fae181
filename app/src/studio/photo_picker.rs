//! A record's photos: thumbnails with where each stands (on this phone,
//! uploading, uploaded), the first marked main, and a button to take or
//! choose another. `many` is a product's list of up to six; otherwise the
//! field holds one photo (a storefront's cover).

use leptos::prelude::*;
use serde_json::{Value, json};

use super::inputs::{FieldProblemLine, label};
use super::review_panel::FieldComment;
use super::{Studio, Target};
use crate::device::sync::PhotoState;
use crate::i18n::{Key, fill, text, use_language};

#[component]
pub fn PhotoPicker(target: Target, field: &'static str, max: usize, many: bool) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let current = move || studio.texts(target, field);
    let store = move |list: Vec<String>| {
        let value = if many { json!(list) } else { list.first().map_or(Value::Null, |h| Value::String(h.clone())) };
        studio.set(target, field, value);
    };
    let input_id = format!("{}-photo-input", super::inputs::field_id(target, field));
    let chosen = move |event: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
                return;
            };
            let Some(files) = input.files() else { return };
            // Several chosen at once are added in turn, as many as there is room for.
            let room = if many { max.saturating_sub(current().len()) } else { 1 };
            let chosen: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
            input.set_value("");
            if chosen.is_empty() {
                return;
            }
            busy.set(true);
            problem.set(None);
            leptos::task::spawn_local(async move {
                let lang = language.get_untracked();
                let left_out = chosen.len().saturating_sub(room);
                for file in chosen.into_iter().take(room) {
                    match crate::device::photos::add(file.into()).await {
                        Ok(hash) => {
                            studio.sync.set_photo_state(&hash, PhotoState::OnPhone);
                            let mut list = current();
                            if !list.contains(&hash) {
                                list.push(hash);
                            }
                            if !many {
                                list = list.split_off(list.len() - 1);
                            }
                            store(list);
                        }
                        Err(crate::device::photos::AddProblem::NotAnImage) => {
                            problem.set(Some(text(lang, Key::PhotosNotImage).to_owned()));
                        }
                        Err(crate::device::photos::AddProblem::NoRoom) => {
                            problem.set(Some(text(lang, Key::PhotosNoRoom).to_owned()));
                            break;
                        }
                    }
                }
                if left_out > 0 && problem.get_untracked().is_none() {
                    let said = fill(
                        text(lang, Key::PhotosLeftOut),
                        &[("count", &left_out.to_string()), ("max", &max.to_string())],
                    );
                    problem.set(Some(said));
                }
                busy.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = event;
    };
    view! {
        <fieldset class="group photos">
            <legend>{language.t(label(target, field))}</legend>
            {many.then(|| view! { <p class="hint">{language.t(Key::PhotosHint)}</p> })}
            <ul class="photo-list">
                <For each=current key=|hash| hash.clone() let:hash>
                    {
                        let main = {
                            let hash = hash.clone();
                            move || many && current().first() == Some(&hash)
                        };
                        let make_main = {
                            let hash = hash.clone();
                            move |_| {
                                let mut list = current();
                                list.retain(|h| *h != hash);
                                list.insert(0, hash.clone());
                                store(list);
                            }
                        };
                        let remove = {
                            let hash = hash.clone();
                            move |_| store(current().into_iter().filter(|h| *h != hash).collect())
                        };
                        let state_hash = hash.clone();
                        let state = move || match studio.sync.photo_state(&state_hash) {
                            Some(PhotoState::Uploading(percent)) => {
                                fill(text(language.get(), Key::PhotosUploading), &[("percent", &percent.to_string())])
                            }
                            Some(PhotoState::OnPhone) => text(language.get(), Key::PhotosOnPhone).to_owned(),
                            Some(PhotoState::Refused) => text(language.get(), Key::PhotosNotImage).to_owned(),
                            Some(PhotoState::NoRoomOnServer) => text(language.get(), Key::PhotosServerFull).to_owned(),
                            Some(PhotoState::Uploaded) | None => text(language.get(), Key::PhotosUploaded).to_owned(),
                        };
                        let data_state = {
                            let hash = hash.clone();
                            move || match studio.sync.photo_state(&hash) {
                                Some(PhotoState::OnPhone) => "on-phone",
                                Some(PhotoState::Uploading(_)) => "uploading",
                                Some(PhotoState::Refused) => "refused",
                                Some(PhotoState::NoRoomOnServer) => "no-room-on-server",
                                Some(PhotoState::Uploaded) | None => "uploaded",
                            }
                        };
                        view! {
                            <li class="photo" data-hash=hash data-state=data_state>
                                <PhotoThumb hash=hash.clone()/>
                                <span class="photo-state">{state}</span>
                                <Show when=main.clone()>
                                    <strong class="photo-main">{language.t(Key::PhotosMain)}</strong>
                                </Show>
                                <div class="actions">
                                    <Show when=move || many && !main()>
                                        <button class="button small secondary" type="button" on:click=make_main.clone()>
                                            {language.t(Key::PhotosMakeMain)}
                                        </button>
                                    </Show>
                                    <button class="button small secondary" type="button" on:click=remove>
                                        {language.t(Key::PhotosRemove)}
                                    </button>
                                </div>
                            </li>
                        }
                        .into_any()
                    }
                </For>
            </ul>
            <Show when=move || current().len() < max>
                <label class="button secondary photo-add" for=input_id.clone()>
                    {move || match (busy.get(), many) {
                        (true, _) => language.t(Key::FormWorking)(),
                        (false, true) => language.t(Key::PhotosAddMany)(),
                        (false, false) => language.t(Key::PhotosAdd)(),
                    }}
                </label>
                <input id=input_id.clone() class="visually-hidden" type="file" accept="image/*" multiple=many
                    on:change=chosen/>
            </Show>
            <p class="problem" role="alert">{move || problem.get()}</p>
            <FieldProblemLine target field/><FieldComment target field/>
        </fieldset>
    }
    .into_any()
}

/// A photo's thumbnail: the copy on this phone when there is one, else the
/// server's (asked for only then, so a photo not yet uploaded is never a 404).
#[component]
pub(super) fn PhotoThumb(hash: String) -> impl IntoView {
    let source = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let hash = hash.clone();
            crate::device::http::spawn(async move {
                let kept = crate::device::photos::kept_url(&hash, "thumb").await;
                source.set(Some(kept.unwrap_or_else(|| crate::device::photos::address(&hash, "thumb"))));
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &hash;
    });
    view! {
        <span class="photo-thumb">
            {move || source.get().map(|src| view! { <img src=src alt="" width="96" height="96"/> })}
        </span>
    }
}
