//! Her products, in their order on the storefront: add one, open one to
//! edit, move it up or down with a thumb.

use leptos::prelude::*;
use sawda_sync::Kind;

use super::photo_picker::PhotoThumb;
use super::product_editor::ProductEditor;
use super::review_panel::ReviewPanel;
use super::{Studio, Target};
use crate::i18n::{Key, text, use_language};
use crate::rules::money::format_som;
use crate::rules::records::product::{Availability, PHOTOS};

#[component]
pub fn ProductList() -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let lines = Memo::new(move |_| studio.products());
    view! {
        <section class="products">
            <h2>{language.t(Key::ProductsHeading)}</h2>
            <Show when=move || lines.with(Vec::is_empty)>
                <p>{language.t(Key::ProductsEmpty)}</p>
            </Show>
            <ol class="product-list">
                // Keyed by the product alone: the row she is typing in stays the
                // same element (and keeps the focus) whatever its name or price becomes.
                <For each=move || lines.get() key=|p| p.id let:product>
                    {
                        let id = product.id;
                        let target = Target { kind: Kind::Product, record: id };
                        let open = move || studio.editing.get() == Some(id);
                        let line = move || lines.with(|lines| lines.iter().find(|p| p.id == id).cloned());
                        // Its main photo, drawn again only when that photo changes, not on every key she types.
                        let main_photo = Memo::new(move |_| studio.texts(target, PHOTOS).into_iter().next());
                        view! {
                            <li class="product" data-open=move || open().to_string()>
                                <div class="product-head">
                                    {move || match main_photo.get() {
                                        Some(hash) => view! { <PhotoThumb hash/> }.into_any(),
                                        None => view! { <span class="photo-thumb" data-empty="true"></span> }.into_any(),
                                    }}
                                    <div class="product-line">
                                        <span class="product-name">
                                            {move || match line().map(|p| p.name).filter(|name| !name.is_empty()) {
                                                Some(name) => name,
                                                None => text(language.get(), Key::ProductsUnnamed).to_owned(),
                                            }}
                                        </span>
                                        <span class="product-price">{move || match line().and_then(|p| p.price_som) {
                                            Some(som) => format_som(som as i64, language.get()),
                                            None => text(language.get(), Key::ProductsNoPrice).to_owned(),
                                        }}</span>
                                        <span class="badge" data-state=move || studio.review(target).0.state.id()>
                                            {move || text(language.get(), studio.review(target).0.state.name_key())}
                                        </span>
                                        // Said only once chosen: "available" before she chose would not be true.
                                        <span class="product-availability">{move || {
                                            let availability = line().and_then(|p| Availability::from_id(&p.availability));
                                            availability.map(|a| text(language.get(), a.name_key()))
                                        }}</span>
                                    </div>
                                </div>
                                {move || studio.only_here(id).then(|| view! {
                                    <p class="notice only-here">{language.t(Key::StudioOnlyHere)}</p>
                                })}
                                <div class="actions">
                                    <button class="button small" type="button"
                                        on:click=move |_| studio.editing.set(if open() { None } else { Some(id) })>
                                        {move || if open() { language.t(Key::ProductsDone)() } else { language.t(Key::ProductsEdit)() }}
                                    </button>
                                    <button class="button small secondary" type="button" aria-label=language.t(Key::ProductsUp)
                                        on:click=move |_| studio.move_product(id, -1)>"↑"</button>
                                    <button class="button small secondary" type="button" aria-label=language.t(Key::ProductsDown)
                                        on:click=move |_| studio.move_product(id, 1)>"↓"</button>
                                </div>
                                <Show when=open>
                                    <ReviewPanel target/>
                                    <ProductEditor target/>
                                </Show>
                            </li>
                        }
                        .into_any()
                    }
                </For>
            </ol>
            <button class="button" type="button" on:click=move |_| studio.add_product()>{language.t(Key::ProductsAdd)}</button>
        </section>
    }
    .into_any()
}
