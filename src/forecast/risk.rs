//! Risk per asset in the app: the scene's limit alarms and `[[risk]]` weights scored from the
//! forecasters' crossings, ranked for the risk panel, and each bound asset's predicted alarm
//! (which limit, when, how likely, and whether the predicted value at the cursor is past it).
//!
//! Scoring runs only when a forecaster took samples or the predicted view changed, and at most
//! every [`RISK_EVERY_S`] of real time, so ten thousand assets cost a pass a few times a
//! second, not every frame.

use super::{Forecasts, PredictedView};
use crate::core::forecast::Crossing;
use crate::core::risk::{RiskModel, RiskScore, WatchedLimit};
use crate::core::scene::Scene;
use crate::core::signal::{SignalId, Timestamp};
use crate::core::store::SignalIndex;
use crate::evaluation::ViewTime;
use crate::ingest::Store;
use crate::plant::{ActiveScene, AssetBinding, PlantAsset};
use crate::schedule::TwinscopeSystems;
use bevy::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Least real time between two risk passes, seconds.
pub const RISK_EVERY_S: f64 = 0.25;
/// A limit counts as predicted to alarm from this crossing probability on (or when the
/// expected path reaches it within the horizon).
pub const PREDICTED_ALARM_P: f64 = 0.5;

/// Every scored asset's risk, in scene order, and the ranking.
#[derive(Resource, Default)]
pub struct RiskState {
    scene: Option<Arc<Scene>>,
    model: RiskModel,
    /// Scores, highest risk first.
    scores: Vec<RiskScore>,
    /// Model index of each asset by name.
    by_asset: HashMap<String, usize>,
    /// Position in `scores` of each model asset.
    position: Vec<usize>,
    max_consequence: f64,
    seen: Option<(u64, PredictedView)>,
    /// T0 of the what-if run the scenario terms came from.
    scenario_run: Option<Timestamp>,
    last_pass_s: f64,
    /// Terms from the loaded what-if run (empty without one).
    scenario_terms: Vec<crate::core::risk::ScenarioTerm>,
    /// Risk passes run so far (views recompute what depends on risk when it grows).
    pub passes: u64,
}

impl RiskState {
    /// Scores, highest risk first.
    pub fn ranked(&self) -> &[RiskScore] {
        &self.scores
    }

    /// An asset's risk, if it is scored (it has a limit alarm or a `[[risk]]` weight).
    pub fn score(&self, asset: &str) -> Option<&RiskScore> {
        let &i = self.by_asset.get(asset)?;
        self.scores.get(*self.position.get(i)?)
    }

    /// An asset's risk as 0..1 of the highest possible (score over the largest consequence
    /// weight), for the heat overlay.
    pub fn heat(&self, asset: &str) -> Option<f64> {
        let score = self.score(asset)?;
        Some((score.score / self.max_consequence.max(1e-9)).clamp(0.0, 1.0))
    }

    /// The limit an asset is predicted to reach first: among its limits not already reached,
    /// the soonest on the expected path (else the likeliest from [`PREDICTED_ALARM_P`] on).
    pub fn first_limit(
        &self,
        asset: &str,
        forecasts: &Forecasts,
    ) -> Option<(&WatchedLimit, Crossing)> {
        let &i = self.by_asset.get(asset)?;
        let soon = |c: &Crossing| c.expected_s.unwrap_or(f64::INFINITY);
        self.model.assets[i]
            .limits
            .iter()
            .filter_map(|limit| {
                let index = SignalIndex(limit.slot? as u32);
                let crossing = forecasts
                    .tracker(index)?
                    .forecaster
                    .crossing(limit.threshold)?;
                let likely =
                    crossing.expected_s.is_some() || crossing.probability >= PREDICTED_ALARM_P;
                (!crossing.already && likely).then_some((limit, crossing))
            })
            .min_by(|(_, a), (_, b)| {
                soon(a)
                    .total_cmp(&soon(b))
                    .then(b.probability.total_cmp(&a.probability))
            })
    }

    /// Builds the model from the scene's alarms and weights (once per scene).
    fn resolve(&mut self, scene: &Arc<Scene>, store: &Store) {
        if self.scene.as_ref().is_some_and(|s| Arc::ptr_eq(s, scene)) {
            return;
        }
        let mut model = RiskModel::new(&scene.alarms, &scene.risk);
        model.bind_slots(&|id| store.index_of(id).map(|i| i.0 as usize));
        self.by_asset = model
            .assets
            .iter()
            .enumerate()
            .map(|(i, a)| (a.asset.clone(), i))
            .collect();
        self.max_consequence = model
            .assets
            .iter()
            .map(|a| a.consequence)
            .fold(0.0, f64::max);
        self.model = model;
        self.scores.clear();
        self.position.clear();
        self.seen = None;
        self.scene = Some(Arc::clone(scene));
    }

    /// Scores every asset from the forecasters' crossings and ranks them.
    fn evaluate(&mut self, forecasts: &Forecasts) {
        self.model.evaluate_into(
            &mut |limit| {
                let index = SignalIndex(limit.slot? as u32);
                forecasts
                    .tracker(index)?
                    .forecaster
                    .crossing(limit.threshold)
            },
            &self.scenario_terms,
            &mut self.scores,
        );
        crate::core::risk::rank(&mut self.scores);
        self.position.resize(self.scores.len(), 0);
        for (at, score) in self.scores.iter().enumerate() {
            if let Some(&i) = self.by_asset.get(&score.asset) {
                self.position[i] = at;
            }
        }
        self.passes += 1;
    }
}

/// What an asset is predicted to do: reach an alarm limit, when and how likely.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictedAlarm {
    /// The alarm's label, e.g. `M-101.temperature H`.
    pub label: String,
    /// The signal forecast.
    pub signal: SignalId,
    /// `HH`, `H`, `L` or `LL`.
    pub kind: &'static str,
    /// The limit in signal units.
    pub limit: f64,
    /// Seconds from the newest sample until the expected path reaches the limit, if it does
    /// within the horizon.
    pub expected_s: Option<f64>,
    /// Probability of reaching the limit within the horizon.
    pub probability: f64,
    /// While the view is predicted: the forecast value at the cursor is past the limit.
    pub at_cursor: bool,
}

/// An asset's forecast state for badges, panels and materials (bound assets only).
#[derive(Component, Clone, Debug, Default, PartialEq)]
pub struct AssetForecast {
    /// The asset's colour and badge show forecast values (the cursor is past now).
    pub predicted: bool,
    /// The limit it is predicted to reach, if any.
    pub alarm: Option<PredictedAlarm>,
}

/// Adds risk scoring and per-asset forecast state.
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<RiskState>().add_systems(
        Update,
        (attach_asset_forecast, evaluate_risk, update_asset_forecasts)
            .chain()
            .in_set(TwinscopeSystems::Evaluate)
            .after(super::update_predicted_view),
    );
}

/// Gives every bound asset an [`AssetForecast`] to keep current.
fn attach_asset_forecast(
    mut commands: Commands,
    assets: Query<Entity, (With<AssetBinding>, Without<AssetForecast>)>,
) {
    for entity in &assets {
        commands.entity(entity).insert(AssetForecast::default());
    }
}

/// Impact energy that counts as a 63 % scenario term: about a 100 kg load falling 1 m.
pub const SCENARIO_REFERENCE_ENERGY_J: f64 = 1000.0;

/// Re-scores risk when forecasts moved on, the predicted view changed or a what-if run was
/// loaded or cleared (throttled).
pub fn evaluate_risk(
    time: Option<Res<Time<Real>>>,
    active: Option<Res<ActiveScene>>,
    store: Res<Store>,
    forecasts: Res<Forecasts>,
    scenario: Option<Res<crate::scenario::ScenarioState>>,
    mut risk: ResMut<RiskState>,
) {
    let Some(active) = active else {
        return;
    };
    risk.resolve(&active.scene, &store);
    let loaded = scenario.as_ref().and_then(|s| s.loaded.as_ref());
    let run = loaded.map(|l| l.t0);
    if risk.scenario_run != run {
        risk.scenario_run = run;
        risk.scenario_terms = loaded.map_or_else(Vec::new, |l| {
            let mut terms =
                crate::core::risk::scenario_terms(&l.result.outcomes, SCENARIO_REFERENCE_ENERGY_J);
            // Outcomes name the node hit, often a part (`CV-201/belt`); risk is per asset.
            for term in &mut terms {
                if let Some((asset, _part)) = term.asset.split_once('/') {
                    term.asset = asset.to_owned();
                }
            }
            // Only plant assets the scene binds: not the floor every dropped body lands on.
            terms.retain(|term| active.scene.binding(&term.asset).is_some());
            terms.sort_by(|a, b| a.asset.cmp(&b.asset));
            terms.dedup_by(|a, b| a.asset == b.asset);
            terms
        });
        risk.seen = None;
    }
    let now_s = time.map_or(0.0, |t| t.elapsed_secs_f64());
    let key = (forecasts.generation, forecasts.view);
    if risk.seen == Some(key) || (risk.seen.is_some() && now_s - risk.last_pass_s < RISK_EVERY_S) {
        return;
    }
    risk.seen = Some(key);
    risk.last_pass_s = now_s;
    risk.evaluate(&forecasts);
}

/// Updates each bound asset's predicted state and predicted alarm from the risk pass and the
/// view time.
pub fn update_asset_forecasts(
    forecasts: Res<Forecasts>,
    risk: Res<RiskState>,
    view: Res<ViewTime>,
    mut seen: Local<Option<(u64, ViewTime, PredictedView, usize)>>,
    mut assets: Query<(&PlantAsset, &AssetBinding, &mut AssetForecast)>,
) {
    // The asset count too, so assets bound since the last pass get their state.
    let key = (risk.passes, *view, forecasts.view, assets.iter().len());
    if *seen == Some(key) {
        return;
    }
    *seen = Some(key);
    for (asset, binding, mut state) in &mut assets {
        let predicted = binding
            .rule
            .as_ref()
            .is_some_and(|(index, _)| forecasts.predicted_value(*index, view.time).is_some());
        let alarm = risk
            .first_limit(&asset.tag, &forecasts)
            .map(|(limit, crossing)| {
                let at_cursor = limit
                    .slot
                    .and_then(|i| forecasts.predicted_value(SignalIndex(i as u32), view.time))
                    .is_some_and(|v| limit.threshold.reached_by(v));
                PredictedAlarm {
                    label: limit.label.clone(),
                    signal: limit.signal.clone(),
                    kind: limit.kind.suffix(),
                    limit: limit.threshold.limit,
                    expected_s: crossing.expected_s,
                    probability: crossing.probability,
                    at_cursor,
                }
            });
        state.set_if_neq(AssetForecast { predicted, alarm });
    }
}
