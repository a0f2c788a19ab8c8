//! The simulator thread feeds the store through the real channel and per-frame drain.

use crate::ingest::{IngestChannel, IngestStats, Store};
use bevy::prelude::*;
use std::time::{Duration, Instant};
use twinscope_core::demo::demo_signal_periods;
use twinscope_core::signal::{Sample, SignalId, Timestamp};

fn ingest_app(signals: impl IntoIterator<Item = SignalId>) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    app.insert_resource(Store(twinscope_core::store::SignalStore::new(signals)));
    app.add_plugins((crate::pipeline::plugin, crate::ingest::plugin));
    app
}

#[test]
fn simulator_thread_delivers_every_demo_signal() {
    let ids: Vec<SignalId> = demo_signal_periods()
        .into_iter()
        .map(|(id, _)| SignalId::new(id))
        .collect();
    let mut app = ingest_app(ids.clone());
    let sender = app.world().resource::<IngestChannel>().sender.clone();
    let handle = twinscope_sources::demo_feed::spawn_simulator(
        twinscope_core::demo::DemoSimulator::new(42, twinscope_core::signal::Timestamp::now()),
        sender,
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        app.update();
        let store = app.world().resource::<Store>();
        let all = ids.iter().all(|id| {
            store
                .index_of(id)
                .and_then(|i| store.value_at(i, Timestamp::now()))
                .is_some()
        });
        if all && store.total_received() > ids.len() as u64 * 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every signal arrived within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(handle.dropped(), 0);
    assert!(app.world().resource::<Store>().unknown_signals().is_empty());
    drop(handle);
}

#[test]
fn drain_stops_at_its_budget_and_loses_nothing() {
    let id = SignalId::new("a");
    let mut app = ingest_app([id.clone()]);
    app.world_mut().resource_mut::<IngestStats>().budget = Duration::ZERO;
    let sender = app.world().resource::<IngestChannel>().sender.clone();
    for batch in 0..50 {
        let samples = (0..100)
            .map(|i| Sample::new(id.clone(), Timestamp(batch * 100 + i), i as f64))
            .collect();
        sender.send(samples).unwrap();
    }
    app.update();
    assert_eq!(
        app.world().resource::<Store>().total_received(),
        0,
        "a zero budget drains nothing"
    );
    assert_eq!(app.world().resource::<IngestStats>().pending_batches, 50);

    app.world_mut().resource_mut::<IngestStats>().budget = Duration::from_secs(1);
    app.update();
    let store = app.world().resource::<Store>();
    assert_eq!(store.total_received(), 5_000);
    let index = store.index_of(&id).unwrap();
    assert_eq!(
        store.value_at(index, Timestamp(i64::MAX)).map(|v| v.time),
        Some(Timestamp(4_999))
    );
    assert_eq!(app.world().resource::<IngestStats>().pending_batches, 0);
}
