//! Derived values materialised in the history store as their inputs arrive.

use super::*;
use crate::signal::{Sample, Timestamp};
use crate::store::{DerivedSetupError, SignalStore};

fn sample(id: &str, t: i64, v: f64) -> Sample {
    Sample::new(SignalId::new(id), Timestamp(t), v)
}

/// A store over `ids` computing each `(id, expr)`.
fn store(ids: &[&str], derived: &[(&str, &str)]) -> SignalStore {
    let declared: Vec<SignalId> = ids.iter().map(|i| SignalId::new(*i)).collect();
    let derived: Vec<DerivedSignal> = derived
        .iter()
        .map(|(id, text)| DerivedSignal {
            id: SignalId::new(*id),
            expr: Expression::compile(text, &declared).expect("compiles"),
        })
        .collect();
    let mut store = SignalStore::new(declared.iter().cloned());
    store.set_derived(&derived).expect("resolves");
    store
}

/// Every sample of a signal, oldest first.
fn series(store: &SignalStore, id: &str) -> Vec<(i64, f64)> {
    let index = store.index_of(&SignalId::new(id)).expect("declared");
    let history = store.history(index).expect("history");
    history
        .range(Timestamp(i64::MIN)..Timestamp(i64::MAX))
        .map(|(t, v)| (t.0, v))
        .collect()
}

#[test]
fn derived_samples_follow_inputs_in_order_once_all_have_values() {
    let mut s = store(&["P.in", "P.out", "P.head"], &[("P.head", "P.out - P.in")]);
    // No value of P.in yet at 10: nothing derived then.
    s.ingest([sample("P.out", 10, 5.0)]);
    assert!(series(&s, "P.head").is_empty());
    s.ingest([sample("P.in", 20, 1.0), sample("P.out", 30, 6.0)]);
    s.ingest([sample("P.in", 40, 2.0)]);
    assert_eq!(series(&s, "P.head"), [(20, 4.0), (30, 5.0), (40, 4.0)]);
    let head = s.index_of(&SignalId::new("P.head")).expect("declared");
    assert_eq!(s.value_at(head, Timestamp(35)).map(|v| v.value), Some(5.0));
    assert_eq!(s.received(head), 3);
    assert_eq!(
        s.total_received(),
        4,
        "derived samples are not received samples"
    );
}

#[test]
fn equal_times_in_one_batch_give_one_sample_from_the_latest_arrivals() {
    let mut s = store(&["a", "b", "sum"], &[("sum", "a + b")]);
    s.ingest([
        sample("a", 5, 1.0),
        sample("b", 5, 10.0),
        sample("a", 5, 2.0),
        sample("b", 7, 20.0),
    ]);
    assert_eq!(series(&s, "sum"), [(5, 12.0), (7, 22.0)]);
    // A later batch correcting the sample at 5 replaces the derived value at 5 too.
    s.ingest([sample("a", 5, 3.0)]);
    let sum = s.index_of(&SignalId::new("sum")).expect("declared");
    assert_eq!(s.value_at(sum, Timestamp(6)).map(|v| v.value), Some(13.0));
    assert_eq!(s.value_at(sum, Timestamp(7)).map(|v| v.value), Some(22.0));
}

#[test]
fn derived_of_derived_is_computed_after_its_input_whatever_the_declaration_order() {
    let mut s = store(
        &["speed", "current", "running", "loaded"],
        // `loaded` reads `running`, declared (and listed) first.
        &[
            ("loaded", "if(current > 2, running, 0)"),
            ("running", "speed > 100"),
        ],
    );
    s.ingest([sample("speed", 1, 1450.0), sample("current", 1, 3.0)]);
    s.ingest([sample("current", 2, 1.0)]);
    s.ingest([sample("speed", 3, 0.0), sample("current", 3, 5.0)]);
    assert_eq!(series(&s, "running"), [(1, 1.0), (3, 0.0)]);
    assert_eq!(series(&s, "loaded"), [(1, 1.0), (2, 0.0), (3, 0.0)]);
}

#[test]
fn late_input_samples_are_computed_at_their_own_time() {
    let mut s = store(&["a", "b", "d"], &[("d", "a * b")]);
    s.ingest([sample("a", 10, 2.0), sample("b", 10, 3.0)]);
    s.ingest([sample("a", 5, 4.0)]);
    // No `b` at 5 yet: nothing there.
    assert_eq!(series(&s, "d"), [(10, 6.0)]);
    // `b` at 4 has no `a` at 4 to pair with; `a` at 5 is not revisited (documented: a late
    // sample recomputes only its own time). `a` at 20 pairs with `b` from 10.
    s.ingest([sample("b", 4, 1.0), sample("a", 20, 1.0)]);
    assert_eq!(series(&s, "d"), [(10, 6.0), (20, 3.0)]);
    s.ingest([sample("a", 6, 7.0)]);
    assert_eq!(series(&s, "d"), [(6, 7.0), (10, 6.0), (20, 3.0)]);
}

#[test]
fn setup_rejects_cycles_and_undeclared_signals() {
    let declared: Vec<SignalId> = ["a", "b"].iter().map(|i| SignalId::new(*i)).collect();
    let def = |id: &str, text: &str| DerivedSignal {
        id: SignalId::new(id),
        expr: Expression::compile(text, &declared).expect("compiles"),
    };
    let mut s = SignalStore::new(declared.iter().cloned());
    let err = s
        .set_derived(&[def("a", "b"), def("b", "a")])
        .expect_err("cycle");
    assert!(matches!(err, DerivedSetupError::Cycle(_)), "{err}");
    let err = s.set_derived(&[def("zz", "a")]).expect_err("undeclared");
    assert_eq!(err, DerivedSetupError::Undeclared(SignalId::new("zz")));
}
