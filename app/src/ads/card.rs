//! The ad's image cards, drawn on the phone from the product's photo (from
//! the phone's own photo store), the headline, the price and the storefront's
//! address: square (1080×1080) for feeds and tall (1080×1920) for stories,
//! in the layout and colours she picks. The font (Noto Sans, cut to the
//! letters of the four languages: `public/fonts/`) is loaded with the card's
//! own text before drawing, so no letter falls back to another font. Each
//! card is made ready as she edits, so that "share" hands it to the phone's
//! share sheet as the first thing the tap does (the browser allows a share
//! only within a moment of the tap); where sharing files is not possible she
//! downloads it and the post's text is copied.

use leptos::prelude::*;

use super::facts::{ad, storefront_facts};
use crate::i18n::{Key, use_language};
use crate::rules::records::ad_post::{Layout, Theme};
use crate::studio::{Studio, Target};

/// The square card's picture for the platform previews (a `blob:` address).
#[derive(Clone, Copy)]
pub struct CardImage(pub RwSignal<Option<String>>);

/// The two cards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    Square,
    Story,
}

impl Size {
    pub const ALL: [Size; 2] = [Size::Square, Size::Story];

    pub const fn pixels(self) -> (u32, u32) {
        match self {
            Size::Square => (1080, 1080),
            Size::Story => (1080, 1920),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Size::Square => "square",
            Size::Story => "story",
        }
    }

    fn label(self) -> Key {
        match self {
            Size::Square => Key::AdsCardSquare,
            Size::Story => Key::AdsCardStory,
        }
    }
}

// Drawn only in the browser; tested natively.
#[cfg(any(feature = "hydrate", test))]
/// A theme's colours: the card's ground, its text, the price's colour.
pub struct Colours {
    pub ground: &'static str,
    pub ink: &'static str,
    pub accent: &'static str,
}

// Drawn only in the browser; tested natively.
#[cfg(any(feature = "hydrate", test))]
pub fn colours(theme: Theme) -> Colours {
    match theme {
        Theme::Melon => Colours { ground: "#f7e3a1", ink: "#2b2a12", accent: "#b3460b" },
        Theme::Aral => Colours { ground: "#0b5d4b", ink: "#ffffff", accent: "#ffd166" },
        Theme::Pomegranate => Colours { ground: "#8e1b2e", ink: "#ffffff", accent: "#ffc9a8" },
        Theme::Steppe => Colours { ground: "#ebdfc6", ink: "#3b2f20", accent: "#0b5d4b" },
        Theme::Night => Colours { ground: "#14213d", ink: "#ffffff", accent: "#fca311" },
    }
}

// Drawn only in the browser; tested natively.
#[cfg(any(feature = "hydrate", test))]
/// A rectangle on the card, in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Area {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

// Drawn only in the browser; tested natively.
#[cfg(any(feature = "hydrate", test))]
/// Where a layout puts the photo and the text on a card of `size`.
pub fn areas(layout: Layout, size: Size) -> (Area, Area) {
    let (w, h) = size.pixels();
    let (w, h) = (f64::from(w), f64::from(h));
    let area = |x, y, width, height| Area { x, y, width, height };
    match (layout, size) {
        (Layout::PhotoTop, _) => {
            let photo = if size == Size::Square { h * 0.6 } else { h * 0.58 };
            (area(0.0, 0.0, w, photo), area(0.0, photo, w, h - photo))
        }
        // The photo fills the card; the text sits on a band across its lower part.
        (Layout::PhotoFull, _) => {
            let band = if size == Size::Square { h * 0.42 } else { h * 0.36 };
            (area(0.0, 0.0, w, h), area(0.0, h - band, w, band))
        }
        (Layout::Split, Size::Square) => (area(0.0, 0.0, w / 2.0, h), area(w / 2.0, 0.0, w / 2.0, h)),
        (Layout::Split, Size::Story) => (area(0.0, 0.0, w, h / 2.0), area(0.0, h / 2.0, w, h / 2.0)),
    }
}

// Drawn only in the browser; tested natively.
#[cfg(any(feature = "hydrate", test))]
/// `text` broken into lines no wider than `width` as `measure` measures
/// them, at most `most` lines (the last ends with "…" when text is left).
/// A word wider than a line is broken between letters.
pub fn wrap(text: &str, width: f64, most: usize, measure: impl Fn(&str) -> f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut left = false;
    for word in text.split_whitespace() {
        let tried = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if measure(&tried) <= width {
            line = tried;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word alone too wide: as many letters as fit on each line.
        for c in word.chars() {
            let longer = format!("{line}{c}");
            if !line.is_empty() && measure(&longer) > width {
                lines.push(std::mem::take(&mut line));
                line.push(c);
            } else {
                line = longer;
            }
        }
        if lines.len() >= most {
            left = true;
            break;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > most {
        lines.truncate(most);
        left = true;
    }
    if left && let Some(last) = lines.last_mut() {
        while !last.is_empty() && measure(&format!("{last}…")) > width {
            last.pop();
        }
        let kept = last.trim_end().to_owned();
        *last = format!("{kept}…");
    }
    lines
}

/// The headline's and the price's size and lines on a card: the largest
/// sizes at which both fit in `room` pixels of height (the headline up to
/// three lines, the price up to two), `measure(text, px)` giving a line's
/// width in bold at `px`. At the smallest size what does not fit ends in "…".
#[cfg(any(feature = "hydrate", test))]
pub struct Fitted {
    pub headline_px: f64,
    pub headline: Vec<String>,
    pub price_px: f64,
    pub price: Vec<String>,
}

#[cfg(any(feature = "hydrate", test))]
impl Fitted {
    pub const LINE: f64 = 1.18;
    /// The space above the price, in its own size.
    pub const GAP: f64 = 0.25;

    pub fn height(&self) -> f64 {
        let price = if self.price.is_empty() {
            0.0
        } else {
            self.price_px * (Self::GAP + Self::LINE * self.price.len() as f64)
        };
        self.headline_px * Self::LINE * self.headline.len() as f64 + price
    }
}

#[cfg(any(feature = "hydrate", test))]
pub fn fit(
    headline: &str,
    price: &str,
    width: f64,
    room: f64,
    largest: f64,
    measure: impl Fn(&str, f64) -> f64,
) -> Fitted {
    let mut px = largest;
    loop {
        let price_px = px * 0.84;
        let fitted = Fitted {
            headline_px: px,
            headline: wrap(headline, width, 3, |s| measure(s, px)),
            price_px,
            price: wrap(price.trim(), width, 2, |s| measure(s, price_px)),
        };
        if fitted.height() <= room || px <= largest * 0.6 {
            return fitted;
        }
        px -= largest * 0.08;
    }
}

/// What a card says.
#[derive(Clone, Debug, PartialEq)]
pub struct CardText {
    pub headline: String,
    pub price: String,
    pub storefront: String,
    pub address: String,
    pub lang: &'static str,
}

/// The cards as last drawn, ready to share or publish, and the number of
/// the latest draw asked (a draw overtaken by a newer one is dropped). Drawn
/// only in the browser.
#[derive(Clone, Copy)]
pub struct Drawn {
    #[cfg(feature = "hydrate")]
    kept: StoredValue<(u64, Vec<(Size, web_sys::Blob)>), LocalStorage>,
}

impl Drawn {
    pub fn new() -> Self {
        Drawn {
            #[cfg(feature = "hydrate")]
            kept: StoredValue::new_local((0, Vec::new())),
        }
    }

    /// The card of `size` as last drawn.
    #[cfg(feature = "hydrate")]
    pub fn card(self, size: Size) -> Option<web_sys::Blob> {
        self.kept.with_value(|(_, kept)| kept.iter().find(|(s, _)| *s == size).map(|(_, blob)| blob.clone()))
    }
}

impl Default for Drawn {
    fn default() -> Self {
        Drawn::new()
    }
}

#[component]
pub fn Cards(target: Target) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let image = expect_context::<CardImage>();
    // What to draw; drawn again when it changes.
    let wanted = Memo::new(move |_| {
        studio.sync.revision.track();
        let ad = ad(target.record)?;
        let shop = storefront_facts(studio.storefront.get()?);
        let address = shop.address.split_once("://").map_or(shop.address.as_str(), |(_, rest)| rest).to_owned();
        let text = CardText {
            headline: ad.post.headline.clone(),
            price: ad.post.price_line.clone(),
            storefront: shop.name.clone(),
            address,
            lang: ad.lang().code(),
        };
        let layout = Layout::from_id(&ad.layout).unwrap_or(Layout::PhotoTop);
        let theme = Theme::from_id(&ad.theme).unwrap_or(Theme::Aral);
        let post = ad.post.text(&shop);
        Some((text, layout, theme, ad.photo, post, shop.address))
    });
    let problem = RwSignal::new(None::<Key>);
    let shared = RwSignal::new(false);
    let drawn = expect_context::<Drawn>();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some((text, layout, theme, photo, _, _)) = wanted.get() {
            browser::draw_both(drawn, image, problem, text, layout, theme, photo);
        }
    });
    let share = move |size: Size| {
        #[cfg(feature = "hydrate")]
        if let Some((_, _, _, _, post, address)) = wanted.get_untracked() {
            browser::share(drawn, size, post, address, problem, shared);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (size, shared, image, wanted, drawn);
    };
    view! {
        <section class="ad-cards">
            <h2>{language.t(Key::AdsCardsHeading)}</h2>
            {move || problem.get().map(|key| view! { <p class="problem" role="alert">{language.t(key)}</p> })}
            <Show when=move || shared.get()>
                <p class="notice" role="status">{language.t(Key::AdsDownloadedCopied)}</p>
            </Show>
            {Size::ALL.into_iter().map(|size| {
                let (width, height) = size.pixels();
                view! {
                    <figure class=format!("ad-card {}", size.name())>
                        <canvas id=format!("ad-card-{}", size.name()) width=width height=height
                            role="img" aria-label=language.t(Key::AdsCardAlt)></canvas>
                        <figcaption>
                            {language.t(size.label())}
                            <button class="button" type="button" on:click=move |_| share(size)>
                                {language.t(Key::AdsShare)}
                            </button>
                        </figcaption>
                    </figure>
                }
            }).collect_view()}
        </section>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use std::rc::Rc;

    use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;

    use super::{Area, CardImage, CardText, Drawn, Fitted, Size, areas, colours, fit, wrap};
    use crate::i18n::Key;
    use crate::rules::records::ad_post::{Layout, Theme};

    /// The font's family name on the page; the files are `public/fonts/`.
    const FAMILY: &str = "SawdaCard";

    // The canvas, font and share calls are made by name, through `Reflect`:
    // wasm-bindgen gives each web-sys method an import in the first module and
    // glue in `sawda.js`, which every first visit downloads (some 2 KB for the
    // card's 35 methods); `Reflect`'s imports are there already.
    fn get(target: &JsValue, name: &str) -> JsValue {
        Reflect::get(target, &name.into()).unwrap_or(JsValue::UNDEFINED)
    }

    fn set(target: &JsValue, name: &str, value: impl Into<JsValue>) {
        let _ = Reflect::set(target, &name.into(), &value.into());
    }

    fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
        let method: Function = get(target, method).dyn_into()?;
        Reflect::apply(&method, target, &args.iter().collect::<Array>())
    }

    fn construct(class: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
        let class: Function = get(&js_sys::global(), class).dyn_into()?;
        Reflect::construct(&class, &args.iter().collect::<Array>())
    }

    fn object(fields: &[(&str, JsValue)]) -> JsValue {
        let object = Object::new();
        for (name, value) in fields {
            set(&object, name, value.clone());
        }
        object.into()
    }

    async fn settled(promise: Result<JsValue, JsValue>) -> Result<JsValue, JsValue> {
        JsFuture::from(promise?.dyn_into::<Promise>()?).await
    }

    thread_local! {
        static FONT_READY: RefCell<Option<Rc<Promise>>> = const { RefCell::new(None) };
        static TURNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    /// Loads the card's two faces once per page, then each time waits until
    /// the faces cover `text` (every letter of it in the shipped font).
    async fn font_for(text: &str) -> Result<(), JsValue> {
        let fonts = get(&document(), "fonts");
        let ready = FONT_READY.with(|ready| {
            ready
                .borrow_mut()
                .get_or_insert_with(|| {
                    let faces = Array::new();
                    for (weight, file) in [("400", "noto-sans-400.woff2"), ("700", "noto-sans-700.woff2")] {
                        let face = construct(
                            "FontFace",
                            &[
                                FAMILY.into(),
                                format!("url(/fonts/{file})").into(),
                                object(&[("weight", weight.into())]),
                            ],
                        );
                        let loading = face.and_then(|face| {
                            call(&fonts, "add", std::slice::from_ref(&face))?;
                            call(&face, "load", &[])
                        });
                        faces.push(&loading.unwrap_or_else(|e| Promise::reject(&e).into()));
                    }
                    Rc::new(Promise::all(&faces))
                })
                .clone()
        });
        JsFuture::from((*ready).clone()).await?;
        for weight in ["400", "700"] {
            settled(call(&fonts, "load", &[format!("{weight} 48px {FAMILY}").into(), text.into()])).await?;
        }
        Ok(())
    }

    async fn photo(hash: &str) -> Option<JsValue> {
        let bytes = crate::device::photos::kept_bytes(hash).await?;
        let parts = Array::of1(&Uint8Array::from(bytes.as_slice()));
        let blob = construct("Blob", &[parts.into(), object(&[("type", "image/jpeg".into())])]).ok()?;
        JsFuture::from(window().create_image_bitmap_with_blob(blob.unchecked_ref()).ok()?).await.ok()
    }

    fn canvas(size: Size) -> Option<(web_sys::HtmlCanvasElement, JsValue)> {
        let canvas: web_sys::HtmlCanvasElement =
            document().get_element_by_id(&format!("ad-card-{}", size.name()))?.dyn_into().ok()?;
        let context = canvas.get_context("2d").ok()??;
        Some((canvas, context.into()))
    }

    /// Draws both cards and keeps them ready to share; the square one also
    /// shows in the platform previews.
    pub fn draw_both(
        drawn: Drawn,
        image: CardImage,
        problem: RwSignal<Option<Key>>,
        text: CardText,
        layout: Layout,
        theme: Theme,
        photo_hash: Option<String>,
    ) {
        // Numbered across the page, so a newer draw has a larger number in any editor.
        let turn = TURNS.with(|turns| {
            turns.set(turns.get() + 1);
            turns.get()
        });
        if drawn.kept.try_update_value(|(latest, _)| *latest = turn).is_none() {
            return;
        }
        // Asked and drawn, on the page: tests wait until the two agree.
        let _ = document().body().map(|body| body.set_attribute("data-cards-asked", &turn.to_string()));
        leptos::task::spawn_local(async move {
            // Drawn once she pauses: two cards per key would slow her typing on a cheap phone.
            let pause = Promise::new(&mut |resolve, _| {
                let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 300);
            });
            let _ = JsFuture::from(pause).await;
            if drawn.kept.with_value(|(now, _)| *now != turn) {
                return;
            }
            let letters = format!("{} {} {} {}", text.headline, text.price, text.storefront, text.address);
            if font_for(&letters).await.is_err() {
                problem.set(Some(Key::AdsFontMissing));
                return;
            }
            let bitmap = match &photo_hash {
                Some(hash) => photo(hash).await,
                None => None,
            };
            let mut blobs = Vec::new();
            for size in Size::ALL {
                let Some((canvas, context)) = canvas(size) else { return };
                paint(&context, size, &text, layout, theme, bitmap.as_ref());
                match to_blob(&canvas).await {
                    Some(blob) => blobs.push((size, blob)),
                    None => {
                        problem.set(Some(Key::AdsCardFailed));
                        return;
                    }
                }
            }
            // A newer draw was asked meanwhile: its cards, not these.
            if drawn.kept.with_value(|(now, _)| *now != turn) {
                return;
            }
            problem.set(None);
            if let Some((_, square)) = blobs.iter().find(|(size, _)| *size == Size::Square)
                && let Ok(url) = web_sys::Url::create_object_url_with_blob(square)
            {
                if let Some(old) = image.0.get_untracked() {
                    let _ = web_sys::Url::revoke_object_url(&old);
                }
                image.0.set(Some(url));
            }
            drawn.kept.update_value(|(_, kept)| *kept = blobs);
            let _ = document().body().map(|body| body.set_attribute("data-cards-drawn", &turn.to_string()));
        });
    }

    async fn to_blob(canvas: &web_sys::HtmlCanvasElement) -> Option<web_sys::Blob> {
        let promise = Promise::new(&mut |resolve, _| {
            let done = Closure::once_into_js(move |blob: JsValue| {
                let _ = resolve.call1(&JsValue::NULL, &blob);
            });
            let _ =
                canvas.to_blob_with_type_and_encoder_options(done.unchecked_ref(), "image/jpeg", &JsValue::from(0.92));
        });
        JsFuture::from(promise).await.ok()?.dyn_into().ok()
    }

    /// Draws one card.
    fn paint(context: &JsValue, size: Size, text: &CardText, layout: Layout, theme: Theme, photo: Option<&JsValue>) {
        let (width, height) = size.pixels();
        let colours = colours(theme);
        let fill = |x: f64, y: f64, w: f64, h: f64| {
            let _ = call(context, "fillRect", &[x.into(), y.into(), w.into(), h.into()]);
        };
        set(context, "fillStyle", colours.ground);
        fill(0.0, 0.0, f64::from(width), f64::from(height));
        // With no photo, the text has the whole card rather than half of an empty one.
        let (photo_area, text_area) = match photo {
            Some(_) => areas(layout, size),
            None => {
                let whole = Area { x: 0.0, y: 0.0, width: f64::from(width), height: f64::from(height) };
                (whole, whole)
            }
        };
        if let Some(photo) = photo {
            cover(context, photo, photo_area);
        }
        if layout == Layout::PhotoFull && photo.is_some() {
            set(context, "globalAlpha", 0.88);
            set(context, "fillStyle", colours.ground);
            fill(text_area.x, text_area.y, text_area.width, text_area.height);
            set(context, "globalAlpha", 1.0);
        }
        let margin = 64.0;
        let inner = Area {
            x: text_area.x + margin,
            y: text_area.y + margin * 0.75,
            width: text_area.width - 2.0 * margin,
            height: text_area.height - 1.5 * margin,
        };
        let scale = if inner.width < 600.0 { 0.78 } else { 1.0 };
        let small_px = 36.0 * scale;
        set(context, "textBaseline", "top");
        let font = |weight: u16, px: f64| set(context, "font", format!("{weight} {px}px {FAMILY}"));
        let measure = |s: &str| {
            call(context, "measureText", &[s.into()]).map(|m| get(&m, "width").as_f64().unwrap_or(0.0)).unwrap_or(0.0)
        };
        let write = |line: &str, x: f64, y: f64| {
            let _ = call(context, "fillText", &[line.into(), x.into(), y.into()]);
        };
        // Headline and price as large as fits above the storefront's two lines.
        let room = inner.height - small_px * 3.2;
        // A story's band is tall: its text starts larger.
        let largest = if size == Size::Story && scale == 1.0 { 96.0 } else { 76.0 * scale };
        let fitted = fit(&text.headline, &text.price, inner.width, room, largest, |s, px| {
            font(700, px);
            measure(s)
        });
        let mut y = inner.y;
        set(context, "fillStyle", colours.ink);
        font(700, fitted.headline_px);
        for line in &fitted.headline {
            write(line, inner.x, y);
            y += fitted.headline_px * Fitted::LINE;
        }
        // The price, in the theme's accent.
        y += fitted.price_px * Fitted::GAP;
        set(context, "fillStyle", colours.accent);
        font(700, fitted.price_px);
        for line in &fitted.price {
            write(line, inner.x, y);
            y += fitted.price_px * Fitted::LINE;
        }
        // Her storefront and its address, at the foot of the text's area.
        set(context, "fillStyle", colours.ink);
        let foot = inner.y + inner.height - small_px * 2.4;
        font(700, small_px);
        if let Some(line) = wrap(&text.storefront, inner.width, 1, measure).first() {
            write(line, inner.x, foot);
        }
        font(400, small_px);
        if let Some(line) = wrap(&text.address, inner.width, 1, measure).first() {
            write(line, inner.x, foot + small_px * 1.25);
        }
    }

    /// Draws `photo` to fill `area`, cut to its shape from the middle.
    fn cover(context: &JsValue, photo: &JsValue, area: Area) {
        let (pw, ph) = (get(photo, "width").as_f64().unwrap_or(0.0), get(photo, "height").as_f64().unwrap_or(0.0));
        if pw == 0.0 || ph == 0.0 {
            return;
        }
        let scale = (area.width / pw).max(area.height / ph);
        let (sw, sh) = (area.width / scale, area.height / scale);
        let (sx, sy) = ((pw - sw) / 2.0, (ph - sh) / 2.0);
        let numbers = [sx, sy, sw, sh, area.x, area.y, area.width, area.height].map(JsValue::from);
        let mut args = vec![photo.clone()];
        args.extend(numbers);
        let _ = call(context, "drawImage", &args);
    }

    /// Hands the card to the phone's share sheet, as the first thing the tap
    /// does; where files cannot be shared, downloads it and copies the text.
    pub fn share(
        drawn: Drawn,
        size: Size,
        post: String,
        address: String,
        problem: RwSignal<Option<Key>>,
        shared: RwSignal<bool>,
    ) {
        let Some(blob) = drawn.card(size) else {
            problem.set(Some(Key::AdsCardNotReady));
            return;
        };
        let name = format!("sawda-{}.jpg", size.name());
        let navigator: JsValue = window().navigator().into();
        let file = construct(
            "File",
            &[Array::of1(&blob).into(), name.as_str().into(), object(&[("type", "image/jpeg".into())])],
        );
        let mut data = vec![("text", JsValue::from(post.as_str()))];
        if !address.is_empty() {
            data.push(("url", address.into()));
        }
        if let Ok(file) = &file {
            data.push(("files", Array::of1(file).into()));
        }
        let data = object(&data);
        let can_share =
            file.is_ok() && call(&navigator, "canShare", std::slice::from_ref(&data)).is_ok_and(|can| can.is_truthy());
        if can_share {
            let sharing = call(&navigator, "share", &[data]);
            leptos::task::spawn_local(async move {
                // She closed the sheet (AbortError): nothing to say.
                let _ = settled(sharing).await;
            });
            return;
        }
        download(&blob, &name);
        let copied = call(&get(&navigator, "clipboard"), "writeText", &[post.into()]);
        leptos::task::spawn_local(async move {
            let _ = settled(copied).await;
            shared.set(true);
        });
    }

    fn download(blob: &web_sys::Blob, name: &str) {
        let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else { return };
        if let Ok(link) = document().create_element("a") {
            let link: JsValue = link.into();
            set(&link, "href", url.as_str());
            set(&link, "download", name);
            let _ = call(&link, "click", &[]);
        }
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every letter 10 pixels wide.
    fn measure(s: &str) -> f64 {
        s.chars().count() as f64 * 10.0
    }

    #[test]
    fn lines_fit_their_width_and_the_last_says_text_was_left() {
        assert_eq!(wrap("Qawın múrabbası Shımbaydan", 140.0, 3, measure), ["Qawın", "múrabbası", "Shımbaydan"]);
        assert_eq!(wrap("Jańa ónim bal", 100.0, 3, measure), ["Jańa ónim", "bal"]);
        let cut = wrap("bir eki úsh tórt bes altı jeti", 80.0, 2, measure);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'), "{cut:?}");
        assert!(cut.iter().all(|line| measure(line) <= 80.0), "{cut:?}");
        // A word wider than a line is broken between its letters.
        assert_eq!(wrap("Қорақалпоғистон", 50.0, 4, measure), ["Қорақ", "алпоғ", "истон"]);
        assert!(wrap("", 100.0, 3, measure).is_empty());
    }

    /// WCAG's contrast ratio of two `#rrggbb` colours.
    fn contrast(a: &str, b: &str) -> f64 {
        let luminance = |hex: &str| {
            let channel = |i: usize| {
                let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
                if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
            };
            0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
        };
        let (l1, l2) = (luminance(a), luminance(b));
        (l1.max(l2) + 0.05) / (l1.min(l2) + 0.05)
    }

    #[test]
    fn every_theme_is_readable_in_a_feed() {
        for theme in Theme::ALL {
            let c = colours(*theme);
            // Text at least as readable as the web asks of body text; the price, large and bold, as of large text.
            assert!(contrast(c.ink, c.ground) >= 7.0, "{theme:?}: text {}", contrast(c.ink, c.ground));
            assert!(contrast(c.accent, c.ground) >= 3.0, "{theme:?}: price {}", contrast(c.accent, c.ground));
        }
    }

    #[test]
    fn headline_and_price_shrink_until_they_fit_above_the_storefront() {
        // Bold letters about half as wide as they are tall.
        let measure = |s: &str, px: f64| s.chars().count() as f64 * px * 0.55;
        let short = fit("Jańa ónim", "25 000 swm", 900.0, 300.0, 76.0, measure);
        assert_eq!((short.headline_px, short.headline.len(), short.price.len()), (76.0, 1, 1));
        // The English offer of a long product name on the narrow half of a square card.
        let long =
            fit("Special offer: Qawın múrabbası from Shımbay", "25,000 so'm / jar, 1 kg", 412.0, 330.0, 60.0, measure);
        assert!(long.height() <= 330.0, "{}", long.height());
        assert!(long.headline_px < 60.0);
        assert!(long.headline.iter().chain(&long.price).all(|line| measure(line, long.headline_px) <= 412.0));
        assert!(!long.price.concat().ends_with('…'), "the price is whole: {:?}", long.price);
    }

    #[test]
    fn each_layout_keeps_photo_and_text_on_the_card() {
        for layout in Layout::ALL {
            for size in Size::ALL {
                let (w, h) = size.pixels();
                let (photo, text) = areas(*layout, size);
                for area in [photo, text] {
                    assert!(area.x >= 0.0 && area.y >= 0.0, "{layout:?} {size:?}");
                    assert!(
                        area.x + area.width <= f64::from(w) && area.y + area.height <= f64::from(h),
                        "{layout:?} {size:?}"
                    );
                    assert!(area.width >= 400.0 && area.height >= 400.0, "{layout:?} {size:?}: {area:?}");
                }
            }
        }
    }
}
