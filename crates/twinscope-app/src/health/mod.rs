//! Sensor health in the app: every declared signal judged at the view time each frame through
//! its cached [`HealthTracker`], and each bound asset's [`AssetHealth`] rebuilt from its
//! signals when one of them changed.
//!
//! The judging is `core::health`; this is the thin adapter that feeds it the store, the view
//! time and the source link, and writes components only on change so views react to real
//! changes.

use crate::ingest::Store;
use crate::pipeline::ActiveScene;
use crate::pipeline::Evaluate;
use crate::pipeline::{SourceLink, ViewTime};
use crate::plant::AssetBinding;
use bevy::prelude::*;
use std::sync::Arc;
use twinscope_core::health::{HealthSpec, HealthTracker, SignalHealth, ViewAt, anomaly_at};
use twinscope_core::scene::Scene;
use twinscope_core::store::SignalIndex;

/// An asset's sensor-health problems at the view time, worst first; the health plugin keeps it
/// current and views show it in their own visual language (grey, hatched, an icon).
#[derive(Component, Clone, Debug, Default, PartialEq)]
pub(crate) struct AssetHealth {
    /// Problems of the asset's signals, most severe first.
    pub(crate) issues: Vec<twinscope_core::health::HealthIssue>,
}

impl AssetHealth {
    /// The most severe problem, if any.
    pub(crate) fn worst(&self) -> Option<&twinscope_core::health::HealthIssue> {
        self.issues.first()
    }
}

/// Each declared signal's health at the view time, indexed like the store.
#[derive(Resource, Default)]
pub(crate) struct SignalHealthState {
    /// The scene the specs were resolved from.
    scene: Option<Arc<Scene>>,
    specs: Vec<Option<HealthSpec>>,
    trackers: Vec<HealthTracker>,
    current: Vec<SignalHealth>,
    changed: Vec<bool>,
}

impl SignalHealthState {
    /// A signal's health at the view time (healthy when it is not judged).
    pub(crate) fn health(&self, index: SignalIndex) -> Option<&SignalHealth> {
        self.current.get(index.0 as usize)
    }

    /// What is checked for a signal, if it is declared in the scene.
    pub(crate) fn spec(&self, index: SignalIndex) -> Option<&HealthSpec> {
        self.specs.get(index.0 as usize)?.as_ref()
    }

    /// Resolves the checks of every store signal from the scene (once per scene).
    fn resolve(&mut self, scene: &Arc<Scene>, store: &Store) {
        let same = self.scene.as_ref().is_some_and(|s| Arc::ptr_eq(s, scene));
        if same && self.specs.len() == store.len() {
            return;
        }
        self.specs = (0..store.len())
            .map(|i| {
                let id = store.id(SignalIndex(i as u32))?;
                scene.signal(id).map(|signal| scene.health.spec(signal))
            })
            .collect();
        self.trackers = vec![HealthTracker::new(); store.len()];
        self.current = vec![SignalHealth::default(); store.len()];
        self.changed = vec![true; store.len()];
        self.scene = Some(Arc::clone(scene));
    }
}

/// Adds sensor-health evaluation (part of the evaluation plugin).
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<SignalHealthState>()
        .add_observer(attach_asset_health)
        .add_systems(
            Update,
            (judge_signals, update_asset_health)
                .chain()
                .in_set(Evaluate::Health),
        );
}

/// Gives every bound asset an [`AssetHealth`] to keep current.
fn attach_asset_health(add: On<Add, AssetBinding>, mut commands: Commands) {
    commands.entity(add.entity).insert(AssetHealth::default());
}

/// Judges every declared signal at the view time, noting which changed since last frame.
pub(crate) fn judge_signals(
    store: Res<Store>,
    time: Res<ViewTime>,
    link: Res<SourceLink>,
    active: Option<Res<ActiveScene>>,
    forecasts: Option<Res<crate::forecast::Forecasts>>,
    mut state: ResMut<SignalHealthState>,
) {
    let Some(active) = active else {
        return;
    };
    let state = &mut *state;
    state.resolve(&active.scene, &store);
    // Past now (the predicted view) transmitters are judged as of now: the future is not stale.
    let judged_at = match forecasts.as_ref().map(|f| f.view) {
        Some(view) if view.active => view.now,
        _ => time.time,
    };
    let at = ViewAt {
        time: judged_at,
        lookup: time.lookup(),
    };
    for (i, spec) in state.specs.iter().enumerate() {
        let index = SignalIndex(i as u32);
        let (Some(spec), Some(history)) = (spec, store.history(index)) else {
            continue;
        };
        let mut health = state.trackers[i].evaluate(history, spec, at, link.at(judged_at));
        // The forecast tracker's anomaly detector feeds health (the mildest kind of issue).
        if let Some(detector) = forecasts.as_ref().and_then(|f| f.detector(index)) {
            health.anomaly = anomaly_at(
                detector.closed(),
                detector.open(),
                judged_at,
                spec.spike.is_some(),
            );
        }
        state.changed[i] = health != state.current[i];
        state.current[i] = health;
    }
}

/// Rebuilds an asset's issue list when one of its signals' health changed, worst first.
pub(crate) fn update_asset_health(
    mut state: ResMut<SignalHealthState>,
    mut assets: Query<(&AssetBinding, &mut AssetHealth)>,
) {
    for (binding, mut health) in &mut assets {
        let indices = binding.signals.iter().filter_map(|s| s.index);
        let dirty = health.is_added()
            || indices
                .clone()
                .any(|i| state.changed.get(i.0 as usize) == Some(&true));
        if !dirty {
            continue;
        }
        let mut issues = Vec::new();
        for index in indices {
            if let (Some(spec), Some(signal)) = (state.spec(index), state.health(index)) {
                signal.push_issues(spec, &mut issues);
            }
        }
        // Stable, so one signal's issues keep their order among equals.
        issues.sort_by_key(|issue| std::cmp::Reverse(issue.kind));
        let next = AssetHealth { issues };
        health.set_if_neq(next);
    }
    state.changed.fill(false);
}
