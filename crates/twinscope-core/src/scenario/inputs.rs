//! A scenario's initial conditions as of T0: each `[inputs]` entry read once from history, so
//! a run started at the cursor uses the plant as it was then, and the report lists every value
//! used and the sample it came from.

use super::{InputSource, Quantity, ResolvedInput, ScenarioError, ScenarioSpec, SignalRead};
use crate::signal::Timestamp;
use crate::store::SignalStore;

/// Reads every input of `spec` at `t0`, in spec order.
///
/// A signal input takes the signal's latest sample at or before `t0` (never a later one: the
/// scenario must not know the future), times its `scale`. Without such a sample (no data yet,
/// evicted, a non-finite value, or a signal the store does not hold) its `default` is used as
/// written, unscaled, and the input is marked `defaulted`; without a default the scenario cannot
/// start: [`ScenarioError::NoValue`] names the input and the signal.
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
                let sample = store
                    .index_of(signal)
                    .and_then(|index| store.value_at(index, t0))
                    .filter(|sample| sample.value.is_finite());
                match (sample, default) {
                    (Some(sample), _) => Ok(ResolvedInput {
                        name: input.name.clone(),
                        value: sample.value * scale,
                        read: Some(SignalRead {
                            signal: signal.clone(),
                            time: sample.time,
                            raw: sample.value,
                        }),
                        defaulted: false,
                    }),
                    (None, Some(default)) => Ok(ResolvedInput {
                        name: input.name.clone(),
                        value: *default,
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

/// The value of a quantity given the resolved inputs: the constant, or `scale` times the named
/// input; `None` for a name not in `inputs` (parsing rejects unknown names, so that only
/// happens with inputs resolved for another spec).
pub fn quantity(q: &Quantity, inputs: &[ResolvedInput]) -> Option<f64> {
    match q {
        Quantity::Value(value) => Some(*value),
        Quantity::Input { name, scale } => inputs
            .iter()
            .find(|input| &input.name == name)
            .map(|input| input.value * scale),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::InputSpec;
    use crate::scene::Location;
    use crate::signal::{Sample, SignalId};

    fn input(name: &str, source: InputSource) -> InputSpec {
        InputSpec {
            name: name.into(),
            source,
            location: Location::new("s.toml", 3, 1),
        }
    }

    fn signal(id: &str, scale: f64, default: Option<f64>) -> InputSource {
        InputSource::Signal {
            signal: SignalId::new(id),
            scale,
            default,
        }
    }

    fn spec(inputs: Vec<InputSpec>) -> ScenarioSpec {
        ScenarioSpec {
            inputs,
            ..ScenarioSpec::empty("s".into(), Location::new("s.toml", 1, 1), 1.0)
        }
    }

    /// A store holding `belt` at t = 10 s (0.5), 20 s (0.8) and 30 s (NaN), and an empty `mass`.
    fn store() -> SignalStore {
        let (belt, mass) = (SignalId::new("belt"), SignalId::new("mass"));
        let mut store = SignalStore::new([belt.clone(), mass]);
        let s = |t: i64, v: f64| Sample::new(belt.clone(), Timestamp(t * 1_000_000_000), v);
        store.ingest([s(10, 0.5), s(20, 0.8), s(30, f64::NAN)]);
        store
    }

    #[test]
    fn reads_the_latest_sample_at_or_before_t0_times_its_scale() {
        let spec = spec(vec![
            input("speed", signal("belt", 2.0, Some(9.0))),
            input("fixed", InputSource::Value(800.0)),
        ]);
        let store = store();
        let cases = [
            // (t0 in s, value used, sample time in s)
            (10, 1.0, 10),
            (15, 1.0, 10),
            (20, 1.6, 20),
            (29, 1.6, 20),
        ];
        for (t0, value, sample_s) in cases {
            let resolved = resolve_inputs(&spec, &store, Timestamp(t0 * 1_000_000_000)).unwrap();
            assert_eq!(resolved[0].value, value, "t0 = {t0}");
            let read = resolved[0].read.as_ref().unwrap();
            assert_eq!(read.time, Timestamp(sample_s * 1_000_000_000));
            assert_eq!(read.raw * 2.0, value);
            assert!(!resolved[0].defaulted);
            assert_eq!((resolved[1].value, &resolved[1].read), (800.0, &None));
        }
    }

    #[test]
    fn falls_back_to_the_default_or_fails_naming_input_and_signal() {
        let store = store();
        // Before the first sample, at a NaN sample, for an empty and an unknown signal.
        for (id, t0_s) in [("belt", 5), ("belt", 35), ("mass", 50), ("nowhere", 50)] {
            let t0 = Timestamp(t0_s * 1_000_000_000);
            let with_default = spec(vec![input("x", signal(id, 2.0, Some(0.4)))]);
            let resolved = resolve_inputs(&with_default, &store, t0).unwrap();
            assert_eq!(
                resolved[0].value, 0.4,
                "{id} at {t0_s}: default is not scaled"
            );
            assert!(resolved[0].defaulted && resolved[0].read.is_none());
            let without = spec(vec![input("x", signal(id, 2.0, None))]);
            match resolve_inputs(&without, &store, t0) {
                Err(ScenarioError::NoValue {
                    input,
                    signal,
                    location,
                    ..
                }) => {
                    assert_eq!((input.as_str(), signal.as_str()), ("x", id));
                    assert_eq!(location.to_string(), "s.toml:3:1");
                }
                other => panic!("{id} at {t0_s}: expected NoValue, got {other:?}"),
            }
        }
    }

    #[test]
    fn quantities_scale_their_input() {
        let inputs = vec![ResolvedInput {
            name: "mass".into(),
            value: 800.0,
            read: None,
            defaulted: false,
        }];
        let q = |name: &str, scale| Quantity::Input {
            name: name.into(),
            scale,
        };
        assert_eq!(quantity(&Quantity::Value(1.5), &inputs), Some(1.5));
        assert_eq!(quantity(&q("mass", 1.0), &inputs), Some(800.0));
        assert_eq!(quantity(&q("mass", 0.5), &inputs), Some(400.0));
        assert_eq!(quantity(&q("other", 1.0), &inputs), None);
    }
}
