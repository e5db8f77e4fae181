//! The push core and the pull, through the in-memory server.

use serde_json::{Value, json};

use super::memory::ServerState;
use super::*;
use crate::hlc::Stamp;
use crate::ids::{DeviceId, MutationId};
use crate::limits::{Holdings, MAX_PULL_BYTES, MAX_RECORD_BYTES, MAX_RECORDS_PER_OWNER, record_bytes};
use crate::mutation::{Action, MAX_AHEAD_MS, Mutation};
use crate::protocol::{Epoch, Limits, Outcome, PROTOCOL_VERSION, PullRequest, PullResponse, PushRequest, SyncError};

/// Rules shaped like the app's: a storefront's `slug` is unique and its id
/// is its owner's; `price` is a whole number; `secret` is no field at all.
struct TestRules;

impl Rules for TestRules {
    fn check_field(&self, _: &Owner, _: Kind, name: &str, value: &Value) -> Result<(), Rejection> {
        match name {
            "price" if !value.is_u64() => Err(Rejection::new(RejectCode::InvalidValue, "a whole number")),
            "secret" => Err(Rejection::new(RejectCode::InvalidValue, "no such field")),
            _ => Ok(()),
        }
    }
    fn unique_field(&self, kind: Kind) -> Option<&'static str> {
        (kind == Kind::Storefront).then_some("slug")
    }
    fn fixed_id(&self, kind: Kind, owner: &Owner) -> Option<RecordId> {
        (kind == Kind::Storefront).then(|| storefront_of(owner))
    }
    fn writable(&self, kind: Kind) -> bool {
        kind != Kind::ReviewComment
    }
    /// A buyer's name is two letters or more, and a new request has one.
    fn check_given_back(&self, _: &Owner, _: Kind, fields: &Fields, making: bool) -> Result<(), Rejection> {
        let bad = |why: &str| Err(Rejection::new(RejectCode::InvalidValue, why.to_owned()));
        match fields.get("buyer_name") {
            Some(name) if name.as_str().is_none_or(|n| n.chars().count() < 2) => bad("buyer_name: too short"),
            None if making => bad("buyer_name: a request has one"),
            _ => Ok(()),
        }
    }
}

fn storefront_of(owner: &Owner) -> RecordId {
    RecordId::new(1, [owner.as_str().len() as u8; 10])
}

const NOW: u64 = 1_000_000;

fn amina() -> Owner {
    "user:amina".parse().unwrap()
}

fn bahadir() -> Owner {
    "user:bahadir".parse().unwrap()
}

fn server() -> ServerState {
    ServerState::new(DeviceId::new(1, [0xee; 10]), Epoch::new("first").unwrap())
}

fn edit(n: u64, record: u8, owner: Owner, fields: Value) -> Mutation {
    Mutation {
        id: MutationId::new(n, [record; 10]),
        record: RecordId::new(1, [record; 10]),
        kind: Kind::Product,
        owner,
        at: Stamp::new(1_000 + n, 0, DeviceId::new(1, [1; 10])),
        action: Action::Set(serde_json::from_value(fields).unwrap()),
    }
}

fn storefront(n: u64, owner: Owner, fields: Value) -> Mutation {
    let record = storefront_of(&owner);
    Mutation { record, kind: Kind::Storefront, ..edit(n, 0, owner, fields) }
}

fn push_as(account: Owner, mutations: Vec<Mutation>) -> PushRequest {
    PushRequest { version: PROTOCOL_VERSION, account, device: DeviceId::new(1, [1; 10]), mutations }
}

fn push(mutations: Vec<Mutation>) -> PushRequest {
    let account = mutations.first().map_or_else(amina, |m| m.owner.clone());
    push_as(account, mutations)
}

fn pull(who: Owner, cursor: u64, limit: u32) -> PullRequest {
    PullRequest { version: PROTOCOL_VERSION, account: who, cursor, limit }
}

fn apply(server: &mut ServerState, who: &Owner, request: &PushRequest) -> Vec<Outcome> {
    let response = server.apply_push(&TestRules, who, request, NOW).unwrap();
    response.results.into_iter().map(|r| r.result).collect()
}

fn code(outcome: &Outcome) -> Option<RejectCode> {
    match outcome {
        Outcome::Rejected(r) => Some(r.code),
        _ => None,
    }
}

#[test]
fn kinds_without_rules_are_refused() {
    let mut server = server();
    let comment = Mutation { kind: Kind::ReviewComment, ..edit(1, 1, amina(), json!({"text": "spam"})) };
    let outcome = apply(&mut server, &amina(), &push(vec![comment.clone()]));
    assert_eq!(code(&outcome[0]), Some(RejectCode::KindNotAllowed));
    assert_eq!(server.record(comment.record), None);
}

#[test]
fn phones_move_on_records_the_server_made_and_never_make_one() {
    let mut server = server();
    // Her phone saw the request before it edits it: its stamps are newer.
    let order = |n, fields| Mutation {
        kind: Kind::OrderRequest,
        at: Stamp::new(NOW + n, 0, DeviceId::new(1, [1; 10])),
        ..edit(n, 9, amina(), fields)
    };
    let forged = apply(&mut server, &amina(), &push(vec![order(1, json!({"status": "new"}))]));
    assert_eq!(code(&forged[0]), Some(RejectCode::NotOwner));
    assert_eq!(server.record(RecordId::new(1, [9; 10])), None);

    let buyer = serde_json::from_value(json!({"status": "new", "buyer_name": "Gulnara"})).unwrap();
    let id = RecordId::new(1, [9; 10]);
    assert!(server.create(id, Kind::OrderRequest, &amina(), &buyer, NOW).is_some());
    assert!(server.create(id, Kind::OrderRequest, &amina(), &buyer, NOW).is_none(), "an id once");
    let pulled = server.pull(&amina(), &pull(amina(), 0, 10)).unwrap();
    assert_eq!(pulled.changes.len(), 1, "it reaches her phones");
    assert!(server.pull(&bahadir(), &pull(bahadir(), 0, 10)).unwrap().changes.is_empty());

    let moved = apply(&mut server, &amina(), &push(vec![order(2, json!({"status": "confirmed"}))]));
    assert_eq!(moved, [Outcome::Applied]);
    let renamed = apply(&mut server, &amina(), &push(vec![order(3, json!({"buyer_name": "someone"}))]));
    assert!(
        matches!(&renamed[0], Outcome::FieldsRefused(r) if r[0].code == RejectCode::ServerField),
        "what the buyer wrote is the server's: {renamed:?}"
    );
    let record = server.record(id).unwrap();
    assert_eq!(record.get("buyer_name"), Some(&json!("Gulnara")));
    assert_eq!(record.get("status"), Some(&json!("confirmed")));
}

/// Review finding H2: a buyer's request the server acknowledged, confirmed
/// on her phone, then the server restored from a backup made before it.
#[test]
fn a_buyers_request_comes_back_after_a_restore() {
    use crate::replica::Replica;
    let mut server = server();
    let backup = server.clone();
    let buyer = serde_json::from_value(json!({
        "status": "new", "received_at": "2026-12-04T10:00:00Z", "buyer_name": "Gulnara",
        "buyer_contact": "+998901234567", "quantity": 1
    }))
    .unwrap();
    let id = RecordId::new(NOW, [9; 10]);
    server.create(id, Kind::OrderRequest, &amina(), &buyer, NOW).unwrap();
    let mut phone = Replica::new(DeviceId::new(1, [1; 10]), amina());
    phone.receive_pull(server.pull(&amina(), &pull(amina(), 0, 100)).unwrap());
    let confirmed = serde_json::from_value(json!({"status": "confirmed"})).unwrap();
    phone.edit(id, confirmed, NOW + 10, [2; 10]).unwrap();
    let push = phone.push_request(Limits::DEFAULT).unwrap();
    phone.receive_push(&server.apply_push(&TestRules, &amina(), &push, NOW + 20).unwrap());
    // Restored from the backup, under a new epoch; the phone syncs.
    let restored_at = NOW + 1_000;
    server = backup.restored(Epoch::new("second").unwrap(), restored_at);
    for _ in 0..3 {
        phone.receive_pull(server.pull(&amina(), &phone.pull_request(100)).unwrap());
        while let Some(push) = phone.push_request(Limits::DEFAULT) {
            phone.receive_push(&server.apply_push(&TestRules, &amina(), &push, restored_at + 10).unwrap());
        }
    }
    let on_phone = phone.record(id).expect("the request stays on her phone");
    let on_server = server.record(id).expect("the request is on the server again");
    assert_eq!(on_server, on_phone);
    assert_eq!(on_server.get("buyer_name"), Some(&json!("Gulnara")));
    assert_eq!(on_server.get("buyer_contact"), Some(&json!("+998901234567")));
    assert_eq!(on_server.get("status"), Some(&json!("confirmed")));
    assert!(phone.outbox().is_empty() && phone.outbox().refused().is_empty());
}

#[test]
fn only_her_phones_copy_sent_again_after_a_restore_makes_a_request() {
    let restored_at = NOW + 1_000;
    let mut fresh = server();
    let mut restored = server().restored(Epoch::new("second").unwrap(), restored_at);
    let copy = |n: u64, owner: Owner, name: &str, at: u64| {
        let fields = json!({"status": "new", "received_at": "2026-12-04T10:00:00Z", "buyer_name": name});
        let mut m = Mutation {
            kind: Kind::OrderRequest,
            at: Stamp::new(at, 0, DeviceId::new(0, [0xee; 10])),
            ..edit(n, 9, owner, fields)
        };
        m.id = m.resend_id();
        m
    };
    let id = RecordId::new(1, [9; 10]);
    // An edit's own id (random) is not a re-send: refused.
    let normal = Mutation { id: MutationId::new(5, [5; 10]), ..copy(1, amina(), "Gulnara", NOW) };
    assert!(!normal.is_resend());
    // Never restored: nothing to give back.
    let in_the_first_history = copy(1, amina(), "Gulnara", NOW);
    // Stamped after the restore (beyond the clock's bound): not a copy of the old history.
    let made_after = copy(2, amina(), "Gulnara", restored_at + MAX_AHEAD_MS);
    // Another person's request, sent by Bahadir.
    let strangers = copy(3, amina(), "Gulnara", NOW);
    // What the buyer's form would not take.
    let bad = copy(4, amina(), "G", NOW);
    for (server, who, m, code_wanted) in [
        (&mut restored.clone(), amina(), normal, RejectCode::NotOwner),
        (&mut fresh, amina(), in_the_first_history, RejectCode::NotOwner),
        (&mut restored.clone(), amina(), made_after, RejectCode::NotOwner),
        (&mut restored.clone(), bahadir(), strangers, RejectCode::NotOwner),
        (&mut restored.clone(), amina(), bad, RejectCode::InvalidValue),
    ] {
        let outcome = apply(server, &who, &push_as(who.clone(), vec![m.clone()]));
        assert_eq!(code(&outcome[0]), Some(code_wanted), "{m:?}");
        assert_eq!(server.record(id), None);
    }
    // Her phone's copy, made before the restore: the request again.
    let given_back = copy(5, amina(), "Gulnara", NOW);
    assert_eq!(apply(&mut restored, &amina(), &push(vec![given_back])), [Outcome::Applied]);
    assert_eq!(restored.record(id).unwrap().get("buyer_name"), Some(&json!("Gulnara")));
    // Once there, a normal edit still cannot change what the buyer wrote.
    let renamed = Mutation { id: MutationId::new(6, [6; 10]), ..copy(6, amina(), "Someone", NOW + 5) };
    let outcome = apply(&mut restored, &amina(), &push(vec![renamed]));
    assert!(matches!(&outcome[0], Outcome::FieldsRefused(r) if r[0].code == RejectCode::ServerField), "{outcome:?}");
    assert_eq!(restored.record(id).unwrap().get("buyer_name"), Some(&json!("Gulnara")));
}

#[test]
fn a_record_grows_to_its_bound_and_no_further() {
    let mut server = server();
    let big = |n: u64| {
        let text = "x".repeat(15 * 1024);
        edit(n, 1, amina(), json!({ format!("a{n}"): text, format!("b{n}"): text, format!("c{n}"): text }))
    };
    // 45 KiB a push: the third would pass 128 KiB.
    for n in 1..=2 {
        assert_eq!(apply(&mut server, &amina(), &push(vec![big(n)])), [Outcome::Applied]);
    }
    let before = server.record(RecordId::new(1, [1; 10])).unwrap().clone();
    let outcome = apply(&mut server, &amina(), &push(vec![big(3), edit(4, 2, amina(), json!({"name": "Tea"}))]));
    assert_eq!(code(&outcome[0]), Some(RejectCode::RecordTooLarge));
    assert_eq!(outcome[1], Outcome::Applied, "the rest of the push goes on");
    assert_eq!(server.record(before.id()), Some(&before), "the record is kept as it was");
    assert!(record_bytes(&before) <= MAX_RECORD_BYTES);
    // A small edit still fits.
    assert_eq!(
        apply(&mut server, &amina(), &push(vec![edit(5, 1, amina(), json!({"name": "Jam"}))])),
        [Outcome::Applied]
    );
}

#[test]
fn an_owner_at_her_bounds_can_edit_but_not_add() {
    let mut server = server();
    let product = |n: u64| Mutation {
        id: MutationId::new(n, [7; 10]),
        record: RecordId::new(n, [7; 10]),
        ..edit(n, 7, amina(), json!({"name": "p"}))
    };
    for start in (0..MAX_RECORDS_PER_OWNER).step_by(500) {
        let batch = (start..start + 500).map(|n| product(n + 1)).collect();
        assert!(apply(&mut server, &amina(), &push(batch)).iter().all(|o| *o == Outcome::Applied));
    }
    assert_eq!(server.holdings(&amina()).records, MAX_RECORDS_PER_OWNER);
    let one_more = product(MAX_RECORDS_PER_OWNER + 1);
    assert_eq!(code(&apply(&mut server, &amina(), &push(vec![one_more]))[0]), Some(RejectCode::OwnerFull));
    // Her records can still change, and another person is not held back.
    let edit_one = Mutation { id: MutationId::new(99_999, [8; 10]), ..product(1) };
    let edit_one =
        Mutation { action: Action::Set(serde_json::from_value(json!({"name": "pear"})).unwrap()), ..edit_one };
    assert_eq!(apply(&mut server, &amina(), &push(vec![edit_one])), [Outcome::Applied]);
    assert_eq!(
        apply(&mut server, &bahadir(), &push(vec![edit(1, 3, bahadir(), json!({"name": "Tea"}))])),
        [Outcome::Applied]
    );
    // Buyers' requests stay outside her room: one still comes, and she
    // cancels it with a note, which grows it, and is not refused.
    let room = server.holdings(&amina());
    let request = RecordId::new(NOW, [9; 10]);
    let buyer = serde_json::from_value(json!({"status": "new", "buyer_name": "Gulnara", "quantity": 1})).unwrap();
    server.create(request, Kind::OrderRequest, &amina(), &buyer, NOW).unwrap();
    assert_eq!(server.holdings(&amina()), Holdings { open_requests: 1, ..room });
    let cancel = Mutation {
        id: MutationId::new(100_000, [9; 10]),
        record: request,
        kind: Kind::OrderRequest,
        at: Stamp::new(NOW + 10, 0, DeviceId::new(1, [1; 10])),
        ..edit(100_000, 9, amina(), json!({"status": "cancelled", "note": "n".repeat(900)}))
    };
    assert_eq!(apply(&mut server, &amina(), &push(vec![cancel])), [Outcome::Applied]);
    assert_eq!(server.holdings(&amina()), room, "her room as it was, and nothing waits");
}

#[test]
fn a_pull_page_is_bounded_by_bytes_too() {
    let mut server = server();
    let text = "y".repeat(15 * 1024);
    // Four records of about 120 KiB each: three a page.
    for record in 1..=4u8 {
        for n in 0..2u64 {
            let fields =
                json!({ format!("a{n}"): text, format!("b{n}"): text, format!("c{n}"): text, format!("d{n}"): text });
            let m = Mutation {
                id: MutationId::new(10 * u64::from(record) + n, [record; 10]),
                ..edit(n, record, amina(), fields)
            };
            assert_eq!(apply(&mut server, &amina(), &push(vec![m])), [Outcome::Applied]);
        }
    }
    let (mut cursor, mut seen, mut pages) = (0, 0, 0);
    loop {
        let page = server.pull(&amina(), &pull(amina(), cursor, 1_000)).unwrap();
        let bytes: usize = page.changes.iter().map(|s| record_bytes(&s.record)).sum();
        assert!(page.changes.len() == 1 || bytes <= MAX_PULL_BYTES, "{bytes} bytes in a page");
        seen += page.changes.len();
        pages += 1;
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    assert_eq!((seen, pages), (4, 2));
}

#[test]
fn a_retried_push_applies_once() {
    let mut server = server();
    let request =
        push(vec![edit(1, 1, amina(), json!({"name": "Melon jam"})), edit(2, 2, amina(), json!({"name": "Tea"}))]);
    assert_eq!(apply(&mut server, &amina(), &request), [Outcome::Applied, Outcome::Applied]);
    let seq = server.last_seq(&amina());
    assert_eq!(apply(&mut server, &amina(), &request), [Outcome::Duplicate, Outcome::Duplicate]);
    assert_eq!(server.last_seq(&amina()), seq, "nothing changed, nothing logged");
}

#[test]
fn ids_belong_to_their_owner() {
    // Bahadir learns the id of Amina's queued edit and uses it first.
    let mut server = server();
    let hers = edit(1, 1, amina(), json!({"name": "Melon jam"}));
    let squat = Mutation { record: RecordId::new(1, [9; 10]), owner: bahadir(), ..hers.clone() };
    assert_eq!(apply(&mut server, &bahadir(), &push(vec![squat])), [Outcome::Applied]);
    // Her edit is applied all the same, not answered `duplicate`.
    assert_eq!(apply(&mut server, &amina(), &push(vec![hers.clone()])), [Outcome::Applied]);
    assert_eq!(server.record(hers.record).unwrap().get("name"), Some(&json!("Melon jam")));
    // The same id with other content from the same owner is refused.
    let other = edit(1, 1, amina(), json!({"name": "Something else"}));
    let outcome = apply(&mut server, &amina(), &push(vec![other]));
    assert_eq!(code(&outcome[0]), Some(RejectCode::IdReused));
    assert_eq!(server.record(hers.record).unwrap().get("name"), Some(&json!("Melon jam")));
}

#[test]
fn a_bad_field_is_refused_and_the_others_applied() {
    let mut server = server();
    let m = edit(1, 1, amina(), json!({"name": "Melon jam", "price": 2.5, "story": "From Nukus", "secret": 1}));
    let outcome = apply(&mut server, &amina(), &push(vec![m.clone()]));
    let Outcome::FieldsRefused(refused) = &outcome[0] else { panic!("{outcome:?}") };
    let fields: Vec<_> = refused.iter().map(|r| (r.field.as_deref().unwrap(), r.code)).collect();
    assert_eq!(fields, [("price", RejectCode::InvalidValue), ("secret", RejectCode::InvalidValue)]);
    let record = server.record(m.record).unwrap();
    assert_eq!(record.get("name"), Some(&json!("Melon jam")));
    assert_eq!(record.get("story"), Some(&json!("From Nukus")));
    assert_eq!(record.get("price"), None);
    // A retry gets the same answer and changes nothing.
    let seq = server.last_seq(&amina());
    assert_eq!(apply(&mut server, &amina(), &push(vec![m])), outcome);
    assert_eq!(server.last_seq(&amina()), seq);
    // Every field refused: nothing is made, and the answer says why.
    let bad = edit(2, 2, amina(), json!({"price": "cheap", "review_state": "approved", "Bad": 1}));
    let outcome = apply(&mut server, &amina(), &push(vec![bad.clone()]));
    let Outcome::FieldsRefused(refused) = &outcome[0] else { panic!("{outcome:?}") };
    let codes: Vec<_> = refused.iter().map(|r| r.code).collect();
    assert_eq!(codes, [RejectCode::BadFieldName, RejectCode::InvalidValue, RejectCode::ServerField]);
    assert!(server.record(bad.record).is_none());
}

#[test]
fn a_taken_address_takes_only_itself() {
    let mut server = server();
    let first = storefront(1, bahadir(), json!({"slug": "aral-honey"}));
    assert_eq!(apply(&mut server, &bahadir(), &push(vec![first])), [Outcome::Applied]);
    // Made offline in one edit: name, story and the taken address.
    let hers = storefront(2, amina(), json!({"name": "Aral honey", "story": "Bees", "slug": "aral-honey"}));
    let outcome = apply(&mut server, &amina(), &push(vec![hers.clone()]));
    let Outcome::FieldsRefused(refused) = &outcome[0] else { panic!("{outcome:?}") };
    assert_eq!((refused[0].field.as_deref(), refused[0].code), (Some("slug"), RejectCode::Taken));
    let record = server.record(hers.record).unwrap();
    assert_eq!((record.get("name"), record.get("slug")), (Some(&json!("Aral honey")), None));
    // Within one push, the first claim holds; a record may keep its own.
    let mut server = self::server();
    let claims = push_as(
        amina(),
        vec![
            storefront(3, amina(), json!({"slug": "tea"})),
            storefront(4, amina(), json!({"slug": "tea", "name": "Tea"})),
        ],
    );
    assert_eq!(apply(&mut server, &amina(), &claims), [Outcome::Applied, Outcome::Applied]);
    let outcome = apply(&mut server, &bahadir(), &push(vec![storefront(5, bahadir(), json!({"slug": "tea"}))]));
    assert!(matches!(&outcome[0], Outcome::FieldsRefused(r) if r[0].code == RejectCode::Taken), "{outcome:?}");
    // Deleted, her storefront frees its address.
    let mut gone = storefront(6, amina(), json!({}));
    gone.action = Action::Delete;
    assert_eq!(apply(&mut server, &amina(), &push(vec![gone])), [Outcome::Applied]);
    let outcome = apply(&mut server, &bahadir(), &push(vec![storefront(7, bahadir(), json!({"slug": "tea"}))]));
    assert_eq!(outcome, [Outcome::Applied]);
    // Brought back by a newer edit, hers would claim "tea" again: refused
    // with the reason, unless the same edit gives it a new address.
    let back = storefront(8, amina(), json!({"name": "Tea again"}));
    assert_eq!(code(&apply(&mut server, &amina(), &push(vec![back]))[0]), Some(RejectCode::Taken));
    assert!(server.record(storefront_of(&amina())).unwrap().is_deleted());
    let moved = storefront(9, amina(), json!({"name": "Tea again", "slug": "green-tea"}));
    assert_eq!(apply(&mut server, &amina(), &push(vec![moved])), [Outcome::Applied]);
    assert!(!server.record(storefront_of(&amina())).unwrap().is_deleted());
}

#[test]
fn whole_refusals() {
    let mut server = server();
    apply(&mut server, &bahadir(), &push(vec![edit(1, 9, bahadir(), json!({"name": "His"}))]));
    let mut ahead = edit(5, 3, amina(), json!({"name": "From the future"}));
    ahead.at = Stamp::new(NOW + MAX_AHEAD_MS + 1, 0, ahead.at.device());
    let mut just = edit(6, 4, amina(), json!({"name": "Fast clock"}));
    just.at = Stamp::new(NOW + MAX_AHEAD_MS, 0, just.at.device());
    let squat = Mutation { record: RecordId::new(1, [8; 10]), ..storefront(7, amina(), json!({"name": "x"})) };
    let request = push_as(
        amina(),
        vec![
            edit(2, 9, amina(), json!({"name": "Mine now"})),
            edit(3, 2, bahadir(), json!({"name": "forged owner"})),
            edit(4, 1, amina(), json!({})),
            ahead,
            just,
            squat,
        ],
    );
    let codes: Vec<_> = apply(&mut server, &amina(), &request).iter().map(code).collect();
    use RejectCode::*;
    assert_eq!(codes, [Some(NotOwner), Some(NotOwner), Some(NoFields), Some(ClockAhead), None, Some(NotOwner)]);
    assert_eq!(server.record(RecordId::new(1, [9; 10])).unwrap().get("name"), Some(&json!("His")));
    // Refused whole, an id is not remembered: the same answer on a retry.
    assert_eq!(code(&apply(&mut server, &amina(), &request)[0]), Some(NotOwner));
}

#[test]
fn requests_for_another_account_are_refused_before_any_work() {
    let mut server = server();
    let request = push_as(bahadir(), vec![edit(1, 1, amina(), json!({"name": "x"}))]);
    let err = server.apply_push(&TestRules, &amina(), &request, NOW).unwrap_err();
    assert!(matches!(err, SyncError::WrongAccount { .. }));
    assert_eq!(err.http_status(), 403);
    assert_eq!(server.last_seq(&amina()), 0);
    assert!(matches!(server.pull(&amina(), &pull(bahadir(), 0, 10)), Err(SyncError::WrongAccount { .. })));
}

#[test]
fn versions_and_batch_sizes_are_checked() {
    let mut server = server();
    let mut request = push(vec![]);
    request.version = PROTOCOL_VERSION + 1;
    let err = server.apply_push(&TestRules, &amina(), &request, NOW);
    assert!(matches!(err, Err(SyncError::VersionMismatch { .. })));
    let old_pull = PullRequest { version: 2, ..pull(amina(), 0, 10) };
    assert!(matches!(server.pull(&amina(), &old_pull), Err(SyncError::VersionMismatch { .. })));
    let too_many = (0..=Limits::DEFAULT.max_mutations as u64).map(|n| edit(n, 1, amina(), json!({"n": n}))).collect();
    let err = server.apply_push(&TestRules, &amina(), &push(too_many), NOW);
    assert!(matches!(err, Err(SyncError::BatchTooLarge { .. })));
    assert_eq!(server.last_seq(&amina()), 0);
}

#[test]
fn each_owner_counts_apart_and_pulls_page_through_their_own() {
    let mut server = server();
    for n in 1..=5u8 {
        let who = if n % 2 == 0 { bahadir() } else { amina() };
        apply(&mut server, &who, &push(vec![edit(u64::from(n), n, who.clone(), json!({"n": n}))]));
    }
    assert_eq!((server.last_seq(&amina()), server.last_seq(&bahadir())), (3, 2));
    let seqs = |page: &PullResponse| page.changes.iter().map(|s| s.seq).collect::<Vec<_>>();
    let first = server.pull(&amina(), &pull(amina(), 0, 2)).unwrap();
    assert_eq!((seqs(&first), first.cursor, first.more), (vec![1, 2], 2, true));
    assert_eq!(first.epoch.as_str(), "first");
    let second = server.pull(&amina(), &pull(amina(), first.cursor, 2)).unwrap();
    assert_eq!((seqs(&second), second.cursor, second.more), (vec![3], 3, false));
    let empty = server.pull(&amina(), &pull(amina(), 3, 2)).unwrap();
    assert_eq!((empty.changes.len(), empty.cursor, empty.more), (0, 3, false));
    // A record changed again moves to the end of the log, once.
    apply(&mut server, &amina(), &push(vec![edit(9, 1, amina(), json!({"n": 10}))]));
    let page = server.pull(&amina(), &pull(amina(), 0, 0)).unwrap();
    assert_eq!(seqs(&page), [2], "a limit of 0 means 1");
    let all = server.pull(&amina(), &pull(amina(), 0, 100)).unwrap();
    assert_eq!(seqs(&all), [2, 3, 4]);
    let his = server.pull(&bahadir(), &pull(bahadir(), 0, 100)).unwrap();
    assert!(his.changes.iter().all(|s| s.record.owner() == &bahadir()) && his.changes.len() == 2);
    assert_eq!(server.pull(&amina(), &pull(amina(), u64::MAX, 1)).unwrap().cursor, u64::MAX);
}

#[test]
fn server_fields_are_newer_than_the_record() {
    let mut server = server();
    // A phone whose clock is far ahead (within the bound).
    let mut m = edit(1, 1, amina(), json!({"name": "Melon jam"}));
    m.at = Stamp::new(NOW + 1_000, 0, DeviceId::new(1, [1; 10]));
    apply(&mut server, &amina(), &push(vec![m.clone()]));
    let fields = [("review_state".to_string(), json!("approved"))].into();
    let at = server.set_server_fields(m.record, &fields, 5).unwrap();
    assert!(at > m.at);
    assert_eq!(server.record(m.record).unwrap().get("review_state"), Some(&json!("approved")));
    assert_eq!(server.last_seq(&amina()), 2, "in her scope");
    assert!(server.set_server_fields(RecordId::new(1, [7; 10]), &Fields::new(), 5).is_none());
}

#[test]
fn survives_a_restart_and_refuses_bad_stored_state() {
    let mut server = server();
    let request = push(vec![
        edit(1, 1, amina(), json!({"name": "Melon jam", "price": "x"})),
        edit(2, 2, amina(), json!({"a": 1})),
    ]);
    apply(&mut server, &amina(), &request);
    let json = serde_json::to_string(&server).unwrap();
    let back: ServerState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, server);
    let all = pull(amina(), 0, 10);
    assert_eq!(back.pull(&amina(), &all).unwrap(), server.pull(&amina(), &all).unwrap());

    let value: Value = serde_json::from_str(&json).unwrap();
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut v = value.clone();
        change(&mut v);
        serde_json::from_value::<ServerState>(v).unwrap_err().to_string()
    };
    assert!(broken(&|v| v["scopes"]["user:amina"] = json!(1)).contains("outside 1..=1 of user:amina"));
    assert!(broken(&|v| v["records"][1]["seq"] = json!(1)).contains("share sequence number 1"));
    assert!(broken(&|v| v["applied"]["user:amina"] = json!({"x": {"hash": 1}})).contains("bad mutation id"));
    assert!(broken(&|v| v["log"] = json!({})).contains("unknown field `log`"));
    assert!(broken(&|v| v["epoch"] = json!("a b")).contains("bad epoch"));
    assert!(broken(&|v| v["records"][0]["record"]["kind"] = json!(1)).contains("invalid type"));
}
