//! The storefront's name and story, saved on the phone as she types.

use leptos::prelude::*;

use super::Studio;
use crate::i18n::{Key, use_language};
use crate::storefront::{NAME, STORY};

const MAX_NAME_CHARS: usize = 80;
const MAX_STORY_CHARS: usize = 2_000;

#[component]
pub fn StorefrontEditor() -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    view! {
        <form class="form storefront-editor" on:submit=|event| event.prevent_default()>
            <h2>{language.t(Key::StorefrontHeading)}</h2>
            <div class="field">
                <label for="storefront-name">{language.t(Key::StorefrontName)}</label>
                <input id="storefront-name" name="storefront-name" type="text" maxlength=MAX_NAME_CHARS autocomplete="off"
                    prop:value=move || studio.storefront_text(NAME)
                    on:input=move |event| studio.set_storefront_text(NAME, event_target_value(&event))/>
                <p class="hint">{language.t(Key::StorefrontNameHint)}</p>
            </div>
            <div class="field">
                <label for="storefront-story">{language.t(Key::StorefrontStory)}</label>
                <textarea id="storefront-story" name="storefront-story" rows="6" maxlength=MAX_STORY_CHARS
                    prop:value=move || studio.storefront_text(STORY)
                    on:input=move |event| studio.set_storefront_text(STORY, event_target_value(&event))></textarea>
                <p class="hint">{language.t(Key::StorefrontStoryHint)}</p>
            </div>
        </form>
    }
}
