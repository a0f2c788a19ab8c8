//! Table tests of the alarm state machine and the journal engine.

use super::*;
use crate::signal::{Sample, SignalId, Timestamp};
use crate::store::SignalStore;
use AlarmState::*;

const S: i64 = 1_000_000_000;

/// One step of a machine scenario (times in seconds).
#[derive(Clone, Copy)]
enum Step {
    /// The watched signal's sample.
    V(i64, f64),
    /// The suppression signal's sample.
    Sup(i64, f64),
    /// Operator acknowledge.
    Ack(i64),
    /// Operator shelve until the second time.
    Shelve(i64, i64),
    /// Operator unshelve.
    Unshelve(i64),
    /// The state at this time must be this.
    Expect(i64, AlarmState),
}

fn high(limit: f64, deadband: f64, on_s: i64, off_s: i64) -> AlarmSpec {
    let mut spec = AlarmSpec::limit("x", LimitKind::High, limit);
    spec.deadband = deadband;
    spec.on_delay_ns = on_s * S;
    spec.off_delay_ns = off_s * S;
    spec
}

/// Runs a scenario through a bare machine and checks every `Expect`.
fn run_machine(name: &str, spec: &AlarmSpec, steps: &[Step]) -> Vec<Transition> {
    let mut machine = AlarmMachine::default();
    let mut journal = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let (t, input) = match *step {
            Step::V(t, v) => (t, Input::Value(v)),
            Step::Sup(t, v) => (t, Input::Suppress(v)),
            Step::Ack(t) => (t, Input::Operator(OperatorAction::Acknowledge)),
            Step::Shelve(t, until) => (
                t,
                Input::Operator(OperatorAction::Shelve { until: until * S }),
            ),
            Step::Unshelve(t) => (t, Input::Operator(OperatorAction::Unshelve)),
            Step::Expect(t, state) => {
                let got = machine.peek(spec, t * S).state();
                assert_eq!(got, state, "{name}: step {i}, state at {t} s");
                continue;
            }
        };
        machine.apply(spec, t * S, input, &mut journal);
    }
    journal
}

#[test]
#[allow(clippy::too_many_lines)] // One row per transition of ISA-18.2's state machine.
fn state_machine_table() {
    use Step::*;
    let cases: Vec<(&str, AlarmSpec, Vec<Step>)> = vec![
        (
            "limit without delay, ack while active, then return",
            high(95.0, 0.0, 0, 0),
            vec![
                V(0, 90.0),
                Expect(0, Normal),
                V(1, 95.0),
                Expect(1, Unacknowledged),
                Ack(2),
                Expect(2, Acknowledged),
                V(3, 94.9),
                Expect(3, Normal),
            ],
        ),
        (
            "deadband: stays active until below limit minus deadband",
            high(95.0, 2.0, 0, 0),
            vec![
                V(0, 96.0),
                V(1, 93.5),
                Expect(1, Unacknowledged),
                V(2, 92.9),
                Expect(2, ReturnedUnacknowledged),
                V(3, 94.0),
                Expect(3, ReturnedUnacknowledged),
            ],
        ),
        (
            "low limit deadband mirrors high",
            {
                let mut spec = AlarmSpec::limit("x", LimitKind::Low, 10.0);
                spec.deadband = 1.0;
                spec
            },
            vec![
                V(0, 10.0),
                Expect(0, Unacknowledged),
                V(1, 10.9),
                Expect(1, Unacknowledged),
                V(2, 11.1),
                Expect(2, ReturnedUnacknowledged),
            ],
        ),
        (
            "on delay: a short excursion never activates",
            high(95.0, 0.0, 5, 0),
            vec![
                V(0, 99.0),
                V(4, 90.0),
                Expect(10, Normal),
                V(20, 99.0),
                Expect(24, Normal),
                Expect(25, Unacknowledged),
            ],
        ),
        (
            "off delay: clears only after clear for the delay",
            high(95.0, 0.0, 0, 10),
            vec![
                V(0, 99.0),
                Ack(1),
                V(2, 90.0),
                Expect(11, Acknowledged),
                V(5, 99.0),
                V(6, 90.0),
                Expect(15, Acknowledged),
                Expect(16, Normal),
            ],
        ),
        (
            "ack across return to normal: RTN-unack then ack gives normal",
            high(95.0, 0.0, 0, 0),
            vec![
                V(0, 99.0),
                V(1, 90.0),
                Expect(1, ReturnedUnacknowledged),
                Ack(2),
                Expect(2, Normal),
                Ack(3),
                Expect(3, Normal),
            ],
        ),
        (
            "shelve hides, expiry shows what the process says (active: unacknowledged)",
            high(95.0, 0.0, 0, 0),
            vec![
                V(0, 99.0),
                Shelve(1, 60),
                Expect(1, Shelved),
                Expect(59, Shelved),
                Expect(60, Unacknowledged),
                V(61, 99.0),
                Expect(61, Unacknowledged),
            ],
        ),
        (
            "shelve expiry with the condition gone returns to normal",
            high(95.0, 0.0, 0, 0),
            vec![
                V(0, 99.0),
                Shelve(1, 30),
                V(10, 90.0),
                Expect(29, Shelved),
                Expect(30, Normal),
            ],
        ),
        (
            "unshelve early while active",
            high(95.0, 0.0, 0, 0),
            vec![
                V(0, 99.0),
                Shelve(1, 100),
                Unshelve(5),
                Expect(5, Unacknowledged),
                Expect(200, Unacknowledged),
            ],
        ),
        (
            "suppressed by design: hidden, unacknowledged when released while active",
            high(95.0, 0.0, 0, 0),
            vec![
                Sup(0, 1.0),
                V(1, 99.0),
                Expect(1, Suppressed),
                Ack(2),
                Sup(3, 0.0),
                Expect(3, Unacknowledged),
                Sup(4, 1.0),
                V(5, 90.0),
                Sup(6, 0.0),
                Expect(6, Normal),
            ],
        ),
        (
            "discrete: active while the value equals `when`",
            {
                let mut spec = AlarmSpec::limit("x", LimitKind::High, 0.0);
                spec.condition = AlarmCondition::Discrete { when: 0.0 };
                spec
            },
            vec![
                V(0, 1.0),
                Expect(0, Normal),
                V(1, 0.0),
                Expect(1, Unacknowledged),
                V(2, 1.0),
                Expect(2, ReturnedUnacknowledged),
            ],
        ),
    ];
    for (name, spec, steps) in &cases {
        run_machine(name, spec, steps);
    }
}

#[test]
fn journal_records_causes_and_activation_times() {
    use Step::*;
    let journal = run_machine(
        "journal",
        &high(95.0, 0.0, 5, 0),
        &[V(0, 99.0), V(7, 98.0), Ack(8), V(9, 90.0)],
    );
    let summary: Vec<_> = journal
        .iter()
        .map(|t| (t.time / S, t.from, t.to, t.cause, t.value))
        .collect();
    assert_eq!(
        summary,
        [
            (5, Normal, Unacknowledged, Cause::Activated, 99.0),
            (8, Unacknowledged, Acknowledged, Cause::Acknowledged, 98.0),
            (9, Acknowledged, Normal, Cause::Cleared, 90.0),
        ]
    );
    assert_eq!(journal[0].active_since, Some(5 * S));
}

fn sample(id: &str, t_s: i64, value: f64) -> Sample {
    Sample::new(SignalId::new(id), Timestamp(t_s * S), value)
}

fn engine_with(specs: Vec<AlarmSpec>) -> (SignalStore, AlarmEngine) {
    let mut store = SignalStore::new(["x", "y", "run"].map(SignalId::new));
    let engine = AlarmEngine::new(specs, &mut store);
    (store, engine)
}

/// A deterministic wandering series around the limit.
fn wander(n: i64) -> Vec<Sample> {
    (0..n)
        .map(|t| {
            let v = 95.0 + 6.0 * ((t as f64) * 0.37).sin() + 2.0 * ((t as f64) * 1.9).cos();
            sample("x", t, v)
        })
        .collect()
}

fn specs() -> Vec<AlarmSpec> {
    let mut a = high(95.0, 1.5, 3, 4);
    a.suppress_when = Some(SignalId::new("run"));
    let b = AlarmSpec::limit("x", LimitKind::HighHigh, 100.0);
    vec![a, b]
}

#[test]
fn incremental_equals_from_scratch_with_late_samples_and_actions() {
    let samples = wander(2_000);
    // From scratch: everything in order, one update.
    let (mut store, mut scratch) = engine_with(specs());
    store.ingest(samples.clone());
    store.ingest([sample("run", 500, 1.0), sample("run", 700, 0.0)]);
    scratch.act(0, Timestamp(300 * S), OperatorAction::Acknowledge);
    scratch.act(
        1,
        Timestamp(1_200 * S),
        OperatorAction::Shelve { until: 1_500 * S },
    );
    scratch.update(&mut store);

    // Incremental: shuffled chunks, an update after each, actions in between.
    let (mut store2, mut inc) = engine_with(specs());
    let mut chunks: Vec<Vec<Sample>> = samples.chunks(97).map(<[_]>::to_vec).collect();
    chunks.swap(3, 17);
    chunks.swap(5, 11);
    chunks.reverse();
    chunks.rotate_left(7);
    for (i, chunk) in chunks.into_iter().enumerate() {
        store2.ingest(chunk);
        if i == 4 {
            inc.act(
                1,
                Timestamp(1_200 * S),
                OperatorAction::Shelve { until: 1_500 * S },
            );
            store2.ingest([sample("run", 700, 0.0)]);
        }
        if i == 9 {
            inc.act(0, Timestamp(300 * S), OperatorAction::Acknowledge);
            store2.ingest([sample("run", 500, 1.0)]);
        }
        inc.update(&mut store2);
    }
    inc.update(&mut store2);
    for alarm in 0..2 {
        assert!(!scratch.journal(alarm).is_empty());
        assert_eq!(inc.journal(alarm), scratch.journal(alarm), "alarm {alarm}");
    }
    for t in (0..2_100).step_by(7) {
        let t = Timestamp(t * S + 1);
        assert_eq!(inc.status_at(0, t), scratch.status_at(0, t));
    }
}

#[test]
fn late_sample_invalidates_and_only_changed_alarms_are_processed() {
    let (mut store, mut engine) = engine_with(vec![
        AlarmSpec::limit("x", LimitKind::High, 95.0),
        AlarmSpec::limit("y", LimitKind::High, 95.0),
    ]);
    store.ingest((0..10).map(|t| sample("x", t, 90.0)));
    store.ingest((0..10).map(|t| sample("y", t, 90.0)));
    assert_eq!(engine.update(&mut store), 2);
    assert_eq!(
        engine.update(&mut store),
        0,
        "nothing new, nothing processed"
    );
    assert_eq!(engine.status_at(0, Timestamp(9 * S)).state, Normal);
    // A late sample in the past of x only.
    store.ingest([sample("x", 4, 99.0)]);
    assert_eq!(engine.update(&mut store), 1);
    assert_eq!(
        engine.journal_changes(),
        [JournalChange { alarm: 0, kept: 0 }]
    );
    assert_eq!(engine.status_at(0, Timestamp(4 * S)).state, Unacknowledged);
    assert_eq!(
        engine.status_at(0, Timestamp(6 * S)).state,
        ReturnedUnacknowledged
    );
    assert_eq!(engine.status_at(0, Timestamp(3 * S)).state, Normal);
}

#[test]
fn delay_elapses_without_a_later_sample() {
    let (mut store, mut engine) = engine_with(vec![high(95.0, 0.0, 5, 0)]);
    store.ingest([sample("x", 0, 90.0), sample("x", 10, 99.0)]);
    engine.update(&mut store);
    assert_eq!(engine.status_at(0, Timestamp(14 * S)).state, Normal);
    let at = engine.status_at(0, Timestamp(15 * S));
    assert_eq!(at.state, Unacknowledged);
    assert_eq!(at.active_since, Some(Timestamp(15 * S)));
    assert!(engine.journal(0).is_empty(), "peeking records nothing");
    engine.settle(Timestamp(20 * S));
    assert_eq!(
        engine.journal(0).len(),
        1,
        "settling records the activation"
    );
    // A sample after settling but before its horizon still replays correctly.
    store.ingest([sample("x", 12, 90.0)]);
    engine.update(&mut store);
    assert_eq!(engine.status_at(0, Timestamp(30 * S)).state, Normal);
    assert!(engine.journal(0).is_empty());
}

#[test]
fn ack_in_the_past_replays_and_asset_summary_picks_the_worst() {
    let mut h = AlarmSpec::limit("x", LimitKind::High, 95.0);
    h.asset = Some("M-1".into());
    let mut hh = AlarmSpec::limit("x", LimitKind::HighHigh, 110.0);
    hh.asset = Some("M-1".into());
    hh.priority = AlarmPriority::Urgent;
    let (mut store, mut engine) = engine_with(vec![h, hh]);
    store.ingest([
        sample("x", 0, 90.0),
        sample("x", 10, 100.0),
        sample("x", 20, 111.0),
        sample("x", 30, 90.0),
    ]);
    engine.update(&mut store);
    assert_eq!(engine.assets(), ["M-1"]);
    let at25 = engine.asset_status_at(0, Timestamp(25 * S), false);
    assert_eq!((at25.active, at25.unacknowledged), (2, 2));
    assert_eq!(at25.worst.map(|w| w.0), Some(1), "urgent HH is the worst");
    engine.act(0, Timestamp(15 * S), OperatorAction::Acknowledge);
    engine.update(&mut store);
    assert_eq!(engine.status_at(0, Timestamp(14 * S)).state, Unacknowledged);
    assert_eq!(engine.status_at(0, Timestamp(25 * S)).state, Acknowledged);
    assert_eq!(engine.status_at(0, Timestamp(35 * S)).state, Normal);
    assert_eq!(
        engine.status_at(1, Timestamp(35 * S)).state,
        ReturnedUnacknowledged
    );
}

#[test]
fn csv_export_lists_transitions_in_time_order() {
    let mut spec = AlarmSpec::limit("x", LimitKind::High, 95.0);
    spec.asset = Some("M-1".into());
    spec.area = "Pumping".into();
    let (mut store, mut engine) = engine_with(vec![spec]);
    store.ingest([sample("x", 0, 99.5), sample("x", 2, 90.0)]);
    engine.act(0, Timestamp(S), OperatorAction::Acknowledge);
    engine.update(&mut store);
    let mut out = Vec::new();
    assert_eq!(write_csv(&engine, &mut out).unwrap(), 3);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "time,alarm,asset,area,priority,from,to,value,cause,operator_action",
            "1970-01-01T00:00:00Z,x H,M-1,Pumping,medium,normal,unacknowledged,99.5,activated,",
            "1970-01-01T00:00:01Z,x H,M-1,Pumping,medium,unacknowledged,acknowledged,99.5,acknowledged,acknowledged",
            "1970-01-01T00:00:02Z,x H,M-1,Pumping,medium,acknowledged,normal,90,cleared,",
        ]
    );
}

#[test]
fn last_activation_survives_return_to_normal() {
    let (mut store, mut engine) = engine_with(vec![AlarmSpec::limit("x", LimitKind::High, 95.0)]);
    store.ingest([
        sample("x", 0, 90.0),
        sample("x", 10, 99.0),
        sample("x", 20, 90.0),
    ]);
    engine.update(&mut store);
    assert_eq!(engine.status_at(0, Timestamp(25 * S)).active_since, None);
    assert_eq!(
        engine.last_activation(0, Timestamp(25 * S)),
        Some(Timestamp(10 * S))
    );
    assert_eq!(engine.last_activation(0, Timestamp(5 * S)), None);
}
