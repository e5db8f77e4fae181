//! What the studio's components share: whether the studio is open and for
//! whom, the sync status, and a revision that moves whenever the store on
//! the device changes (an edit here, a pull, another tab's write).

use leptos::prelude::*;
use sawda_sync::RejectCode;
use serde_json::Value;

use crate::field_problem::FieldProblem;
use crate::storefront::rules::check_field;
use crate::sync_status::SyncStatus;

#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Opening,
    /// Nobody is signed in on this device.
    NoAccount,
    Open,
}

/// An edit the server (or the device's own check) refused.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub mutation: String,
    pub code: RejectCode,
}

#[derive(Clone, Copy)]
pub struct Studio {
    pub phase: RwSignal<Phase>,
    pub status: RwSignal<SyncStatus>,
    pub revision: RwSignal<u64>,
    pub refused: RwSignal<Vec<Refusal>>,
    /// Fields whose typed value breaks the rules: shown under the field, not saved.
    pub problems: RwSignal<Vec<(&'static str, FieldProblem)>>,
}

impl Studio {
    pub fn new() -> Self {
        Studio {
            phase: RwSignal::new(Phase::Opening),
            status: RwSignal::new(SyncStatus::Opening),
            revision: RwSignal::new(0),
            refused: RwSignal::new(Vec::new()),
            problems: RwSignal::new(Vec::new()),
        }
    }

    /// A field of the storefront as stored on this phone (`null` when unset).
    pub fn storefront_value(self, field: &'static str) -> Value {
        self.revision.track();
        #[cfg(feature = "hydrate")]
        {
            crate::background_sync::storefront_value(field).unwrap_or(Value::Null)
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = field;
            Value::Null
        }
    }

    /// A text field of the storefront as stored on this phone.
    pub fn storefront_text(self, field: &'static str) -> String {
        self.storefront_value(field).as_str().unwrap_or_default().to_owned()
    }

    /// Checks a storefront field by the same rules as the server; saves it on
    /// this phone and queues it when it passes, else shows why under the field.
    pub fn set_storefront(self, field: &'static str, value: Value) {
        let checked = check_field(field, &value);
        self.problems.update(|problems| {
            problems.retain(|(f, _)| *f != field);
            if let Err(problem) = checked {
                problems.push((field, problem));
            }
        });
        if checked.is_ok() {
            #[cfg(feature = "hydrate")]
            crate::background_sync::set_storefront_field(field, value);
        }
    }

    /// A text field: an empty optional one is cleared rather than saved empty.
    pub fn set_storefront_text(self, field: &'static str, typed: String, optional: bool) {
        let value = if optional && typed.trim().is_empty() { Value::Null } else { Value::String(typed) };
        self.set_storefront(field, value);
    }

    /// Why the value typed into `field` was not saved.
    pub fn problem(self, field: &'static str) -> Option<FieldProblem> {
        self.problems.with(|problems| problems.iter().find(|(f, _)| *f == field).map(|(_, p)| *p))
    }

    /// The person has read a refusal.
    pub fn dismiss(self, mutation: String) {
        #[cfg(feature = "hydrate")]
        crate::background_sync::dismiss(&mutation);
        self.refused.update(|refused| refused.retain(|r| r.mutation != mutation));
    }
}

impl Default for Studio {
    fn default() -> Self {
        Studio::new()
    }
}
