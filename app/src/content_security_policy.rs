//! The Content-Security-Policy of every response. Pages carry a fresh nonce so
//! that the one inline script Leptos needs (the hydration loader) may run and
//! nothing injected may; `'wasm-unsafe-eval'` lets the browser compile the wasm.

pub fn content_security_policy(script_nonce: Option<&str>) -> String {
    let scripts = match script_nonce {
        Some(nonce) => format!("script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'"),
        None => "script-src 'self' 'wasm-unsafe-eval'".to_string(),
    };
    [
        "default-src 'self'",
        &scripts,
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_is_allowed_and_framing_is_not() {
        let policy = content_security_policy(Some("abc"));
        assert!(policy.contains("'nonce-abc'"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!content_security_policy(None).contains("nonce"));
        assert!(!policy.contains("unsafe-inline"));
    }
}
