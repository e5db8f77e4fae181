//! The wire: what a device and the server say to each other.
//!
//! - `POST /api/v1/sync/push` with a [`PushRequest`] → [`PushResponse`], one
//!   [`Outcome`] per mutation.
//! - `GET /api/v1/sync/pull?version=3&account=…&cursor=…&limit=…`
//!   ([`PullRequest`]) → [`PullResponse`]: the records of the account's scope
//!   changed since the cursor.
//! - Either may answer a [`SyncError`] instead, e.g. "please reload" to a
//!   client that speaks another [`PROTOCOL_VERSION`], or "wrong account" to
//!   a request for another account than the session's.
//!
//! `docs/sync.md` describes it all with examples.

use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::{DeviceId, MutationId, Owner};
use crate::mutation::{Mutation, MutationIn, Rejection};
use crate::record::Record;
use crate::size::json_len;

/// The version of this protocol. Bump it on any change an older app could
/// misread; the server then answers older apps [`SyncError::VersionMismatch`].
pub const PROTOCOL_VERSION: u32 = 3;

/// Records per pull page when the device does not say.
pub const DEFAULT_PULL_LIMIT: u32 = 200;
/// Most records per pull page.
pub const MAX_PULL_LIMIT: u32 = 1000;

/// How big one push may be. The device cuts its queue with these, the server
/// refuses larger batches (the byte limit is its HTTP body limit).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Limits {
    pub max_mutations: usize,
    /// Bytes of the request body: the compact JSON of the [`PushRequest`].
    pub max_bytes: usize,
}

impl Limits {
    /// 1 000 queued edits go in two requests; 256 KiB is small enough to
    /// finish on a 2G link before it drops.
    pub const DEFAULT: Limits = Limits { max_mutations: 500, max_bytes: 256 * 1024 };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A batch of mutations from one device. On the wire the stamps of the
/// device's own mutations leave out the device, which the push names once.
#[derive(Clone, PartialEq, Debug)]
pub struct PushRequest {
    pub version: u32,
    /// The account whose store this is; refused whole unless it is the session's.
    pub account: Owner,
    pub device: DeviceId,
    pub mutations: Vec<Mutation>,
}

impl Serialize for PushRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut push = serializer.serialize_struct("PushRequest", 4)?;
        push.serialize_field("version", &self.version)?;
        push.serialize_field("account", &self.account)?;
        push.serialize_field("device", &self.device)?;
        let mutations: Vec<_> = self.mutations.iter().map(|m| m.in_push(self.device)).collect();
        push.serialize_field("mutations", &mutations)?;
        push.end()
    }
}

impl<'de> Deserialize<'de> for PushRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct PushIn {
            version: u32,
            account: Owner,
            device: DeviceId,
            mutations: Vec<MutationIn>,
        }
        let push = PushIn::deserialize(deserializer)?;
        let mutations = push
            .mutations
            .into_iter()
            .map(|m| m.read(Some(push.device)))
            .collect::<Result<_, _>>()
            .map_err(serde::de::Error::custom)?;
        Ok(PushRequest { version: push.version, account: push.account, device: push.device, mutations })
    }
}

#[derive(Deserialize)]
struct VersionOnly {
    version: u32,
}

impl PushRequest {
    /// Reads a request body as the server must: the version first, so an
    /// older app gets "please reload" even when the rest would not parse.
    pub fn from_json(body: &[u8]) -> Result<PushRequest, SyncError> {
        let bad = |e: serde_json::Error| SyncError::BadRequest { message: e.to_string() };
        let VersionOnly { version } = serde_json::from_slice(body).map_err(bad)?;
        check_version(version)?;
        serde_json::from_slice(body).map_err(bad)
    }
}

/// What became of one mutation.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Applied now.
    Applied,
    /// Applied before (a retried request): nothing changed now.
    Duplicate,
    /// Refused whole; the rest of the batch is not affected.
    Rejected(Rejection),
    /// Applied except these fields (each [`Rejection`] names its field),
    /// which were refused; the fields not named were applied. A retry is
    /// answered the same.
    FieldsRefused(Vec<Rejection>),
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MutationResult {
    pub id: MutationId,
    pub result: Outcome,
}

/// The server's answer to a push: one result per mutation, in order.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushResponse {
    /// The server's epoch (see [`PullResponse::epoch`]): a device that has
    /// moved on to a newer one ignores the answer and sends again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<Epoch>,
    pub results: Vec<MutationResult>,
}

fn default_pull_limit() -> u32 {
    DEFAULT_PULL_LIMIT
}

/// "What changed since `cursor`?" Sent as a query string, so unknown
/// parameters (a cache-buster) are ignored.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PullRequest {
    pub version: u32,
    /// The account whose store this is; refused whole unless it is the session's.
    pub account: Owner,
    /// The `cursor` of the last page taken in; 0 for a device that never pulled.
    pub cursor: u64,
    /// Records per page; the server keeps it within 1..=[`MAX_PULL_LIMIT`].
    #[serde(default = "default_pull_limit")]
    pub limit: u32,
}

/// A record as the server holds it, with the sequence number of its last change.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub seq: u64,
    pub record: Record,
}

/// A page of changes.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullResponse {
    /// The server's history this cursor belongs to. A database restored from
    /// a backup gets a new epoch: a device that sees one starts again from 0
    /// and sends again what only it holds (`Replica::receive_pull`).
    pub epoch: Epoch,
    /// The request's cursor: the page holds the changes after it. A device
    /// whose cursor is below it (it started again at a new epoch meanwhile)
    /// takes the records in but does not move its cursor over the gap.
    pub after: u64,
    /// Records changed after the request's cursor, oldest change first.
    pub changes: Vec<Snapshot>,
    /// Where the next pull starts.
    pub cursor: u64,
    /// More changes wait after `cursor`: pull again at once.
    pub more: bool,
}

/// The name of one history of the server's sequence numbers (see
/// [`PullResponse::epoch`]): 1 to 64 letters, digits, `-` or `_`. Epochs are
/// ordered as text and each new one is greater (the server makes them as
/// time-ordered ULIDs), so a late page of an older epoch is known as such.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize)]
#[serde(transparent)]
pub struct Epoch(String);

impl Epoch {
    pub fn new(name: &str) -> Result<Epoch, String> {
        let ok =
            (1..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok { Ok(Epoch(name.to_owned())) } else { Err(format!("bad epoch {name:?}")) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Epoch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Epoch::new(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A whole request refused.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case", deny_unknown_fields)]
pub enum SyncError {
    /// The app is older (or newer) than the server: reload it. Its queue is
    /// kept and sent by the reloaded app.
    VersionMismatch { server_version: u32, message: String },
    /// More mutations or bytes than [`Limits::DEFAULT`].
    BatchTooLarge { max_mutations: usize, max_bytes: usize, message: String },
    /// The body or query does not parse.
    BadRequest { message: String },
    /// The request is for another account than the session's (another
    /// person signed in on this browser): nothing was done. The device stops
    /// as when signed out, and keeps its queue and cursor.
    WrongAccount { message: String },
}

impl SyncError {
    /// The HTTP status to answer it with.
    pub fn http_status(&self) -> u16 {
        match self {
            SyncError::VersionMismatch { .. } => 409,
            SyncError::BatchTooLarge { .. } => 413,
            SyncError::BadRequest { .. } => 400,
            SyncError::WrongAccount { .. } => 403,
        }
    }

    pub fn batch_too_large() -> Self {
        let Limits { max_mutations, max_bytes } = Limits::DEFAULT;
        SyncError::BatchTooLarge {
            max_mutations,
            max_bytes,
            message: format!("a push takes at most {max_mutations} mutations and {max_bytes} bytes"),
        }
    }
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::VersionMismatch { message, .. }
            | SyncError::BatchTooLarge { message, .. }
            | SyncError::BadRequest { message }
            | SyncError::WrongAccount { message } => f.write_str(message),
        }
    }
}

impl std::error::Error for SyncError {}

/// "Please reload" unless the client speaks this protocol.
pub fn check_version(version: u32) -> Result<(), SyncError> {
    if version == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(SyncError::VersionMismatch {
            server_version: PROTOCOL_VERSION,
            message: format!(
                "this app speaks sync protocol {version}, the server speaks {PROTOCOL_VERSION}: please reload the page"
            ),
        })
    }
}

/// "Wrong account" unless the request is for the signed-in `who`.
pub fn check_account(account: &Owner, who: &Owner) -> Result<(), SyncError> {
    if account == who {
        Ok(())
    } else {
        Err(SyncError::WrongAccount {
            message: format!("this request is for {account}, but {who} is signed in on this browser"),
        })
    }
}

/// Checks a push before any work: the version, the account, the batch size.
pub fn admit_push(who: &Owner, request: &PushRequest) -> Result<(), SyncError> {
    check_version(request.version)?;
    check_account(&request.account, who)?;
    if request.mutations.len() > Limits::DEFAULT.max_mutations {
        return Err(SyncError::batch_too_large());
    }
    Ok(())
}

/// Checks a pull before any work: the version and the account.
pub fn admit_pull(who: &Owner, request: &PullRequest) -> Result<(), SyncError> {
    check_version(request.version)?;
    check_account(&request.account, who)
}

/// How many mutations the next push takes. One mutation the server cannot
/// read (a 400 or 413: an app and a server that disagree) must not hold up
/// the rest: the batch is halved until it goes alone, then it is set aside.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BatchSize(usize);

impl Default for BatchSize {
    fn default() -> Self {
        BatchSize(Limits::DEFAULT.max_mutations)
    }
}

impl BatchSize {
    pub fn limits(self) -> Limits {
        Limits { max_mutations: self.0, ..Limits::DEFAULT }
    }

    /// The server could not read a push of `sent` mutations. `true`: it was
    /// one, to be set aside (`Replica::refuse_unreadable`); else the next
    /// push takes half.
    pub fn unreadable(&mut self, sent: usize) -> bool {
        if sent <= 1 {
            *self = BatchSize::default();
            return true;
        }
        self.0 = sent / 2;
        false
    }

    /// A push was answered: the size grows back.
    pub fn answered(&mut self) {
        self.0 = (self.0 * 2).min(Limits::DEFAULT.max_mutations);
    }
}

/// Bytes of a [`PushRequest`] for `account` with no mutations (its device id
/// has a fixed length).
fn envelope_len(account: &Owner) -> usize {
    json_len(&PushRequest {
        version: PROTOCOL_VERSION,
        account: account.clone(),
        device: DeviceId::new(0, [0; 10]),
        mutations: Vec::new(),
    })
}

/// How many mutations from the front go into the next push within `limits`.
/// Each is measured as written alone, which is never smaller than in a push.
/// At least one, if there is one: a lone mutation larger than the byte limit
/// cannot happen after [`Mutation::validate`] (see [`crate::mutation::MAX_MUTATION_BYTES`]).
pub fn batch_len<'a>(mutations: impl IntoIterator<Item = &'a Mutation>, limits: Limits) -> usize {
    let mut mutations = mutations.into_iter().peekable();
    let Some(first) = mutations.peek() else { return 0 };
    let mut bytes = envelope_len(&first.owner);
    let mut count = 0;
    for m in mutations.take(limits.max_mutations) {
        // A comma before every mutation but the first.
        bytes += json_len(m) + usize::from(count > 0);
        if count > 0 && bytes > limits.max_bytes {
            break;
        }
        count += 1;
    }
    count
}

/// Cuts a queue into pushes, in order, each within `limits`.
pub fn cut_batches(mutations: &[Mutation], limits: Limits) -> Vec<&[Mutation]> {
    let mut batches = Vec::new();
    let mut rest = mutations;
    while !rest.is_empty() {
        let (batch, tail) = rest.split_at(batch_len(rest, limits));
        batches.push(batch);
        rest = tail;
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Stamp;
    use crate::ids::RecordId;
    use crate::mutation::{Action, RejectCode};
    use crate::record::Kind;
    use proptest::prelude::*;
    use serde_json::json;

    fn device() -> DeviceId {
        DeviceId::new(1_700_000_000_000, [3; 10])
    }

    fn amina() -> Owner {
        "user:amina".parse().unwrap()
    }

    fn mutation(n: u64, text_len: usize) -> Mutation {
        Mutation {
            id: MutationId::new(1_700_000_000_000 + n, [1; 10]),
            record: RecordId::new(1_700_000_000_000, [2; 10]),
            kind: Kind::Product,
            owner: "user:amina".parse().unwrap(),
            at: Stamp::new(1_700_000_000_000 + n, 0, device()),
            action: Action::Set([("story".to_string(), json!("a".repeat(text_len)))].into()),
        }
    }

    fn request(mutations: &[Mutation]) -> PushRequest {
        PushRequest { version: PROTOCOL_VERSION, account: amina(), device: device(), mutations: mutations.to_vec() }
    }

    #[test]
    fn push_round_trips_and_checks_the_version_first() {
        let req = request(&[mutation(1, 3), mutation(2, 0)]);
        let body = serde_json::to_vec(&req).unwrap();
        assert_eq!(PushRequest::from_json(&body).unwrap(), req);

        let old = br#"{"version":0,"device":"x","mutations":[{"whatever":1}]}"#;
        let err = PushRequest::from_json(old).unwrap_err();
        assert!(matches!(err, SyncError::VersionMismatch { server_version: PROTOCOL_VERSION, .. }));
        assert_eq!(err.http_status(), 409);
        assert!(err.to_string().contains("please reload"), "{err}");

        let err = PushRequest::from_json(b"{\"mutations\":[]}").unwrap_err();
        assert!(matches!(&err, SyncError::BadRequest { message } if message.contains("missing field `version`")));
        assert_eq!(err.http_status(), 400);
        let err = PushRequest::from_json(br#"{"version":3,"account":"user:amina","device":"nope","mutations":[]}"#)
            .unwrap_err();
        assert!(err.to_string().contains("bad device id"), "{err}");
        let bad_stamp = br#"{"version":3,"account":"user:amina","device":"01ARYZ6S41TSV4RRFFQ69G5FAV","mutations":[{"id":"01ARYZ6S41TSV4RRFFQ69G5FAV","rec":"01ARYZ6S41TSV4RRFFQ69G5FAV","kind":"product","owner":"a","at":"0190f3a1b2c3","del":true}]}"#;
        let err = PushRequest::from_json(bad_stamp).unwrap_err();
        assert!(err.to_string().contains("mutation 01ARYZ6S41TSV4RRFFQ69G5FAV: bad stamp"), "{err}");
        let err = PushRequest::from_json(br#"{"version":3,"mutations":[]"#).unwrap_err();
        assert!(matches!(err, SyncError::BadRequest { .. }));
        let err = PushRequest::from_json(b"").unwrap_err();
        assert!(matches!(err, SyncError::BadRequest { .. }));
    }

    #[test]
    fn a_push_names_its_device_once() {
        let mut other = mutation(2, 0);
        other.at = Stamp::new(5, 1, DeviceId::new(1, [9; 10]));
        let req = request(&[mutation(1, 3), other.clone()]);
        let json = serde_json::to_string(&req).unwrap();
        let own = format!(r#""at":"{:012x}-0000","#, 1_700_000_000_001u64);
        assert!(json.contains(&own), "{json}");
        assert!(json.contains(&format!(r#""at":"{}""#, other.at)), "{json}");
        assert_eq!(serde_json::from_str::<PushRequest>(&json).unwrap(), req);
        let alone = serde_json::to_string(&req.mutations[0]).unwrap();
        assert!(json.len() < alone.len() + serde_json::to_string(&other).unwrap().len() + 85);
    }

    #[test]
    fn push_response_wire_form() {
        let id = MutationId::new(1, [1; 10]);
        let resp = PushResponse {
            epoch: None,
            results: vec![
                MutationResult { id, result: Outcome::Applied },
                MutationResult { id, result: Outcome::Duplicate },
                MutationResult { id, result: Outcome::Rejected(Rejection::new(RejectCode::ServerField, "no")) },
            ],
        };
        let json = serde_json::to_string(&resp).unwrap();
        assert!(json.contains(&format!(r#"{{"id":"{id}","result":"applied"}}"#)), "{json}");
        assert!(json.contains(r#""result":"duplicate""#), "{json}");
        assert!(json.contains(r#""result":{"rejected":{"code":"server_field","message":"no"}}"#), "{json}");
        assert_eq!(serde_json::from_str::<PushResponse>(&json).unwrap(), resp);

        for bad in [
            r#"{"results":[{"id":"x","result":"applied"}]}"#,
            &format!(r#"{{"results":[{{"id":"{id}","result":"maybe"}}]}}"#),
            &format!(r#"{{"results":[{{"id":"{id}","result":{{"rejected":{{"code":"server_field"}}}}}}]}}"#),
            r#"{"result":[]}"#,
        ] {
            assert!(serde_json::from_str::<PushResponse>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pull_wire_forms() {
        let req: PullRequest = serde_json::from_str(r#"{"version":3,"account":"user:amina","cursor":42}"#).unwrap();
        assert_eq!(req, PullRequest { version: 3, account: amina(), cursor: 42, limit: DEFAULT_PULL_LIMIT });
        for bad in [
            r#"{"version":3,"account":"user:amina","cursor":-1}"#,
            r#"{"version":3,"account":"user:amina","cursor":"x"}"#,
            r#"{"account":"user:amina","cursor":1}"#,
            r#"{"version":3,"cursor":1}"#,
            r#"{"version":3,"account":"","cursor":1}"#,
        ] {
            assert!(serde_json::from_str::<PullRequest>(bad).is_err(), "{bad}");
        }
        let resp =
            PullResponse { epoch: Epoch::new("01J8").unwrap(), after: 2, changes: vec![], cursor: 7, more: false };
        let json = serde_json::to_string(&resp).unwrap();
        assert_eq!(json, r#"{"epoch":"01J8","after":2,"changes":[],"cursor":7,"more":false}"#);
        assert_eq!(serde_json::from_str::<PullResponse>(&json).unwrap(), resp);
        let bad = r#"{"epoch":"e","after":0,"changes":[{"seq":1,"record":{"id":"x"}}],"cursor":7,"more":false}"#;
        assert!(serde_json::from_str::<PullResponse>(bad).unwrap_err().to_string().contains("bad record id"));
        for epoch in ["", "a b", &"e".repeat(65), "é"] {
            let bad = format!(r#"{{"epoch":{epoch:?},"after":0,"changes":[],"cursor":7,"more":false}}"#);
            assert!(serde_json::from_str::<PullResponse>(&bad).unwrap_err().to_string().contains("bad epoch"), "{bad}");
        }
    }

    #[test]
    fn sync_errors_wire_form() {
        let err = SyncError::batch_too_large();
        assert_eq!(err.http_status(), 413);
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["error"], "batch_too_large");
        assert_eq!(json["max_mutations"], 500);
        assert_eq!(serde_json::from_value::<SyncError>(json).unwrap(), err);
        let json = serde_json::to_value(check_version(PROTOCOL_VERSION + 1).unwrap_err()).unwrap();
        assert_eq!(json["error"], "version_mismatch");
        assert_eq!(json["server_version"], PROTOCOL_VERSION);
        assert!(serde_json::from_str::<SyncError>(r#"{"error":"teapot"}"#).is_err());
        assert!(check_version(PROTOCOL_VERSION).is_ok());
    }

    #[test]
    fn a_lone_oversized_mutation_still_goes() {
        let limits = Limits { max_mutations: 10, max_bytes: 100 };
        let queue = [mutation(1, 500), mutation(2, 500)];
        let batches = cut_batches(&queue, limits);
        assert_eq!(batches.iter().map(|b| b.len()).collect::<Vec<_>>(), [1, 1]);
        assert!(cut_batches(&[], limits).is_empty());
    }

    proptest! {
        #![proptest_config(crate::tests::config(300))]

        #[test]
        fn batches_keep_both_limits_and_the_order(
            sizes in proptest::collection::vec(0usize..400, 0..60),
            max_mutations in 1usize..20,
            max_bytes in 1_000usize..3_000,
        ) {
            let queue: Vec<Mutation> = sizes.iter().enumerate().map(|(n, s)| mutation(n as u64, *s)).collect();
            let limits = Limits { max_mutations, max_bytes };
            let batches = cut_batches(&queue, limits);
            prop_assert_eq!(batches.concat(), queue.clone());
            for (i, batch) in batches.iter().enumerate() {
                prop_assert!(!batch.is_empty() && batch.len() <= max_mutations);
                let bytes = serde_json::to_vec(&request(batch)).unwrap().len();
                prop_assert!(bytes <= max_bytes, "batch {} is {} bytes", i, bytes);
                // Greedy: the next mutation would not have fitted, measured
                // (as batch_len does) with each mutation written alone.
                if let Some(next) = batches.get(i + 1).map(|b| &b[0]) {
                    let alone = |m: &Mutation| serde_json::to_vec(m).unwrap().len();
                    let bytes = serde_json::to_vec(&request(&[])).unwrap().len()
                        + batch.iter().map(alone).sum::<usize>() + batch.len() + alone(next);
                    prop_assert!(batch.len() == max_mutations || bytes > max_bytes);
                }
            }
        }
    }
}
