//! The `explain` trace: every rule consulted, in order.

use crate::Decision;

/// One rule the authenticator consulted, and what it found.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TraceStep {
    /// The step's stable name (`parse`, `throttle`, `resolve-login`,
    /// `find-account`, `verify-credential`, `account-gate`,
    /// `credential-checks`, `scope`, `surface-gate`, `impersonation`,
    /// `second-factor`, `grant`).
    pub step: &'static str,
    /// What it found, in words. Never holds a secret.
    pub outcome: String,
}

/// A decision with the trace that produced it.
#[derive(Clone, Debug, PartialEq)]
pub struct Explained {
    /// The decision (the same one `verify` would return).
    pub decision: Decision,
    /// The rules consulted, in order.
    pub trace: Vec<TraceStep>,
}

/// Collects steps only when explaining, so `verify` formats nothing.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    steps: Option<Vec<TraceStep>>,
}

impl Trace {
    pub(crate) fn off() -> Self {
        Trace { steps: None }
    }

    pub(crate) fn on() -> Self {
        Trace {
            steps: Some(Vec::new()),
        }
    }

    /// Records a step; `outcome` is only evaluated when explaining.
    pub(crate) fn step(&mut self, step: &'static str, outcome: impl FnOnce() -> String) {
        if let Some(steps) = &mut self.steps {
            steps.push(TraceStep {
                step,
                outcome: outcome(),
            });
        }
    }

    pub(crate) fn into_steps(self) -> Vec<TraceStep> {
        self.steps.unwrap_or_default()
    }
}
