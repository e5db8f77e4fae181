//! The fields of each kind of record and their rules, one file per kind, in
//! one place for the phone and the server: the studio checks an edit before it
//! saves it, and the server checks every pushed edit again (a phone may run an
//! old or a broken app). The dispatch on the kind is here, and only here.

pub mod ad_post;
pub mod field;
pub mod order_request;
pub mod product;
pub mod slug;
pub mod storefront;

use sawda_sync::{Fields, Kind, RejectCode, Rejection};

use crate::i18n::Key;
use crate::rules::people::Role;
use crate::rules::problem::FieldProblem;
use field::FieldSpec;

/// The fields of a kind; `None` for a kind whose rules come with its feature
/// (review comments).
pub fn fields_of(kind: Kind) -> Option<&'static [FieldSpec]> {
    match kind {
        Kind::Storefront => Some(&storefront::FIELDS),
        Kind::Product => Some(&product::FIELDS),
        Kind::AdPost => Some(&ad_post::FIELDS),
        Kind::OrderRequest => Some(&order_request::FIELDS),
        Kind::ReviewComment => None,
    }
}

/// The spec of a field of a kind, if the kind has rules and the field.
pub fn spec_of(kind: Kind, name: &str) -> Option<&'static FieldSpec> {
    field::find(fields_of(kind)?, name)
}

/// What her forms call a field of a kind, if it has a label.
pub fn label_of(kind: Kind, name: &str) -> Option<Key> {
    spec_of(kind, name)?.label
}

/// Checks every field an edit sets; the first problem, with its field.
pub fn check_fields(kind: Kind, fields: &Fields) -> Result<(), (String, FieldProblem)> {
    let Some(specs) = fields_of(kind) else { return Ok(()) };
    for (name, value) in fields {
        field::check_in(specs, name, value).map_err(|problem| (name.clone(), problem))?;
    }
    Ok(())
}

/// The app's rules as the sync protocol's push core asks for them, for a
/// push by someone of `role`: only entrepreneurs keep storefronts, products,
/// ad posts and order requests (coordinators and admins review the first two;
/// order requests are made by the server when a buyer sends one, and her
/// phones only move them on), and a product or an ad goes on its owner's own
/// storefront.
#[derive(Clone, Copy, Debug)]
pub struct SawdaRules {
    pub role: Role,
}

impl SawdaRules {
    pub const ENTREPRENEUR: SawdaRules = SawdaRules { role: Role::Entrepreneur };
}

/// The kinds each role's phones write.
fn writes(role: Role, kind: Kind) -> bool {
    match kind {
        Kind::Storefront | Kind::Product | Kind::AdPost | Kind::OrderRequest => role == Role::Entrepreneur,
        Kind::ReviewComment => false,
    }
}

impl sawda_sync::server::Rules for SawdaRules {
    fn check_field(
        &self,
        owner: &sawda_sync::Owner,
        kind: Kind,
        name: &str,
        value: &serde_json::Value,
    ) -> Result<(), Rejection> {
        let Some(specs) = fields_of(kind) else { return Ok(()) };
        field::check_in(specs, name, value).map_err(|problem| rejection(name, problem))?;
        let on_storefront = (kind == Kind::Product && name == product::STOREFRONT)
            || (kind == Kind::AdPost && name == ad_post::STOREFRONT);
        if on_storefront {
            let hers = storefront::storefront_id(owner).to_string();
            if value.as_str() != Some(hers.as_str()) {
                return Err(Rejection::new(
                    RejectCode::NotOwner,
                    format!("{name}: {kind} records go on their owner's storefront"),
                ));
            }
        }
        Ok(())
    }

    fn unique_field(&self, kind: Kind) -> Option<&'static str> {
        (kind == Kind::Storefront).then_some(storefront::SLUG)
    }

    fn fixed_id(&self, kind: Kind, owner: &sawda_sync::Owner) -> Option<sawda_sync::RecordId> {
        (kind == Kind::Storefront).then(|| storefront::storefront_id(owner))
    }

    fn writable(&self, kind: Kind) -> bool {
        fields_of(kind).is_some() && writes(self.role, kind)
    }

    fn check_given_back(
        &self,
        _owner: &sawda_sync::Owner,
        kind: Kind,
        fields: &Fields,
        making: bool,
    ) -> Result<(), Rejection> {
        match kind {
            Kind::OrderRequest => {
                order_request::check_given_back(fields, making).map_err(|(name, problem)| rejection(&name, problem))
            }
            _ => Err(Rejection::new(RejectCode::ServerField, format!("{kind} records are not made by the server"))),
        }
    }
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
        assert_eq!(
            check_fields(Kind::AdPost, &fields(&[("headline", json!("New")), ("price_som", json!(1))])),
            Err(("price_som".into(), FieldProblem::UnknownField))
        );
        assert_eq!(check_fields(Kind::ReviewComment, &fields(&[("anything", json!(1))])), Ok(()));
        let refused = rejection("price_som", FieldProblem::WholeNumber);
        assert_eq!(refused.code, RejectCode::InvalidValue);
        assert!(refused.message.starts_with("price_som: "), "{}", refused.message);
        assert_eq!(rejection("slug", FieldProblem::SlugTaken).code, RejectCode::Taken);
    }

    #[test]
    fn every_field_her_forms_show_has_its_label_in_the_table() {
        let unlabelled = |kind| {
            fields_of(kind)
                .unwrap()
                .iter()
                .filter(|spec| spec.label.is_none())
                .map(|spec| spec.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(unlabelled(Kind::Storefront), ["submitted"]);
        assert_eq!(unlabelled(Kind::Product), ["storefront", "position", "submitted"]);
        assert_eq!(unlabelled(Kind::OrderRequest), ["status"]);
        assert_eq!(unlabelled(Kind::AdPost), ["storefront", "card_photo"]);
        assert_eq!(label_of(Kind::Storefront, storefront::COVER_PHOTO), Some(Key::PhotosCover));
        assert_eq!(label_of(Kind::Product, "colour"), None);
    }

    #[test]
    fn the_push_core_asks_these_rules_field_by_field() {
        use sawda_sync::server::Rules;
        let owner: sawda_sync::Owner = "user:amina".parse().unwrap();
        let rules = SawdaRules::ENTREPRENEUR;
        assert!(rules.check_field(&owner, Kind::Product, "price_som", &json!(8_000)).is_ok());
        let refused = rules.check_field(&owner, Kind::Product, "price_som", &json!(2.5)).unwrap_err();
        assert_eq!(refused.code, RejectCode::InvalidValue);
        assert!(rules.check_field(&owner, Kind::Storefront, "colour", &json!("red")).is_err());
        assert!(rules.writable(Kind::Product));
        assert!(rules.writable(Kind::AdPost), "hers to make and publish");
        assert!(rules.writable(Kind::OrderRequest), "she moves her orders on");
        assert!(Kind::OrderRequest.made_by_server() && !Kind::Product.made_by_server());
        assert!(!rules.writable(Kind::ReviewComment), "no rules yet, so no writes");
        assert_eq!(rules.unique_field(Kind::Storefront), Some("slug"));
        assert_eq!(rules.unique_field(Kind::Product), None);
        assert_eq!(rules.fixed_id(Kind::Storefront, &owner), Some(storefront::storefront_id(&owner)));
        assert_eq!(rules.fixed_id(Kind::Product, &owner), None);
    }

    #[test]
    fn a_product_goes_on_its_owners_storefront_only() {
        // Review finding L2: a product could name anyone's storefront.
        use sawda_sync::server::Rules;
        let (amina, bahadir): (sawda_sync::Owner, sawda_sync::Owner) =
            ("user:amina".parse().unwrap(), "user:bahadir".parse().unwrap());
        let rules = SawdaRules::ENTREPRENEUR;
        let hers = json!(storefront::storefront_id(&amina).to_string());
        assert!(rules.check_field(&amina, Kind::Product, product::STOREFRONT, &hers).is_ok());
        let refused = rules.check_field(&bahadir, Kind::Product, product::STOREFRONT, &hers).unwrap_err();
        assert_eq!(refused.code, RejectCode::NotOwner);
        let any = json!("01J1W7EGG0248H248H248H248H");
        assert_eq!(
            rules.check_field(&amina, Kind::Product, product::STOREFRONT, &any).unwrap_err().code,
            RejectCode::NotOwner
        );
    }

    #[test]
    fn an_ad_is_made_from_its_owners_storefront_only() {
        use sawda_sync::server::Rules;
        let (amina, bahadir): (sawda_sync::Owner, sawda_sync::Owner) =
            ("user:amina".parse().unwrap(), "user:bahadir".parse().unwrap());
        let rules = SawdaRules::ENTREPRENEUR;
        let hers = json!(storefront::storefront_id(&amina).to_string());
        assert!(rules.check_field(&amina, Kind::AdPost, ad_post::STOREFRONT, &hers).is_ok());
        let refused = rules.check_field(&bahadir, Kind::AdPost, ad_post::STOREFRONT, &hers).unwrap_err();
        assert_eq!(refused.code, RejectCode::NotOwner);
        assert!(refused.message.contains("ad_post"), "{}", refused.message);
        let refused = rules.check_field(&amina, Kind::AdPost, ad_post::HASHTAGS, &json!(["#sale"])).unwrap_err();
        assert_eq!(refused.code, RejectCode::InvalidValue);
        assert!(refused.message.starts_with("hashtags: "), "{}", refused.message);
    }

    #[test]
    fn only_entrepreneurs_write_storefronts_and_products() {
        // Review finding L2: every role could write every kind.
        use sawda_sync::server::Rules;
        for role in [Role::Coordinator, Role::Admin] {
            let rules = SawdaRules { role };
            for kind in [Kind::Storefront, Kind::Product, Kind::AdPost, Kind::OrderRequest, Kind::ReviewComment] {
                assert!(!rules.writable(kind), "{role:?} {kind}");
            }
        }
    }
}
