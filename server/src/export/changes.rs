//! The feed's rows (`export_change`, migration 0021): one per product ever
//! approved, at the position of its last change. Each change to what the
//! feed shows of a product writes its row in the change's own transaction
//! (`approved::write`), so the row and the change commit together.

/// SurrealQL that moves the product `record` (an expression) of `$owner` to
/// the feed's end, at `$at` (the transaction's `time::now()`). Its position
/// is the clock in nanoseconds (19 digits: text order is time order) and the
/// product's export id (`id_of`), so two changes at one instant still differ.
pub fn stamp(record: &str) -> String {
    format!(
        "LET $export_id = crypto::sha256(string::concat($owner, '/', {record}));
         UPSERT type::record('export_change', [$owner, {record}]) CONTENT {{
             owner: $owner, record: {record}, changed_at: $at,
             position: string::concat(<string> time::nano($at), '|', $export_id)
         }} RETURN NONE;"
    )
}

/// SurrealQL that moves every approved product of `$owner` to the feed's end:
/// her storefront's name, address, district or contacts changed, or it was
/// taken off (her products go with it) or approved again.
pub fn stamp_hers() -> String {
    format!(
        "FOR $export_record IN (SELECT VALUE record::id(id)[1] FROM approved_product WHERE owner = $owner) {{
             {}
         }};",
        stamp("$export_record")
    )
}

/// A product's id in the feed: stable for its whole life, and naming neither
/// her account nor anything else about her.
pub fn id_of(owner: &str, record: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(format!("{owner}/{record}").as_bytes()))
}
