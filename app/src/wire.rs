//! The bodies of `/api/v1` requests and answers (`docs/api.md`), written once:
//! the pages send and read these, and the server's handlers take and give
//! exactly these. The sync endpoints speak `sawda_sync::protocol` instead.

use serde::{Deserialize, Serialize};

use crate::rules::choices::choices;
use crate::rules::people::Role;

/// The cookie naming whom the session is for, readable by the page's scripts
/// (`first_screen.js` names it too): the phone shows the person it remembers
/// only if this names nobody or her.
pub const SIGNED_IN_COOKIE: &str = "sawda_who";

/// An account as the API shows it (and as this device remembers it).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct AccountView {
    pub id: String,
    pub phone: String,
    pub name: String,
    pub role: Role,
    /// An entrepreneur's district.
    pub district: Option<String>,
    /// A coordinator's districts.
    #[serde(default)]
    pub districts: Vec<String>,
}

/// Every error answer: a stable code for programs, a message in the caller's language.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Problem {
    pub code: String,
    pub message: String,
    /// For `upload_offset`: the bytes of the photo the server has, where the phone resumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<u64>,
    /// For `already_decided`: who decided, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// A form's problems field by field (sign-up): each shown beside its field, all at once.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// `POST /auth/sign-in`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SignIn {
    pub phone: String,
    pub password: String,
}

/// `POST /auth/sign-up`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SignUp {
    pub code: String,
    pub phone: String,
    pub name: String,
    pub password: String,
    #[serde(default)]
    pub gender: Option<String>,
}

/// `POST /auth/reset`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Reset {
    pub phone: String,
    pub code: String,
    pub password: String,
}

/// `POST /coordinators`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct NewCoordinator {
    pub phone: String,
    pub name: String,
    pub password: String,
    pub districts: Vec<String>,
}

/// `PUT /coordinators/{id}/districts`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Districts {
    pub districts: Vec<String>,
}

/// The answer of `POST /accounts/{id}/reset-code`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct ResetCode {
    pub code: String,
    pub valid_hours: i64,
}

/// `POST /export/tokens`: a partner system's token, named for whom it is.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct NewExportToken {
    pub name: String,
}

/// The answer of `POST /export/tokens`: the token, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct CreatedExportToken {
    pub id: String,
    pub name: String,
    pub token: String,
    pub created_at: String,
}

/// One of `GET /export/tokens` (never the token itself). Times are RFC 3339.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct ExportToken {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub created_by: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
    pub uses: i64,
}

/// `POST /invitations`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct NewWorkshop {
    pub name: String,
    pub district: String,
    /// `YYYY-MM-DD`
    pub date: String,
    pub seats: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Workshop {
    pub id: String,
    pub name: String,
    pub district: String,
    pub date: String,
    pub seats: i64,
}

choices!(
    serde
    /// Where an invitation code stands.
    InvitationState {
        Open = "open" => InvitationStateOpen,
        Used = "used" => InvitationStateUsed,
        Expired = "expired" => InvitationStateExpired,
        Revoked = "revoked" => InvitationStateRevoked,
    }
);

/// One invitation code as `GET /invitations` lists it; times in RFC 3339.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Invitation {
    pub code: String,
    pub workshop_id: String,
    pub workshop_name: String,
    pub workshop_date: String,
    pub district: String,
    pub expires_at: String,
    pub used_at: Option<String>,
    pub revoked_at: Option<String>,
    pub state: InvitationState,
}

/// The answer of `POST /invitations`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct CreatedWorkshop {
    pub workshop: Workshop,
    pub invitations: Vec<Invitation>,
}

/// `POST /photos/missing`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoHashes {
    pub hashes: Vec<String>,
}

impl PhotoHashes {
    /// At most this many hashes in one question: a phone asks about more in pieces.
    pub const MAX: usize = 100;
}

/// The answer of `POST /photos/missing`: which of the hashes the server lacks.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct MissingPhotos {
    pub missing: Vec<String>,
}

/// The query of `PUT /photos/{hash}/upload`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
pub struct UploadPiece {
    pub offset: u64,
    pub total: u64,
}

/// How much of a photo the server has (`GET`/`PUT /photos/{hash}/upload`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct UploadProgress {
    pub received: u64,
    pub done: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_states_travel_as_the_words_docs_api_md_names() {
        let account = AccountView {
            id: "a1".into(),
            phone: "+998901234567".into(),
            name: "Amina".into(),
            role: Role::Coordinator,
            district: None,
            districts: vec!["chimbay".into()],
        };
        let json = serde_json::to_value(&account).unwrap();
        assert_eq!(json["role"], "coordinator");
        assert_eq!(serde_json::from_value::<AccountView>(json).unwrap(), account);
        assert_eq!(serde_json::to_value(InvitationState::Revoked).unwrap(), "revoked");
        let problem: Problem = serde_json::from_str(r#"{"code":"upload_offset","message":"m","received":5}"#).unwrap();
        assert_eq!(problem.received, Some(5));
        assert!(serde_json::from_str::<AccountView>(r#"{"id":"a","phone":"p","name":"n","role":"king"}"#).is_err());
    }

    /// The words stored in the database and sent on the wire, each the
    /// choice's id: they never change with the code.
    #[test]
    fn every_choice_travels_as_its_stored_word() {
        use crate::rules::people::District;
        use crate::rules::review::ReviewState;
        fn words<T: Serialize>(all: &[T], id: fn(&T) -> &'static str) -> Vec<&'static str> {
            all.iter()
                .map(|choice| {
                    assert_eq!(serde_json::to_value(choice).unwrap(), id(choice));
                    id(choice)
                })
                .collect()
        }
        assert_eq!(words(Role::ALL, |r| r.id()), ["entrepreneur", "coordinator", "admin"]);
        assert_eq!(
            words(ReviewState::ALL, |s| s.id()),
            ["draft", "submitted", "approved", "changes_requested", "withdrawn"]
        );
        assert_eq!(words(InvitationState::ALL, |s| s.id()), ["open", "used", "expired", "revoked"]);
        assert_eq!(words(District::ALL, |d| d.id())[11..13], ["nukus", "nukus_city"]);
        assert_eq!(District::ALL.len(), 17);
        assert_eq!(
            serde_json::from_value::<ReviewState>("changes_requested".into()).unwrap(),
            ReviewState::ChangesRequested
        );
        assert_eq!(ReviewState::default(), ReviewState::Draft);
    }
}

/// `GET /review/queue`: submitted items waiting, oldest first.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct ReviewQueue {
    pub items: Vec<QueuedItem>,
    /// All waiting that match the filters, and per district (within what she may see).
    pub total: u64,
    pub by_district: Vec<DistrictCount>,
    /// The `after` of the next page, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct DistrictCount {
    pub district: Option<String>,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct QueuedItem {
    pub owner: String,
    pub record: String,
    pub kind: String,
    pub name: String,
    pub owner_name: String,
    pub district: Option<String>,
    pub category: Option<String>,
    pub revision: u32,
    pub submitted_at: String,
}

/// `GET /review/items/{owner}/{record}`: what a coordinator decides on.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct ReviewItemView {
    pub owner: String,
    pub record: String,
    pub kind: String,
    pub name: String,
    pub owner_name: String,
    pub district: Option<String>,
    pub category: Option<String>,
    pub review: crate::rules::review::Review,
    /// The revision submitted (what buyers would see once approved).
    pub submitted: std::collections::BTreeMap<String, serde_json::Value>,
    /// What changed since the last approved revision (all of it when none was).
    pub changes: Vec<FieldChange>,
    /// The storefront of a product, as submitted or approved, for the preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storefront: Option<std::collections::BTreeMap<String, serde_json::Value>>,
    /// A storefront's products, in her order, with where each one's review stands.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<StorefrontProduct>,
    /// Her ads whose public pages are up: all of hers on a storefront, the
    /// product's own on a product. Published without review; the desk may take one down.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ads: Vec<DeskAd>,
    pub log: Vec<ReviewEvent>,
}

/// One of her ads with a public page (`/a/{record}`), as the desk lists it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct DeskAd {
    pub record: String,
    pub headline: String,
}

/// One product of a storefront the desk shows.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct StorefrontProduct {
    pub record: String,
    pub state: crate::rules::review::ReviewState,
    /// What she wrote (what buyers would see once approved).
    pub content: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct FieldChange {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<serde_json::Value>,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct ReviewEvent {
    pub action: String,
    pub revision: u32,
    pub by_name: String,
    pub at: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklist: Vec<crate::rules::review::Check>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub comments: std::collections::BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `POST /review/items/{owner}/{record}/decision`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct DecisionRequest {
    /// The revision she read: a newer submission is not decided unseen.
    pub revision: u32,
    pub decision: crate::rules::review::Decision,
    pub checklist: Vec<crate::rules::review::Check>,
    #[serde(default)]
    pub comments: std::collections::BTreeMap<String, String>,
}

/// `POST /review/items/{owner}/{record}/withdraw`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct WithdrawRequest {
    pub reason: String,
}

/// Days of views the studio shows.
pub const VIEW_DAYS_SHOWN: u32 = 14;

/// `GET /studio/views`: views of her public pages by day (newest first, days
/// with views only) and per page (`storefront`, or a product's record id).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct PageViews {
    pub days: Vec<DayViews>,
    pub pages: Vec<(String, u64)>,
    pub days_shown: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct DayViews {
    /// `2026-12-03`, in UTC.
    pub day: String,
    pub storefront: u64,
    pub products: u64,
}
