//! The feed as CSV for spreadsheet programs (`docs/export.md`, "CSV"):
//! UTF-8 with a byte-order mark, every field quoted, CRLF, and no field a
//! spreadsheet would run as a formula.

use super::feed::{Item, VERSION};

pub const COLUMNS: [&str; 26] = [
    "version",
    "id",
    "status",
    "changed_at",
    "approved_at",
    "url",
    "storefront_address",
    "storefront_name",
    "storefront_url",
    "district",
    "category",
    "telegram",
    "whatsapp",
    "instagram",
    "name",
    "description",
    "name_en",
    "description_en",
    "price_som",
    "price_usd",
    "unit",
    "shelf_life",
    "storage",
    "handmade",
    "availability",
    "photos",
];

/// The whole file: the header row, then one row per item.
pub fn document(items: &[Item]) -> String {
    let mut out = String::from("\u{feff}");
    line(&mut out, COLUMNS.iter().map(|c| (*c).to_owned()));
    for item in items {
        line(&mut out, row(item).into_iter());
    }
    out
}

fn row(item: &Item) -> Vec<String> {
    let time = |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    match item {
        Item::Withdrawn { id, changed_at } => {
            let mut row = vec![VERSION.to_string(), id.clone(), "withdrawn".into(), time(changed_at)];
            row.resize(COLUMNS.len(), String::new());
            row
        }
        Item::Approved(p) => vec![
            VERSION.to_string(),
            p.id.clone(),
            "approved".into(),
            time(&p.changed_at),
            time(&p.approved_at),
            p.url.clone(),
            p.storefront.address.clone(),
            p.storefront.name.clone(),
            p.storefront.url.clone(),
            p.district.clone(),
            p.category.clone(),
            text(&p.storefront.telegram),
            text(&p.storefront.whatsapp),
            text(&p.storefront.instagram),
            p.name.clone(),
            text(&p.description),
            text(&p.name_en),
            text(&p.description_en),
            p.price_som.to_string(),
            text(&p.price_usd),
            p.unit.clone(),
            text(&p.shelf_life),
            text(&p.storage),
            p.handmade.to_string(),
            p.availability.clone(),
            p.photos.join(" "),
        ],
    }
}

/// One row, its fields made safe by [`field_text`], CRLF at its end.
pub fn line(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&field_text(&field));
    }
    out.push_str("\r\n");
}

/// One field, quoted, with its quotes doubled; a field a spreadsheet would
/// read as a formula (OWASP's list: `=`, `+`, `-`, `@`, tab, carriage
/// return) gets a `'` first, which spreadsheets show as text.
pub fn field_text(field: &str) -> String {
    let formula = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let mut quoted = String::with_capacity(field.len() + 4);
    quoted.push('"');
    if formula {
        quoted.push('\'');
    }
    quoted.push_str(&field.replace('"', "\"\""));
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::field_text;

    #[test]
    fn commas_quotes_newlines_and_formulas_stay_text() {
        assert_eq!(field_text("Jam, melon"), r#""Jam, melon""#);
        assert_eq!(field_text(r#"The "best" jam"#), r#""The ""best"" jam""#);
        assert_eq!(field_text("two\nlines"), "\"two\nlines\"");
        for formula in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(field_text(formula), format!("\"'{}\"", formula.replace('"', "\"\"")), "{formula}");
        }
        assert_eq!(field_text(""), r#""""#);
        assert_eq!(field_text("35000"), r#""35000""#);
    }
}
