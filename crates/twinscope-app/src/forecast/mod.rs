//! Forecasts in the app: one [`SignalTracker`] per forecast signal, fed incrementally from the
//! store as samples arrive, scoring its own forecasts as they come due; the predicted plant
//! when the cursor is past now; risk per asset (see [`risk`]).
//!
//! The forecasting, validation and risk maths are `core::forecast`, `core::validation` and
//! `core::risk`; this is the thin adapter that feeds them the store and hands their results to
//! evaluation, views and panels. Per frame it costs the new samples (O(1) each, at most
//! [`FEED_BUDGET`] per frame, the rest next frame) plus an incremental risk pass over the
//! signals that advanced ([`twinscope_core::risk::RiskCache`]).

pub(crate) mod panel;

use crate::ingest::Store;
use crate::pipeline::ActiveScene;
use crate::pipeline::ForecastReach;
use crate::pipeline::ViewTime;
use crate::pipeline::{Evaluate, Stage};
use crate::timeline::Clock;
use bevy::prelude::*;
use std::collections::VecDeque;
use std::sync::Arc;
use twinscope_core::anomaly::AnomalyDetector;
use twinscope_core::forecast::{Prediction, SignalTracker, TrackerConfig, TrackerEvent};
use twinscope_core::scene::Scene;
use twinscope_core::signal::Timestamp;
use twinscope_core::store::{ChangeWatcher, SignalIndex};

/// Most samples fed to forecasters per frame; a backlog (a backfilled hour, a replay jump)
/// drains over the next frames instead of stalling one.
pub(crate) const FEED_BUDGET: usize = 40_000;

/// A forecast value as badges and the inspector show it: `≈` before the formatted value, so a
/// prediction never reads as a measurement.
pub(crate) fn format_predicted(value: f64, precision: usize, unit: &str) -> String {
    format!(
        "≈{}",
        twinscope_core::rules::format_value(value, precision, unit)
    )
}

/// Whether the view shows the predicted plant: the cursor is paused past now.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct PredictedView {
    /// The cursor is past now: values come from forecasts, not measurements.
    pub(crate) active: bool,
    /// Now: the wall clock live, the recording's end in replay.
    pub(crate) now: Timestamp,
    /// Seconds the cursor is ahead of now (0 when not predicted).
    pub(crate) ahead_s: f64,
}

/// Every forecast signal's tracker (forecaster, validator, anomaly detector), indexed like the
/// store, and the predicted-view state.
#[derive(Resource, Default)]
pub(crate) struct Forecasts {
    scene: Option<Arc<Scene>>,
    watcher: Option<ChangeWatcher>,
    trackers: Vec<Option<SignalTracker>>,
    /// Per signal: whether its anomaly windows count (`anomalies` in the scene).
    detecting: Vec<bool>,
    /// Signals with samples not fed yet, oldest change first.
    backlog: VecDeque<u32>,
    queued: Vec<bool>,
    count: usize,
    horizon_s: f64,
    /// The predicted-view state of this frame.
    pub(crate) view: PredictedView,
    /// Forecasts scored since start, all signals together (grows as predictions come due).
    pub(crate) scored: u64,
    /// Bumped whenever any forecaster took a sample, so consumers recompute only on change.
    pub(crate) generation: u64,
}

impl Forecasts {
    /// The tracker of a signal, if it is forecast.
    pub(crate) fn tracker(&self, index: SignalIndex) -> Option<&SignalTracker> {
        self.trackers.get(index.0 as usize)?.as_ref()
    }

    /// Signals forecast.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Whether no signal is forecast.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The forecast of a signal for `time`, when `time` lies after its newest sample and its
    /// forecaster has learnt enough.
    pub(crate) fn predict(&self, index: SignalIndex, time: Timestamp) -> Option<Prediction> {
        let forecaster = &self.tracker(index)?.forecaster;
        let (last, _) = forecaster.last()?;
        (time > last).then(|| forecaster.predict(time)).flatten()
    }

    /// The value evaluation shows for a signal at the view time instead of the held sample:
    /// the forecast mean, only while the view is predicted.
    pub(crate) fn predicted_value(&self, index: SignalIndex, time: Timestamp) -> Option<f64> {
        if !self.view.active {
            return None;
        }
        self.predict(index, time).map(|p| p.mean)
    }

    /// The anomaly detector of a signal whose anomalies count (forecast, and not switched off
    /// with `anomalies = false`): what sensor health and risk read.
    pub(crate) fn detector(&self, index: SignalIndex) -> Option<&AnomalyDetector> {
        if !self
            .detecting
            .get(index.0 as usize)
            .copied()
            .unwrap_or(false)
        {
            return None;
        }
        self.tracker(index).map(|t| &t.detector)
    }

    /// The longest horizon over forecast signals, seconds (0 without forecasts).
    pub(crate) fn max_horizon_s(&self) -> f64 {
        self.horizon_s
    }

    /// Builds a tracker per forecast signal (once per scene) and starts watching the store.
    fn resolve(&mut self, scene: &Arc<Scene>, store: &mut Store) {
        let same = self.scene.as_ref().is_some_and(|s| Arc::ptr_eq(s, scene));
        if same && self.trackers.len() == store.len() {
            return;
        }
        if let Some(watcher) = self.watcher.take() {
            store.unwatch_changes(watcher);
        }
        self.trackers = (0..store.len())
            .map(|i| {
                let id = store.id(SignalIndex(i as u32))?;
                let spec = scene.signal(id).filter(|spec| !spec.is_flag())?;
                let config = scene.forecast.config_for(id, Some(spec.period_s))?;
                Some(SignalTracker::new(TrackerConfig::new(config)))
            })
            .collect();
        self.detecting = (0..store.len())
            .map(|i| {
                store
                    .id(SignalIndex(i as u32))
                    .is_some_and(|id| scene.forecast.anomalies_for(id))
            })
            .collect();
        let forecast = self.trackers.iter().flatten();
        self.count = forecast.clone().count();
        self.horizon_s = forecast
            .map(|t| t.forecaster.horizon_s())
            .fold(0.0, f64::max);
        self.queued = vec![false; store.len()];
        self.backlog.clear();
        self.watcher = Some(store.watch_changes());
        self.scene = Some(Arc::clone(scene));
    }

    /// Feeds each changed signal's new samples to its tracker, up to `budget` samples.
    fn feed(&mut self, store: &Store, budget: usize) {
        let mut left = budget;
        while let Some(&slot) = self.backlog.front() {
            let index = SignalIndex(slot);
            let (Some(Some(tracker)), Some(history)) =
                (self.trackers.get_mut(slot as usize), store.history(index))
            else {
                self.backlog.pop_front();
                self.queued[slot as usize] = false;
                continue;
            };
            let from = tracker
                .forecaster
                .last()
                .map_or(Timestamp(i64::MIN), |(t, _)| {
                    Timestamp(t.0.saturating_add(1))
                });
            let mut fed = 0;
            let mut scored = 0;
            for (time, value) in history.range(from..Timestamp(i64::MAX)).take(left) {
                tracker.update(time, value, &mut |event| {
                    if let TrackerEvent::Scored(_) = event {
                        scored += 1;
                    }
                });
                fed += 1;
            }
            self.scored += scored;
            if fed > 0 {
                self.generation += 1;
            }
            left -= fed;
            if left == 0 {
                break;
            }
            self.backlog.pop_front();
            self.queued[slot as usize] = false;
        }
    }
}

/// Adds forecasting (fed in the history stage, so the cursor sees how far forecasts reach)
/// and the predicted view.
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Forecasts>()
        .add_systems(Update, feed_forecasters.in_set(Stage::History))
        .add_systems(Update, update_predicted_view.in_set(Evaluate::Predicted));
}

/// Takes the samples that arrived since last frame into the trackers, and tells the timeline
/// how far past now the cursor may go.
pub(crate) fn feed_forecasters(
    mut store: ResMut<Store>,
    active: Option<Res<ActiveScene>>,
    mut forecasts: ResMut<Forecasts>,
    mut reach: ResMut<ForecastReach>,
) {
    let Some(active) = active else {
        return;
    };
    let forecasts = &mut *forecasts;
    forecasts.resolve(&active.scene, &mut store);
    if let Some(watcher) = forecasts.watcher {
        let (backlog, queued, trackers) = (
            &mut forecasts.backlog,
            &mut forecasts.queued,
            &forecasts.trackers,
        );
        store.drain_changes(watcher, |index, _| {
            let slot = index.0 as usize;
            if trackers.get(slot).is_some_and(Option::is_some) && !queued[slot] {
                queued[slot] = true;
                backlog.push_back(index.0);
            }
        });
    }
    forecasts.feed(&store, FEED_BUDGET);
    let horizon_s = forecasts.max_horizon_s();
    if reach.horizon_s != horizon_s {
        reach.horizon_s = horizon_s;
    }
}

/// Whether the cursor is past now, so evaluation shows forecasts instead of held values.
pub(crate) fn update_predicted_view(
    clock: Res<Clock>,
    time: Res<ViewTime>,
    mut forecasts: ResMut<Forecasts>,
) {
    let now = clock.now();
    let active = !time.following_live && time.time > now && !forecasts.is_empty();
    let view = PredictedView {
        active,
        now,
        ahead_s: if active {
            time.time.secs_since(now)
        } else {
            0.0
        },
    };
    if forecasts.view != view {
        forecasts.view = view;
    }
}
