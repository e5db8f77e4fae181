//! The app's pages (`app::shell`) as leptos_axum draws them, written as
//! valid HTML that browsers read exactly as before. Leptos 0.8 writes the
//! page's CSP nonce into the `crossorigin` attribute of the bundle's preload
//! links (`HydrationScripts`, and the lazy pages' chunks); leptos_axum sends
//! the hydration data as `<script>`s after `</html>`; and tachys marks where
//! text nodes meet with `<!>`, a malformed comment. Browsers read an unknown
//! `crossorigin` as the empty one (`anonymous`), put those scripts at the
//! end of the body, and read `<!>` as the empty comment `<!---->`, which
//! hydration finds in its place: written so, the DOM is the same and the
//! W3C checker passes the page (`scripts/check-html.sh`).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use leptos::config::LeptosOptions;

/// The app drawn for `request`, with `context` provided to it.
pub async fn draw(
    options: LeptosOptions,
    request: Request,
    context: impl Fn() + Clone + Send + Sync + 'static,
) -> Response {
    let render = leptos_axum::render_app_to_stream_with_context(context, move || app::shell(options.clone()));
    let (mut parts, body) = render(request).await.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        tracing::error!("an app page could not be drawn");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let nonce = parts
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|policy| policy.to_str().ok())
        .and_then(nonce_in)
        .map(str::to_owned);
    let page = valid(&String::from_utf8_lossy(&bytes), nonce.as_deref());
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(page))
}

/// The nonce a policy allows scripts by (`'nonce-…'`).
fn nonce_in(policy: &str) -> Option<&str> {
    let start = policy.find("'nonce-")? + "'nonce-".len();
    policy[start..].split('\'').next()
}

/// `page` as browsers read it (see the module's comment). Scripts' text is
/// not markup and is kept as it is.
fn valid(page: &str, nonce: Option<&str>) -> String {
    const END: &str = "</body></html>";
    let (document, after) = match page.rfind(END) {
        Some(end) => (&page[..end], Some(&page[end + END.len()..])),
        None => (page, None),
    };
    let mut valid = String::with_capacity(page.len() + 64);
    let mut rest = document;
    while let Some(start) = rest.find("<script") {
        let end = rest[start..].find("</script>").map_or(rest.len(), |at| start + at + "</script>".len());
        valid.push_str(&markup(&rest[..start], nonce));
        valid.push_str(&rest[start..end]);
        rest = &rest[end..];
    }
    valid.push_str(&markup(rest, nonce));
    if let Some(after) = after {
        valid.push_str(after);
        valid.push_str(END);
    }
    valid
}

fn markup(html: &str, nonce: Option<&str>) -> String {
    let html = html.replace("<!>", "<!---->");
    match nonce {
        Some(nonce) => html.replace(&format!(r#" crossorigin="{nonce}""#), r#" crossorigin="""#),
        None => html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_written_as_browsers_read_it() {
        let drawn = concat!(
            r#"<!DOCTYPE html><html><head><link rel="modulepreload" href="/pkg/sawda.js" crossorigin="n0Nce">"#,
            r#"<script type="module" nonce="n0Nce">go("<!>")</script></head><body><p>a<!>b</p></body></html>"#,
            r#"<script nonce="n0Nce">__RESOLVED_RESOURCES=[];</script>"#
        );
        let policy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-n0Nce'; img-src 'self'";
        assert_eq!(
            valid(drawn, nonce_in(policy)),
            concat!(
                r#"<!DOCTYPE html><html><head><link rel="modulepreload" href="/pkg/sawda.js" crossorigin="">"#,
                r#"<script type="module" nonce="n0Nce">go("<!>")</script></head><body><p>a<!---->b</p>"#,
                r#"<script nonce="n0Nce">__RESOLVED_RESOURCES=[];</script></body></html>"#
            )
        );
        let plain = "<!DOCTYPE html><html><head></head><body><p>x</p></body></html>";
        assert_eq!(valid(plain, None), plain, "a valid page stays as it is");
    }
}
