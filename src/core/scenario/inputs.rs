//! TEMPORARY shim until scn-spec lands: initial conditions read at T0.

use super::{InputSource, ResolvedInput, ScenarioError, ScenarioSpec, SignalRead};
use crate::core::signal::Timestamp;
use crate::core::store::SignalStore;

/// Reads every input of `spec` at `t0`.
pub fn resolve_inputs(
    spec: &ScenarioSpec,
    store: &SignalStore,
    t0: Timestamp,
) -> Result<Vec<ResolvedInput>, ScenarioError> {
    spec.inputs
        .iter()
        .map(|input| match &input.source {
            InputSource::Value(value) => Ok(ResolvedInput {
                name: input.name.clone(),
                value: *value,
                read: None,
                defaulted: false,
            }),
            InputSource::Signal {
                signal,
                scale,
                default,
            } => {
                let read = store
                    .index_of(signal)
                    .and_then(|i| store.value_at(i, t0));
                match (read, default) {
                    (Some(v), _) => Ok(ResolvedInput {
                        name: input.name.clone(),
                        value: v.value * scale,
                        read: Some(SignalRead {
                            signal: signal.clone(),
                            time: v.time,
                            raw: v.value,
                        }),
                        defaulted: false,
                    }),
                    (None, Some(d)) => Ok(ResolvedInput {
                        name: input.name.clone(),
                        value: *d,
                        read: None,
                        defaulted: true,
                    }),
                    (None, None) => Err(ScenarioError::NoValue {
                        location: input.location.clone(),
                        input: input.name.clone(),
                        signal: signal.clone(),
                    }),
                }
            }
        })
        .collect()
}
