//! Records as the studio writes them, for the integration tests and the load of
//! `make cluster-check` (benches/load, by path): a complete storefront, a
//! complete product, a submission for review.

/// A complete storefront as the studio writes it.
pub fn storefront_fields(name: &str, slug: &str) -> sawda_sync::Fields {
    serde_json::from_value(serde_json::json!({
        "name": name, "slug": slug, "story": "Baked in Chimbay from my grandmother's recipe",
        "district": "chimbay", "category": "food",
        "payment": [{"method": "cash_on_delivery"}], "delivery": ["pickup"],
    }))
    .unwrap()
}

/// A complete product on `owner`'s storefront.
pub fn product_fields_of(owner: &sawda_sync::Owner, name: &str, price: u64) -> sawda_sync::Fields {
    let storefront = app::rules::records::storefront::storefront_id(owner);
    serde_json::from_value(serde_json::json!({
        "storefront": storefront.to_string(), "name": name, "description": "Sesame, flour, butter",
        "price_som": price, "unit": "box of 12", "availability": "in_stock", "position": 1.0,
        "shelf_life": "2 weeks", "storage": "dry and cool",
    }))
    .unwrap()
}

/// Asks for a review on the phone (a fresh `submitted` value), as the studio's button does.
pub fn submit(phone: &mut sawda_sync::Replica, record: sawda_sync::RecordId, now_ms: u64, nonce: u8) {
    let fields = sawda_sync::Fields::from([(
        app::rules::review::SUBMITTED.to_owned(),
        serde_json::json!(format!("submission-{now_ms}-{nonce}")),
    )]);
    phone.edit(record, fields, now_ms, [nonce; 10]).unwrap();
}
