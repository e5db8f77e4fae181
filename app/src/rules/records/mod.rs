//! The rules of each kind of record's fields, in one place for the phone and
//! the server: the studio checks an edit before it saves it, and the server
//! checks every pushed edit again (a phone may run an old or a broken app).

pub mod product;
pub mod slug;
pub mod storefront;

use sawda_sync::{Fields, Kind, RejectCode, Rejection};

use crate::rules::problem::FieldProblem;

/// Checks every field an edit sets; the first problem, with its field.
pub fn check_fields(kind: Kind, fields: &Fields) -> Result<(), (String, FieldProblem)> {
    for (field, value) in fields {
        let checked = match kind {
            Kind::Storefront => storefront::check_field(field, value),
            Kind::Product => product::check_field(field, value),
            // Ad posts, order requests and review comments get their rules with their features.
            _ => Ok(()),
        };
        checked.map_err(|problem| (field.clone(), problem))?;
    }
    Ok(())
}

/// The server's answer to an edit that breaks the rules.
pub fn rejection(field: &str, problem: FieldProblem) -> Rejection {
    let code = if problem == FieldProblem::SlugTaken { RejectCode::Taken } else { RejectCode::InvalidValue };
    Rejection::new(code, format!("{field}: {}", problem.describe()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(pairs: &[(&str, serde_json::Value)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn each_kind_has_its_rules() {
        assert_eq!(check_fields(Kind::Storefront, &fields(&[("name", json!("Aral honey"))])), Ok(()));
        assert_eq!(
            check_fields(Kind::Storefront, &fields(&[("name", json!("Aral")), ("price_som", json!(1))])),
            Err(("price_som".into(), FieldProblem::UnknownField))
        );
        assert_eq!(
            check_fields(Kind::Product, &fields(&[("price_som", json!(2.5))])),
            Err(("price_som".into(), FieldProblem::WholeNumber))
        );
        assert_eq!(check_fields(Kind::AdPost, &fields(&[("anything", json!(1))])), Ok(()));
        let refused = rejection("price_som", FieldProblem::WholeNumber);
        assert_eq!(refused.code, RejectCode::InvalidValue);
        assert!(refused.message.starts_with("price_som: "), "{}", refused.message);
        assert_eq!(rejection("slug", FieldProblem::SlugTaken).code, RejectCode::Taken);
    }
}
