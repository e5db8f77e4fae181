//! The OVOP review of a storefront or a product, as the phone and the server
//! both read it: its states and transitions, the checklist, which fields go
//! public without review, and what an edit does to a reviewed item.
//!
//! The state is the server's: it lives in the record's server field
//! [`REVIEW`] (phones cannot set it), so the studio shows it offline. She
//! asks for a review by writing a fresh value into [`SUBMITTED`], an ordinary
//! field that syncs when it can; the server stamps the submission when the
//! push arrives (`server/src/review/`).

use std::collections::BTreeMap;

use sawda_sync::{Kind, Record};
use serde::{Deserialize, Serialize};

use super::choices::choices;
use super::records::{fields_of, product};

/// The server field holding a [`Review`].
pub const REVIEW: &str = "review";
/// The field she writes a fresh value into to submit what she has now.
pub const SUBMITTED: &str = "submitted";

/// Longest comment on a checklist point or a field, and reason for a withdrawal.
pub const MAX_COMMENT_CHARS: usize = 500;

/// Fields that go public at once, without review, on an item buyers can
/// already see: what changes from day to day and says nothing new about
/// the product. Everything else waits for a coordinator.
pub fn goes_public_without_review(kind: Kind, field: &str) -> bool {
    kind == Kind::Product
        && [product::PRICE_SOM, product::PRICE_USD_CENTS, product::AVAILABILITY, product::STOCK, product::POSITION]
            .contains(&field)
}

/// Whether a field is content a coordinator reviews.
pub fn is_reviewed(kind: Kind, field: &str) -> bool {
    // A product's storefront is always her own (the server's rule): nothing to judge.
    let link = kind == Kind::Product && field == product::STOREFRONT;
    !link
        && field != SUBMITTED
        && !kind.is_server_field(field)
        && !goes_public_without_review(kind, field)
        && fields_of(kind).is_some_and(|specs| specs.iter().any(|spec| spec.name == field))
}

/// Kinds that go through review.
pub fn is_reviewed_kind(kind: Kind) -> bool {
    matches!(kind, Kind::Storefront | Kind::Product)
}

/// What a record of `kind` not made yet lacks: every field its rules require.
pub fn required(kind: Kind) -> Vec<&'static str> {
    fields_of(kind).map_or_else(Vec::new, |specs| {
        specs.iter().filter(|spec| !spec.optional && spec.name != SUBMITTED).map(|spec| spec.name).collect()
    })
}

/// What the kind's rules require that the record lacks, in the order of its
/// form: a submission is taken only when nothing is missing (a blank
/// storefront must not reach the desk). A field is missing when it is unset,
/// blank, an empty list, or holds what the rules no longer allow.
pub fn missing(record: &Record) -> Vec<&'static str> {
    let kind = record.kind();
    let Some(specs) = fields_of(kind) else { return Vec::new() };
    specs
        .iter()
        .filter(|spec| !spec.optional && spec.name != SUBMITTED)
        .filter(|spec| {
            let value = record.get(spec.name).unwrap_or(&serde_json::Value::Null);
            let blank = match value {
                serde_json::Value::Null => true,
                serde_json::Value::String(text) => text.trim().is_empty(),
                serde_json::Value::Array(items) => items.is_empty(),
                _ => false,
            };
            blank || spec.check(value).is_err()
        })
        .map(|spec| spec.name)
        .collect()
}

choices!(
    serde
    /// Where a storefront or a product stands in the review.
    #[derive(Default)]
    ReviewState {
        /// Never submitted, or changed since it was approved or submitted.
        #[default]
        Draft = "draft" => ReviewStateDraft,
        Submitted = "submitted" => ReviewStateSubmitted,
        Approved = "approved" => ReviewStateApproved,
        ChangesRequested = "changes_requested" => ReviewStateChangesRequested,
        /// Taken off the public side by a coordinator.
        Withdrawn = "withdrawn" => ReviewStateWithdrawn,
    }
);

choices!(
    /// The OVOP checklist, point by point.
    CheckPoint {
        Origin = "origin" => CheckOrigin,
        Photos = "photos" => CheckPhotos,
        Description = "description" => CheckDescription,
        Price = "price" => CheckPrice,
        Packaging = "packaging" => CheckPackaging,
        FoodSafety = "food_safety" => CheckFoodSafety,
    }
);

/// One point of the checklist as a coordinator marked it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub point: String,
    pub pass: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

/// What the phone reads in the [`REVIEW`] server field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Review {
    pub state: ReviewState,
    /// Submissions so far; the one being reviewed, or last decided.
    pub revision: u32,
    /// The revision buyers see, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_revision: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// The coordinator's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklist: Vec<Check>,
    /// Comments per field, by field name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub comments: BTreeMap<String, String>,
    /// Why it was withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The [`SUBMITTED`] value the server took in last: a phone whose value
    /// differs has a submission still on its way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission: Option<String>,
    /// When deleting it took it off the public side and out of the desk's
    /// queue. Brought back by a later edit, it is a draft to submit again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpublished: Option<String>,
    /// The fields her last submission lacked, so the server did not take it
    /// (a phone with an old app, or one that never checked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// A mark of the approved revision's reviewed content ([`content_mark`]):
    /// an edit that brings her content back to it is approved again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_content: Option<String>,
}

impl Review {
    /// Whether she asked for a review on this phone that the server has not
    /// taken in yet (it syncs when there is a signal).
    pub fn submission_on_its_way(&self, record: &Record) -> bool {
        record.get(SUBMITTED).and_then(|v| v.as_str()).is_some_and(|mine| self.submission.as_deref() != Some(mine))
    }

    /// Feedback she should read: changes asked for, or a withdrawal.
    pub fn needs_her(&self) -> bool {
        matches!(self.state, ReviewState::ChangesRequested | ReviewState::Withdrawn)
    }

    /// The review a record carries (a draft when it has none yet).
    pub fn of(record: &Record) -> Review {
        record.get(REVIEW).and_then(|value| serde_json::from_value(value.clone()).ok()).unwrap_or_default()
    }

    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a review serialises")
    }
}

/// What a coordinator reviews and buyers would see: every field she wrote,
/// without the server's fields, the submission mark and cleared fields.
pub fn content(record: &Record) -> BTreeMap<String, serde_json::Value> {
    record
        .fields()
        .iter()
        .filter(|(name, field)| {
            !record.kind().is_server_field(name) && name.as_str() != SUBMITTED && !field.value.is_null()
        })
        .map(|(name, field)| (name.clone(), field.value.clone()))
        .collect()
}

/// What a push changed about an item, as the review sees it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Edited {
    /// She asked for a review (a fresh [`SUBMITTED`] value).
    pub submitted: bool,
    /// That value.
    pub submission: Option<String>,
    /// Content a coordinator reviews changed.
    pub reviewed_fields: bool,
    /// Fields that go public at once changed.
    pub public_fields: Vec<String>,
    pub deleted: bool,
    /// Deleted before, live again: an edit newer than the deletion brought it back.
    pub revived: bool,
    /// Its reviewed content is the approved revision's (the server compares
    /// marks, [`Review::approved_content`]): she typed the old text back.
    pub as_approved: bool,
}

/// Compares a record before and after a push.
pub fn edited(before: Option<&Record>, after: &Record) -> Edited {
    let kind = after.kind();
    let value = |record: Option<&Record>, field: &str| record.and_then(|r| r.get(field)).cloned();
    let mut names: Vec<&str> = after.fields().keys().map(String::as_str).collect();
    if let Some(before) = before {
        names.extend(before.fields().keys().map(String::as_str));
    }
    names.sort_unstable();
    names.dedup();
    let changed: Vec<&str> = names.into_iter().filter(|name| value(before, name) != value(Some(after), name)).collect();
    Edited {
        submitted: changed.contains(&SUBMITTED) && after.get(SUBMITTED).is_some_and(|v| !v.is_null()),
        submission: after.get(SUBMITTED).and_then(|v| v.as_str()).map(str::to_owned),
        reviewed_fields: changed.iter().any(|name| is_reviewed(kind, name)),
        public_fields: changed
            .iter()
            .filter(|name| goes_public_without_review(kind, name))
            .map(|name| (*name).to_owned())
            .collect(),
        deleted: after.is_deleted() && !before.is_some_and(Record::is_deleted),
        revived: !after.is_deleted() && before.is_some_and(Record::is_deleted),
        as_approved: false,
    }
}

/// The reviewed fields of some content as one canonical text (keys sorted,
/// no spaces): what [`Review::approved_content`] marks.
pub fn reviewed_text(kind: Kind, content: &BTreeMap<String, serde_json::Value>) -> String {
    let reviewed: BTreeMap<&String, &serde_json::Value> =
        content.iter().filter(|(name, value)| is_reviewed(kind, name) && !value.is_null()).collect();
    serde_json::to_string(&reviewed).expect("JSON")
}

/// The review of an item she deleted: nothing of it is public any more and
/// the desk no longer has it, so it must not say "buyers can see it" or
/// "waiting for a coordinator". Brought back, it is a draft she submits
/// again (nothing goes public without her asking: she deleted it on
/// purpose). `None`: it claimed neither, nothing changes.
pub fn unpublished(review: &Review, now: &str) -> Option<Review> {
    let claims =
        matches!(review.state, ReviewState::Submitted | ReviewState::Approved) || review.public_revision.is_some();
    claims.then(|| Review {
        state: ReviewState::Draft,
        public_revision: None,
        unpublished: Some(now.to_owned()),
        ..review.clone()
    })
}

/// The review after her push: a submission makes a new revision to review;
/// other changes to reviewed content of an item under review or approved
/// make it a draft again (buyers keep seeing the last approved revision).
/// `None`: the review does not change.
pub fn after_push(review: &Review, edited: &Edited, now: &str) -> Option<Review> {
    // Back to what buyers see: approved again, with nothing to review.
    if edited.as_approved && review.public_revision.is_some() && (edited.submitted || edited.reviewed_fields) {
        let submission = if edited.submitted { edited.submission.clone() } else { review.submission.clone() };
        let next = Review { state: ReviewState::Approved, submission, missing: Vec::new(), ..review.clone() };
        return (next != *review).then_some(next);
    }
    if edited.submitted {
        return Some(Review {
            state: ReviewState::Submitted,
            revision: review.revision + 1,
            public_revision: review.public_revision,
            submitted_at: Some(now.to_owned()),
            submission: edited.submission.clone(),
            unpublished: None,
            missing: Vec::new(),
            // The last decision's feedback stays readable until the next one.
            ..review.clone()
        });
    }
    if edited.reviewed_fields && matches!(review.state, ReviewState::Submitted | ReviewState::Approved) {
        return Some(Review { state: ReviewState::Draft, ..review.clone() });
    }
    None
}

/// A coordinator's decision on a submitted revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    RequestChanges,
}

/// Why a decision or withdrawal cannot be taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Someone decided this revision already (or it changed since).
    AlreadyDecided,
    /// Not submitted: there is nothing to decide.
    NotSubmitted,
    /// Only approved items can be withdrawn.
    NotPublic,
    /// A comment too long, a checklist point unknown or missing.
    BadChecklist(String),
}

/// Checks a checklist: every point once, comments within bounds; changes
/// requested must say what (a point that needs work, or a field comment).
pub fn check_feedback(
    decision: &Decision,
    checklist: &[Check],
    comments: &BTreeMap<String, String>,
    kind: Kind,
) -> Result<(), Refused> {
    let bad = |why: &str| Err(Refused::BadChecklist(why.to_owned()));
    for point in CheckPoint::ALL {
        if checklist.iter().filter(|c| c.point == point.id()).count() != 1 {
            return bad(&format!("checklist point {} must be marked once", point.id()));
        }
    }
    if checklist.len() != CheckPoint::ALL.len() {
        return bad("unknown checklist point");
    }
    if checklist.iter().any(|c| !fits_a_comment(&c.comment)) || comments.values().any(|text| !fits_a_comment(text)) {
        return bad("a comment is too long");
    }
    if comments.keys().any(|field| !is_reviewed(kind, field)) {
        return bad("a comment names a field that is not reviewed");
    }
    if *decision == Decision::RequestChanges
        && checklist.iter().all(|c| c.pass)
        && comments.values().all(|text| text.trim().is_empty())
    {
        return bad("say what needs work: a point that needs work or a comment");
    }
    Ok(())
}

/// Whether a comment or a withdrawal reason may be kept as it is: at most
/// [`MAX_COMMENT_CHARS`], and no control character but a line break (she
/// reads it on her phone; nothing may hide or rewrite what she sees).
pub fn fits_a_comment(text: &str) -> bool {
    text.chars().count() <= MAX_COMMENT_CHARS && !text.chars().any(|c| c.is_control() && c != '\n')
}

/// The review after a coordinator's decision on `revision`.
pub fn decide(
    review: &Review,
    revision: u32,
    decision: &Decision,
    checklist: Vec<Check>,
    comments: BTreeMap<String, String>,
    by: &str,
    now: &str,
) -> Result<Review, Refused> {
    if review.revision != revision || matches!(review.state, ReviewState::Approved | ReviewState::ChangesRequested) {
        return Err(Refused::AlreadyDecided);
    }
    if review.state != ReviewState::Submitted {
        return Err(Refused::NotSubmitted);
    }
    let comments = comments.into_iter().filter(|(_, text)| !text.trim().is_empty()).collect();
    let approved = *decision == Decision::Approve;
    Ok(Review {
        state: if approved { ReviewState::Approved } else { ReviewState::ChangesRequested },
        revision,
        public_revision: if approved { Some(revision) } else { review.public_revision },
        submitted_at: review.submitted_at.clone(),
        decided_at: Some(now.to_owned()),
        decided_by: Some(by.to_owned()),
        checklist,
        comments,
        reason: None,
        submission: review.submission.clone(),
        unpublished: None,
        missing: Vec::new(),
        // The server marks the approved content (`server/src/review/desk.rs`).
        approved_content: if approved { None } else { review.approved_content.clone() },
    })
}

/// The review after a coordinator withdraws what buyers see.
pub fn withdraw(review: &Review, reason: &str, by: &str, now: &str) -> Result<Review, Refused> {
    if review.public_revision.is_none() {
        return Err(Refused::NotPublic);
    }
    let reason = reason.trim();
    if reason.is_empty() || !fits_a_comment(reason) {
        return Err(Refused::BadChecklist("a reason of at most 500 characters, without control characters".into()));
    }
    Ok(Review {
        state: ReviewState::Withdrawn,
        public_revision: None,
        decided_at: Some(now.to_owned()),
        decided_by: Some(by.to_owned()),
        reason: Some(reason.to_owned()),
        ..review.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sawda_sync::{DeviceId, Fields, Owner, RecordId, Stamp};
    use serde_json::json;

    fn product(fields: serde_json::Value, at: u64) -> Record {
        let mut record = Record::new(RecordId::new(1, [1; 10]), Kind::Product, "u1".parse::<Owner>().unwrap());
        let fields: Fields = serde_json::from_value(fields).unwrap();
        record.set(&fields, Stamp::new(at, 0, DeviceId::new(1, [2; 10])));
        record
    }

    fn all_pass() -> Vec<Check> {
        CheckPoint::ALL.iter().map(|p| Check { point: p.id().into(), pass: true, comment: String::new() }).collect()
    }

    #[test]
    fn every_reviewed_field_has_a_label_for_comments() {
        for kind in [Kind::Storefront, Kind::Product] {
            for spec in fields_of(kind).unwrap() {
                if is_reviewed(kind, spec.name) {
                    assert!(spec.label.is_some(), "{kind:?} {}", spec.name);
                }
            }
        }
    }

    #[test]
    fn only_price_availability_stock_and_order_skip_review() {
        let skipping: Vec<&str> =
            product::FIELDS.iter().map(|s| s.name).filter(|f| goes_public_without_review(Kind::Product, f)).collect();
        assert_eq!(skipping, ["price_som", "price_usd_cents", "availability", "stock", "position"]);
        assert!(is_reviewed(Kind::Product, "name") && is_reviewed(Kind::Storefront, "story"));
        // Her words in English are words too, reviewed before buyers or the export see them.
        assert!(is_reviewed(Kind::Product, "name_en") && is_reviewed(Kind::Product, "description_en"));
        assert!(!is_reviewed(Kind::Product, SUBMITTED) && !is_reviewed(Kind::Product, REVIEW));
        assert!(!is_reviewed(Kind::Product, "anything_else"));
    }

    #[test]
    fn an_edit_is_sorted_into_submission_reviewed_content_and_public_fields() {
        let before = product(json!({"name": "Samsa", "price_som": 5000}), 10);
        let mut after = before.clone();
        after.set(
            &serde_json::from_value(json!({"price_som": 6000})).unwrap(),
            Stamp::new(20, 0, DeviceId::new(1, [2; 10])),
        );
        assert_eq!(
            edited(Some(&before), &after),
            Edited { public_fields: vec!["price_som".into()], ..Edited::default() }
        );
        after.set(
            &serde_json::from_value(json!({"name": "Samsa!", "submitted": "n1"})).unwrap(),
            Stamp::new(30, 0, DeviceId::new(1, [2; 10])),
        );
        let e = edited(Some(&before), &after);
        assert!(e.submitted && e.reviewed_fields);
        assert!(Review::default().submission_on_its_way(&after), "on its way until the server takes it");
        let taken = after_push(&Review::default(), &e, "t").unwrap();
        assert_eq!(taken.submission.as_deref(), Some("n1"));
        assert!(!taken.submission_on_its_way(&after));
        // A brand-new record is all change.
        assert!(edited(None, &before).reviewed_fields);
    }

    /// Every state × every event: what the review becomes.
    #[test]
    fn every_transition_is_allowed_or_refused_as_the_programme_says() {
        use ReviewState::*;
        let states = [Draft, Submitted, Approved, ChangesRequested, Withdrawn];
        for state in states {
            let review =
                Review { state, revision: 3, public_revision: (state == Approved).then_some(3), ..Review::default() };
            // Submitting works from every state and makes a new revision.
            let submitted = after_push(&review, &Edited { submitted: true, ..Edited::default() }, "t").unwrap();
            assert_eq!((submitted.state, submitted.revision), (Submitted, 4), "{state:?}");
            assert_eq!(submitted.public_revision, review.public_revision, "buyers keep the last approved");
            // Editing reviewed content makes a draft of an item under review or approved.
            let edit = after_push(&review, &Edited { reviewed_fields: true, ..Edited::default() }, "t");
            match state {
                Submitted | Approved => assert_eq!(edit.unwrap().state, Draft),
                Draft | ChangesRequested | Withdrawn => assert_eq!(edit, None),
            }
            // Price changes never touch the review.
            assert_eq!(
                after_push(&review, &Edited { public_fields: vec!["price_som".into()], ..Edited::default() }, "t"),
                None
            );
            // Deciding: only a submitted revision, and only once.
            for decision in [Decision::Approve, Decision::RequestChanges] {
                let decided = decide(&review, 3, &decision, all_pass(), BTreeMap::new(), "Dilnoza", "t");
                match state {
                    Submitted => {
                        let d = decided.unwrap();
                        assert_eq!(d.decided_by.as_deref(), Some("Dilnoza"));
                        assert_eq!(d.state, if decision == Decision::Approve { Approved } else { ChangesRequested });
                        assert_eq!(d.public_revision, (decision == Decision::Approve).then_some(3));
                        assert_eq!(
                            decide(&d, 3, &decision, all_pass(), BTreeMap::new(), "Aziz", "t"),
                            Err(Refused::AlreadyDecided)
                        );
                    }
                    Approved | ChangesRequested => assert_eq!(decided, Err(Refused::AlreadyDecided)),
                    Draft | Withdrawn => assert_eq!(decided, Err(Refused::NotSubmitted)),
                }
                // A decision on an older revision than the one submitted is refused.
                assert!(decide(&review, 2, &decision, all_pass(), BTreeMap::new(), "D", "t").is_err());
            }
            // Withdrawing: only what buyers see.
            let withdrawn = withdraw(&review, "photos of another producer", "Dilnoza", "t");
            match state {
                Approved => assert_eq!(withdrawn.unwrap().public_revision, None),
                _ => assert_eq!(withdrawn, Err(Refused::NotPublic)),
            }
        }
    }

    #[test]
    fn a_withdrawal_reason_gets_the_same_text_check_as_comments() {
        let approved =
            Review { state: ReviewState::Approved, revision: 1, public_revision: Some(1), ..Review::default() };
        for bad in ["", "   ", "fake\u{7}", "\u{1b}[2Jclean", &"x".repeat(501)] {
            assert!(withdraw(&approved, bad, "D", "t").is_err(), "{bad:?}");
        }
        let kept = withdraw(&approved, " Photos of\nanother producer ", "D", "t").unwrap();
        assert_eq!(kept.reason.as_deref(), Some("Photos of\nanother producer"));
    }

    /// Deleting takes every item off the public side and out of the queue:
    /// its review then claims neither, whatever it was.
    #[test]
    fn a_deleted_item_claims_neither_public_nor_waiting() {
        use ReviewState::*;
        for state in [Draft, Submitted, Approved, ChangesRequested, Withdrawn] {
            for public_revision in [None, Some(2)] {
                let review = Review { state, revision: 3, public_revision, ..Review::default() };
                let after = unpublished(&review, "t").unwrap_or_else(|| review.clone());
                assert!(!matches!(after.state, Submitted | Approved), "{state:?}");
                assert_eq!(after.public_revision, None, "{state:?} {public_revision:?}");
                assert_eq!(after.revision, 3, "the count of submissions goes on");
                // Brought back, she can submit it and the server takes it in.
                let submitted = after_push(&after, &Edited { submitted: true, ..Edited::default() }, "t2").unwrap();
                assert_eq!((submitted.state, submitted.revision, submitted.unpublished), (Submitted, 4, None));
            }
        }
        let draft = Review::default();
        assert_eq!(unpublished(&draft, "t"), None, "nothing to say of a draft nobody saw");
    }

    #[test]
    fn an_edit_newer_than_the_deletion_is_a_revival() {
        let live = product(json!({"name": "Samsa", "price_som": 5000}), 10);
        let mut deleted = live.clone();
        deleted.delete(Stamp::new(20, 0, DeviceId::new(1, [3; 10])));
        assert!(edited(Some(&live), &deleted).deleted);
        let mut back = deleted.clone();
        back.set(
            &serde_json::from_value(json!({"price_som": 6000})).unwrap(),
            Stamp::new(30, 0, DeviceId::new(1, [4; 10])),
        );
        let e = edited(Some(&deleted), &back);
        assert!(e.revived && !e.deleted && !e.reviewed_fields, "{e:?}");
        assert!(!edited(Some(&live), &back).revived, "never deleted as the server saw it");
    }

    /// Issue 24, point 2: a blank storefront reached the desk.
    #[test]
    fn what_the_kinds_rules_require_must_be_there_to_submit() {
        let blank = Record::new(RecordId::new(1, [1; 10]), Kind::Storefront, "u1".parse::<Owner>().unwrap());
        assert_eq!(missing(&blank), ["name", "slug", "district", "category", "payment", "delivery"]);
        let mut shop = blank;
        let fields: Fields = serde_json::from_value(json!({
            "name": "  ", "slug": "gulnar", "district": "chimbay", "category": "food",
            "payment": [], "delivery": ["pickup"],
        }))
        .unwrap();
        shop.set(&fields, Stamp::new(5, 0, DeviceId::new(1, [2; 10])));
        assert_eq!(missing(&shop), ["name", "payment"], "blank text and an empty list are missing");
        let fields: Fields =
            serde_json::from_value(json!({"name": "Gulnar", "payment": [{"method": "cash_on_delivery"}]})).unwrap();
        shop.set(&fields, Stamp::new(6, 0, DeviceId::new(1, [2; 10])));
        assert!(missing(&shop).is_empty());
        let draft = product(json!({"name": "Samsa", "storefront": "01J1W7EGG0248H248H248H248H", "position": 1.0}), 10);
        assert_eq!(missing(&draft), ["price_som", "unit", "availability"]);
        for field in missing(&draft) {
            assert!(crate::rules::records::label_of(Kind::Product, field).is_some(), "the phone names {field}");
        }
    }

    /// Issue 24, point 5: typing the approved text back left it a draft.
    #[test]
    fn content_back_to_the_approved_revision_is_approved_again() {
        use ReviewState::*;
        let approved = Review {
            state: Approved,
            revision: 2,
            public_revision: Some(2),
            approved_content: Some("mark".into()),
            ..Review::default()
        };
        let changed = Edited { reviewed_fields: true, ..Edited::default() };
        let draft = after_push(&approved, &changed, "t").unwrap();
        assert_eq!(draft.state, Draft);
        let back = Edited { reviewed_fields: true, as_approved: true, ..Edited::default() };
        let again = after_push(&draft, &back, "t").unwrap();
        assert_eq!((again.state, again.revision, again.public_revision), (Approved, 2, Some(2)));
        assert_eq!(after_push(&approved, &back, "t"), None, "an approved item stays as it is");
        // Sent again unchanged: approved at once, nothing for the desk.
        let sent = Edited { submitted: true, submission: Some("n2".into()), as_approved: true, ..Edited::default() };
        let taken = after_push(&draft, &sent, "t").unwrap();
        assert_eq!((taken.state, taken.submission.as_deref()), (Approved, Some("n2")));
        // Never public (or withdrawn): nothing to go back to.
        let withdrawn = Review { state: Withdrawn, public_revision: None, ..approved };
        assert_eq!(after_push(&withdrawn, &back, "t"), None);
        // The text marked holds reviewed fields only, in one order.
        let a = BTreeMap::from([("name".to_owned(), json!("Samsa")), ("price_som".to_owned(), json!(5000))]);
        let b = BTreeMap::from([("price_som".to_owned(), json!(6000)), ("name".to_owned(), json!("Samsa"))]);
        assert_eq!(reviewed_text(Kind::Product, &a), reviewed_text(Kind::Product, &b));
        assert_eq!(reviewed_text(Kind::Product, &a), r#"{"name":"Samsa"}"#);
    }

    #[test]
    fn feedback_names_every_point_once_and_says_what_needs_work() {
        let none = BTreeMap::new();
        assert_eq!(check_feedback(&Decision::Approve, &all_pass(), &none, Kind::Product), Ok(()));
        assert!(check_feedback(&Decision::RequestChanges, &all_pass(), &none, Kind::Product).is_err());
        let story = BTreeMap::from([("story".to_owned(), "Tell where the wool comes from".to_owned())]);
        assert_eq!(check_feedback(&Decision::RequestChanges, &all_pass(), &story, Kind::Storefront), Ok(()));
        assert!(check_feedback(&Decision::Approve, &all_pass()[1..], &none, Kind::Product).is_err());
        let mut doubled = all_pass();
        doubled.push(doubled[0].clone());
        assert!(check_feedback(&Decision::Approve, &doubled, &none, Kind::Product).is_err());
        let long = BTreeMap::from([("name".to_owned(), "x".repeat(501))]);
        assert!(check_feedback(&Decision::RequestChanges, &all_pass(), &long, Kind::Product).is_err());
        let bell = BTreeMap::from([("name".to_owned(), "fake\u{7}".to_owned())]);
        assert!(check_feedback(&Decision::RequestChanges, &all_pass(), &bell, Kind::Product).is_err());
        let price = BTreeMap::from([("price_som".to_owned(), "too cheap".to_owned())]);
        assert!(check_feedback(&Decision::RequestChanges, &all_pass(), &price, Kind::Product).is_err(), "not reviewed");
    }
}
