//! Risk per asset in the app: the scene's limit alarms, `[[risk]]` weights and bound assets
//! scored from the forecast trackers (crossings and anomaly windows) and any what-if run,
//! ranked for the risk panel, and each bound asset's predicted alarm (which limit, when, how
//! likely, and whether the predicted value at the cursor is past it).
//!
//! A pass runs every frame in which a forecaster took samples (or the what-if run changed);
//! [`RiskCache`] recomputes only the crossings and anomaly terms of signals that advanced, so a
//! live frame costs what arrived, not the plant's size.

use crate::forecast::Forecasts;
use crate::ingest::Store;
use crate::pipeline::ActiveScene;
use crate::pipeline::Evaluate;
use crate::pipeline::ViewTime;
use crate::plant::{AssetBinding, PlantAsset};
use bevy::prelude::*;
use twinscope_core::anomaly::AnomalyDetector;
use twinscope_core::forecast::{Crossing, Forecaster};
use twinscope_core::risk::{RiskCache, RiskInputs, RiskModel, RiskScore, WatchedLimit};
use twinscope_core::scene::Scene;
use twinscope_core::signal::{SignalId, Timestamp};
use twinscope_core::store::SignalIndex;

pub(crate) mod overlay;
pub(crate) mod panel;
use std::collections::HashMap;
use std::sync::Arc;

/// A limit counts as predicted to alarm from this crossing probability on (or when the
/// expected path reaches it within the horizon).
pub(crate) const PREDICTED_ALARM_P: f64 = 0.5;

/// Risk reads the trackers by store index.
impl RiskInputs for Forecasts {
    fn forecaster(&self, slot: usize) -> Option<&Forecaster> {
        Some(&self.tracker(SignalIndex(slot as u32))?.forecaster)
    }

    /// Only signals whose anomalies count (`anomalies = false` in the scene keeps a signal
    /// that switches by design out of risk, as out of sensor health).
    fn detector(&self, slot: usize) -> Option<&AnomalyDetector> {
        Forecasts::detector(self, SignalIndex(slot as u32))
    }
}

/// Every scored asset's risk, kept current incrementally, and the ranking.
#[derive(Resource, Default)]
pub(crate) struct RiskState {
    scene: Option<Arc<Scene>>,
    cache: RiskCache,
    /// Model index of each asset by name.
    by_asset: HashMap<String, usize>,
    max_consequence: f64,
    /// The forecasts' generation the last pass saw.
    seen: Option<u64>,
    /// T0 of the what-if run the scenario terms came from.
    scenario_run: Option<Timestamp>,
    /// Terms from the loaded what-if run (empty without one).
    scenario_terms: Vec<twinscope_core::risk::ScenarioTerm>,
    /// Risk passes that changed something so far (views recompute what depends on risk when
    /// it grows).
    pub(crate) passes: u64,
}

impl RiskState {
    /// Scores, highest risk first.
    #[cfg(test)]
    pub(crate) fn ranked(&self) -> impl ExactSizeIterator<Item = &RiskScore> + Clone + '_ {
        self.cache.ranked()
    }

    /// The score at `rank` (0 = highest risk).
    pub(crate) fn ranked_at(&self, rank: usize) -> Option<&RiskScore> {
        self.cache.ranked_at(rank)
    }

    /// Scores ranked.
    pub(crate) fn len(&self) -> usize {
        self.cache.len()
    }

    /// An asset's risk, if it is scored (it has a limit alarm, a `[[risk]]` weight or a
    /// binding).
    pub(crate) fn score(&self, asset: &str) -> Option<&RiskScore> {
        self.cache.score(*self.by_asset.get(asset)?)
    }

    /// Assets whose crossings or anomaly terms the last pass changed.
    pub(crate) fn changed(&self) -> impl Iterator<Item = &str> + '_ {
        let assets = &self.cache.model().assets;
        self.cache
            .changed()
            .iter()
            .map(|&i| assets[i].asset.as_str())
    }

    /// What the risk passes so far recomputed.
    #[cfg(test)]
    pub(crate) fn stats(&self) -> twinscope_core::risk::RiskStats {
        self.cache.stats()
    }

    /// An asset's risk as 0..1 of the highest possible (score over the largest consequence
    /// weight), for the heat overlay.
    pub(crate) fn heat(&self, asset: &str) -> Option<f64> {
        let score = self.score(asset)?;
        Some((score.score / self.max_consequence.max(1e-9)).clamp(0.0, 1.0))
    }

    /// The limit an asset is predicted to reach first: among its limits not already reached,
    /// the soonest on the expected path (else the likeliest from [`PREDICTED_ALARM_P`] on),
    /// from the last pass's crossings.
    pub(crate) fn first_limit(&self, asset: &str) -> Option<(&WatchedLimit, Crossing)> {
        let &i = self.by_asset.get(asset)?;
        let soon = |c: &Crossing| c.expected_s.unwrap_or(f64::INFINITY);
        self.cache
            .crossings(i)
            .filter_map(|(limit, crossing)| {
                let crossing = *crossing?;
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

    /// Builds the model from the scene's alarms, weights and bindings (once per scene).
    fn resolve(&mut self, scene: &Arc<Scene>, store: &Store) {
        if self.scene.as_ref().is_some_and(|s| Arc::ptr_eq(s, scene)) {
            return;
        }
        let mut model = RiskModel::for_scene(scene);
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
        self.cache = RiskCache::new(model);
        self.seen = None;
        self.scene = Some(Arc::clone(scene));
    }
}

/// What an asset is predicted to do: reach an alarm limit, when and how likely.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PredictedAlarm {
    /// The alarm's label, e.g. `M-101.temperature H`.
    pub(crate) label: String,
    /// The signal forecast.
    pub(crate) signal: SignalId,
    /// `HH`, `H`, `L` or `LL`.
    pub(crate) kind: &'static str,
    /// The limit in signal units.
    pub(crate) limit: f64,
    /// Seconds from the newest sample until the expected path reaches the limit, if it does
    /// within the horizon.
    pub(crate) expected_s: Option<f64>,
    /// Probability of reaching the limit within the horizon.
    pub(crate) probability: f64,
    /// While the view is predicted: the forecast value at the cursor is past the limit.
    pub(crate) at_cursor: bool,
}

/// An asset's forecast state for badges, panels and materials (bound assets only).
#[derive(Component, Clone, Debug, Default, PartialEq)]
pub(crate) struct AssetForecast {
    /// The asset's colour and badge show forecast values (the cursor is past now).
    pub(crate) predicted: bool,
    /// The limit it is predicted to reach, if any.
    pub(crate) alarm: Option<PredictedAlarm>,
}

/// Adds risk scoring and per-asset forecast state.
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<RiskState>()
        .add_observer(attach_asset_forecast)
        .add_systems(
            Update,
            (evaluate_risk, update_asset_forecasts)
                .chain()
                .in_set(Evaluate::Risk),
        );
}

/// Gives every bound asset an [`AssetForecast`] to keep current.
fn attach_asset_forecast(add: On<Add, AssetBinding>, mut commands: Commands) {
    commands.entity(add.entity).insert(AssetForecast::default());
}

/// Impact energy that counts as a 63 % scenario term: about a 100 kg load falling 1 m.
pub(crate) const SCENARIO_REFERENCE_ENERGY_J: f64 = 1000.0;

/// Brings risk up to date when a forecaster took samples or a what-if run was loaded or
/// cleared: only what advanced is recomputed (see [`RiskCache`]).
pub(crate) fn evaluate_risk(
    active: Option<Res<ActiveScene>>,
    store: Res<Store>,
    forecasts: Res<Forecasts>,
    scenario: Option<Res<crate::scenario::ScenarioState>>,
    mut risk: ResMut<RiskState>,
) {
    let Some(active) = active else {
        return;
    };
    let risk = &mut *risk;
    risk.resolve(&active.scene, &store);
    let loaded = scenario.as_ref().and_then(|s| s.loaded.as_ref());
    let run = loaded.map(|l| l.t0);
    if risk.scenario_run != run {
        risk.scenario_run = run;
        risk.scenario_terms = loaded.map_or_else(Vec::new, |l| {
            let mut terms = twinscope_core::risk::scenario_terms(
                &l.result.outcomes,
                SCENARIO_REFERENCE_ENERGY_J,
            );
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
    if risk.seen == Some(forecasts.generation) {
        return;
    }
    risk.seen = Some(forecasts.generation);
    if risk.cache.evaluate(&*forecasts, &risk.scenario_terms) {
        risk.passes += 1;
    }
}

/// What [`update_asset_forecasts`] last ran for: risk passes, the predicted view's cursor and
/// forecast generation (when predicted), and the number of bound assets.
type AssetForecastKey = (u64, Option<(ViewTime, u64)>, usize);

/// Updates each bound asset's predicted state and predicted alarm from the risk pass and the
/// view time: every asset when the view or the set of assets changed, else only those whose
/// crossings the last risk pass changed.
pub(crate) fn update_asset_forecasts(
    forecasts: Res<Forecasts>,
    risk: Res<RiskState>,
    view: Res<ViewTime>,
    mut seen: Local<Option<AssetForecastKey>>,
    mut entities: Local<HashMap<String, Entity>>,
    mut assets: Query<(Entity, &PlantAsset, &AssetBinding, &mut AssetForecast)>,
) {
    // Predicted values follow the cursor and every new sample; measured ones neither. The
    // asset count too, so assets bound since the last pass get their state.
    let predicted = forecasts
        .view
        .active
        .then_some((*view, forecasts.generation));
    let key = (risk.passes, predicted, assets.iter().len());
    let last = seen.replace(key);
    if last == Some(key) {
        return;
    }
    if last.is_some_and(|(_, p, n)| (p, n) == (key.1, key.2)) {
        for tag in risk.changed() {
            if let Some(&entity) = entities.get(tag)
                && let Ok((_, asset, binding, mut state)) = assets.get_mut(entity)
            {
                state.set_if_neq(asset_forecast(&forecasts, &risk, view.time, asset, binding));
            }
        }
        return;
    }
    entities.clear();
    for (entity, asset, binding, mut state) in &mut assets {
        entities.insert(asset.tag.clone(), entity);
        state.set_if_neq(asset_forecast(&forecasts, &risk, view.time, asset, binding));
    }
}

/// One bound asset's forecast state at `time`.
fn asset_forecast(
    forecasts: &Forecasts,
    risk: &RiskState,
    time: Timestamp,
    asset: &PlantAsset,
    binding: &AssetBinding,
) -> AssetForecast {
    let predicted = binding
        .rule
        .as_ref()
        .is_some_and(|(index, _)| forecasts.predicted_value(*index, time).is_some());
    let alarm = risk.first_limit(&asset.tag).map(|(limit, crossing)| {
        let at_cursor = limit
            .slot
            .and_then(|i| forecasts.predicted_value(SignalIndex(i as u32), time))
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
    AssetForecast { predicted, alarm }
}
