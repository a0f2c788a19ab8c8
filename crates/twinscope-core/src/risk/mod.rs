//! Risk per asset: how likely harm is within the forecast horizon, weighted by what it would
//! cost, and why.
//!
//! `score = consequence × P`, where `P = 1 − (1 − P_forecast)(1 − P_scenario)(1 − P_anomaly)`
//! combines three independent terms:
//!
//! - `P_forecast`: the largest [`Crossing::probability`] over the asset's limit alarms (its
//!   *driver*: which signal, which limit, expected time);
//! - `P_scenario`: an optional term from a what-if run ([`ScenarioTerm`], e.g. built by
//!   [`scenario_terms`] from [`crate::scenario::Outcomes`]);
//! - `P_anomaly`: the strongest anomaly window on any signal bound to the asset (its bindings
//!   and its limit alarms' signals), open or recently closed ([`AnomalyTerm`], see
//!   [`anomaly_term`] for how a window's score becomes a probability and how it fades).
//!
//! `consequence` is the asset's weight from the scene file (`[[risk]]`, default
//! `DEFAULT_CONSEQUENCE`). Every [`RiskScore`] carries what it was made of, so the panel can
//! explain it ([`RiskScore::explain`]).
//!
//! [`RiskModel::evaluate`] scores everything from scratch. [`RiskCache`] gives the same result
//! incrementally for the viewer's every frame: a crossing and an anomaly term depend only on
//! their signal's state after its last sample, so each is cached keyed by the forecaster's
//! sample count (and last sample time) and recomputed only when that signal advanced; an asset
//! is rescored only when one of its terms changed, and the ranking re-sorted only when a score
//! or tie-break moved.

mod anomaly;
mod cache;
#[cfg(test)]
mod cache_tests;
#[cfg(test)]
mod tests;

pub use anomaly::{ANOMALY_CEILING, AnomalyTerm, anomaly_probability, anomaly_term, format_clock};
pub use cache::{RiskCache, RiskStats};

use crate::alarms::{AlarmCondition, AlarmPriority, AlarmSpec, LimitKind};
use crate::anomaly::AnomalyDetector;
use crate::forecast::{Crossing, Forecaster, SignalTracker, Threshold};
use crate::scene::{Binding, Location};
use crate::signal::{SignalId, Timestamp};
use std::cmp::Ordering;

/// Consequence weight of an asset the scene file gives none.
pub(crate) const DEFAULT_CONSEQUENCE: f64 = 1.0;

/// Where risk reads each watched signal's state, by the caller's slot (see
/// [`RiskModel::bind_slots`]): the viewer's forecast trackers, a test's or a benchmark's.
///
/// A caller feeds a signal's forecaster and detector together (as [`SignalTracker`] does), so
/// the forecaster's sample count tells [`RiskCache`] when either changed.
pub trait RiskInputs {
    /// The forecaster of the signal at `slot`, if it is forecast.
    fn forecaster(&self, slot: usize) -> Option<&Forecaster>;
    /// The anomaly detector of the signal at `slot`, if it is watched.
    fn detector(&self, slot: usize) -> Option<&AnomalyDetector>;
}

impl RiskInputs for Vec<SignalTracker> {
    fn forecaster(&self, slot: usize) -> Option<&Forecaster> {
        self.get(slot).map(|t| &t.forecaster)
    }

    fn detector(&self, slot: usize) -> Option<&AnomalyDetector> {
        self.get(slot).map(|t| &t.detector)
    }
}

impl RiskInputs for Vec<Forecaster> {
    fn forecaster(&self, slot: usize) -> Option<&Forecaster> {
        self.get(slot)
    }

    fn detector(&self, _slot: usize) -> Option<&AnomalyDetector> {
        None
    }
}

/// A `[[risk]]` entry: how much it matters when this asset reaches an alarm limit.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskWeight {
    /// The asset (plant tag, glTF node name).
    pub asset: String,
    /// Consequence weight (> 0; 1 is ordinary).
    pub consequence: f64,
    /// Where `asset` is written.
    pub location: Location,
}

/// One limit alarm an asset's risk watches.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchedLimit {
    /// The alarm's label, e.g. `M-101.temperature H`.
    pub label: String,
    /// The signal.
    pub signal: SignalId,
    /// Which limit.
    pub kind: LimitKind,
    /// The limit, as a threshold for [`crate::forecast::Forecaster::crossing`].
    pub threshold: Threshold,
    /// The alarm's priority (breaks ties between equally likely limits).
    pub priority: AlarmPriority,
    /// The caller's index of `signal` (e.g. its `SignalIndex`), set by
    /// [`RiskModel::bind_slots`] so a frame finds forecasters without hashing ids.
    pub slot: Option<usize>,
}

/// One signal an asset's risk watches for anomalies.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchedSignal {
    /// The signal.
    pub signal: SignalId,
    /// The caller's index of `signal`, set by [`RiskModel::bind_slots`].
    pub slot: Option<usize>,
}

/// One asset's risk inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct AssetRisk {
    /// The asset.
    pub asset: String,
    /// Its consequence weight.
    pub consequence: f64,
    /// Its limit alarms.
    pub limits: Vec<WatchedLimit>,
    /// Signals watched for anomalies: its limit alarms' and its binding's, each once.
    pub signals: Vec<WatchedSignal>,
}

impl AssetRisk {
    fn new(asset: String, consequence: f64) -> Self {
        Self {
            asset,
            consequence,
            limits: Vec::new(),
            signals: Vec::new(),
        }
    }

    /// Watches `signal` for anomalies (once).
    fn watch(&mut self, signal: &SignalId) {
        if !self.signals.iter().any(|s| &s.signal == signal) {
            self.signals.push(WatchedSignal {
                signal: signal.clone(),
                slot: None,
            });
        }
    }
}

/// A what-if outcome's contribution to an asset's risk.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ScenarioTerm {
    /// The asset concerned.
    pub asset: String,
    /// How likely (or how severe, as 0..1) the scenario says harm is.
    pub probability: f64,
    /// One line saying what the scenario found.
    pub description: String,
}

/// The limit that drives an asset's forecast risk.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskDriver {
    /// The alarm's label.
    pub label: String,
    /// The signal forecast.
    pub signal: SignalId,
    /// The limit in signal units.
    pub limit: f64,
    /// `HH`, `H`, `L` or `LL`.
    pub kind: &'static str,
    /// The crossing found.
    pub crossing: Crossing,
}

/// One asset's risk, with what it is made of.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskScore {
    /// The asset.
    pub asset: String,
    /// `consequence × probability`.
    pub score: f64,
    /// Combined probability (forecast, scenario and anomaly).
    pub probability: f64,
    /// The asset's consequence weight.
    pub consequence: f64,
    /// Limit alarms the asset watches (0: only scenarios and anomalies can raise it).
    pub limits: usize,
    /// The most likely limit crossing, if any limit has a forecast.
    pub driver: Option<RiskDriver>,
    /// The scenario term, when a scenario ran.
    pub scenario: Option<ScenarioTerm>,
    /// The strongest anomaly term, when a watched signal shows one.
    pub anomaly: Option<AnomalyTerm>,
}

impl RiskScore {
    /// One line for the risk panel, e.g. `M-101 2.70 = 3.0 × 90%: M-101.temperature H 95 in
    /// ~42 s (P 90%); anomaly 37%: M-101.temperature drift up since 10:02:13 (score 2.1)`.
    pub fn explain(&self) -> String {
        let mut out = format!(
            "{} {:.2} = {:.1} × {:.0}%: {}",
            self.asset,
            self.score,
            self.consequence,
            self.probability * 100.0,
            self.forecast_text(true)
        );
        if let Some(s) = &self.scenario {
            out.push_str(&format!(
                "; scenario {:.0}%: {}",
                s.probability * 100.0,
                s.description
            ));
        }
        if let Some(a) = &self.anomaly {
            out.push_str(&format!(
                "; anomaly {:.0}%: {}",
                a.probability * 100.0,
                a.describe()
            ));
        }
        out
    }

    /// What the forecast term says: `M-101.temperature H 95 in ~42 s (P 90%)` (with `full_id`
    /// false, the signal without its asset tag: `temperature H 95 …`).
    pub fn forecast_text(&self, full_id: bool) -> String {
        let Some(d) = &self.driver else {
            return if self.limits == 0 {
                "no limit alarm".to_owned()
            } else {
                "no forecast".to_owned()
            };
        };
        let id = d.signal.as_str();
        let signal = if full_id {
            id
        } else {
            id.split_once('.').map_or(id, |(_, s)| s)
        };
        if d.crossing.already {
            return format!("{signal} {} {} already reached", d.kind, d.limit);
        }
        let when = match d.crossing.expected_s {
            Some(s) => format!("in ~{}", format_secs(s)),
            None => format!("not expected within {}", format_secs(d.crossing.horizon_s)),
        };
        format!(
            "{signal} {} {} {when} (P {:.0}%)",
            d.kind,
            d.limit,
            d.crossing.probability * 100.0
        )
    }
}

/// `42 s`, `3.5 min`, `1.2 h`.
pub fn format_secs(s: f64) -> String {
    if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 5400.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

/// The assets to score and what they watch: every asset with a limit alarm, a `[[risk]]`
/// entry or (with `RiskModel::with_bindings`) a binding.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RiskModel {
    /// Assets in first-mention order (alarms, then weights, then bindings).
    pub assets: Vec<AssetRisk>,
}

impl RiskModel {
    /// Groups limit alarms by asset (the alarm's `asset`, else its signal's tag before the
    /// first `.`) and attaches the consequence weights. Each limit's signal is also watched for
    /// anomalies.
    pub fn new(alarms: &[AlarmSpec], weights: &[RiskWeight]) -> Self {
        let mut model = Self::default();
        for alarm in alarms {
            let AlarmCondition::Limit { kind, limit } = alarm.condition else {
                continue;
            };
            let asset = alarm.asset.clone().unwrap_or_else(|| {
                let id = alarm.signal.as_str();
                id.split_once('.').map_or(id, |(tag, _)| tag).to_owned()
            });
            let entry = model.entry(asset);
            entry.limits.push(WatchedLimit {
                label: alarm.label.clone(),
                signal: alarm.signal.clone(),
                kind,
                threshold: Threshold {
                    limit,
                    high: kind.is_high(),
                },
                priority: alarm.priority,
                slot: None,
            });
            entry.watch(&alarm.signal);
        }
        for weight in weights {
            model.entry(weight.asset.clone()).consequence = weight.consequence;
        }
        model
    }

    /// The whole scene's model: its limit alarms, `[[risk]]` weights and bindings.
    pub fn for_scene(scene: &crate::scene::Scene) -> Self {
        Self::new(&scene.alarms, &scene.risk).with_bindings(&scene.bindings)
    }

    /// Adds every bound asset (default consequence if new) and watches its bound signals
    /// (listed and rule signal) for anomalies.
    pub(crate) fn with_bindings(mut self, bindings: &[Binding]) -> Self {
        for binding in bindings {
            let entry = self.entry(binding.node.clone());
            let rule = binding.rule.as_ref().map(|r| &r.signal);
            for signal in binding.signals.iter().chain(rule) {
                entry.watch(signal);
            }
        }
        self
    }

    /// The asset's entry, appended with the default consequence when new.
    fn entry(&mut self, asset: String) -> &mut AssetRisk {
        let at = match self.assets.iter().position(|a| a.asset == asset) {
            Some(at) => at,
            None => {
                self.assets.push(AssetRisk::new(asset, DEFAULT_CONSEQUENCE));
                self.assets.len() - 1
            }
        };
        &mut self.assets[at]
    }

    /// Sets every limit's and watched signal's slot from `index` (once, after building).
    pub fn bind_slots(&mut self, index: &dyn Fn(&SignalId) -> Option<usize>) {
        for asset in &mut self.assets {
            for limit in &mut asset.limits {
                limit.slot = index(&limit.signal);
            }
            for watched in &mut asset.signals {
                watched.slot = index(&watched.signal);
            }
        }
    }

    /// Scores every asset from scratch into `out` (cleared first), unranked: crossings and
    /// anomaly terms from `inputs`, `scenario` looked up by asset (a term for an asset outside
    /// the model is scored on its own with the default consequence, after the model's assets).
    pub fn evaluate_into(
        &self,
        inputs: &dyn RiskInputs,
        scenario: &[ScenarioTerm],
        out: &mut Vec<RiskScore>,
    ) {
        out.clear();
        out.reserve(self.assets.len());
        for asset in &self.assets {
            let driver = pick_driver(asset.limits.iter().map(|l| (l, limit_crossing(inputs, l))));
            let anomaly = strongest(asset.signals.iter().map(|w| signal_anomaly(inputs, w)));
            out.push(score_asset(asset, driver, scenario, anomaly));
        }
        push_outsiders(&self.assets, scenario, out);
    }

    /// Scores and ranks every asset from scratch (see [`rank`]).
    pub fn evaluate(&self, inputs: &dyn RiskInputs, scenario: &[ScenarioTerm]) -> Vec<RiskScore> {
        let mut out = Vec::new();
        self.evaluate_into(inputs, scenario, &mut out);
        rank(&mut out);
        out
    }
}

/// What a cached term is keyed by: the forecaster's sample count and last sample time (`None`
/// without a forecaster). Both terms depend only on the state after the last sample.
type SignalKey = Option<(u64, Timestamp)>;

fn signal_key(inputs: &dyn RiskInputs, slot: Option<usize>) -> SignalKey {
    let f = inputs.forecaster(slot?)?;
    Some((f.samples(), f.last().map_or(Timestamp(i64::MIN), |l| l.0)))
}

fn limit_crossing(inputs: &dyn RiskInputs, limit: &WatchedLimit) -> Option<Crossing> {
    inputs.forecaster(limit.slot?)?.crossing(limit.threshold)
}

/// A signal's anomaly term as of its newest sample, faded over its forecast horizon.
fn signal_anomaly(inputs: &dyn RiskInputs, watched: &WatchedSignal) -> Option<AnomalyTerm> {
    let slot = watched.slot?;
    let forecaster = inputs.forecaster(slot)?;
    let (now, _) = forecaster.last()?;
    anomaly_term(
        &watched.signal,
        inputs.detector(slot)?,
        now,
        forecaster.horizon_s(),
    )
}

/// The likeliest crossing (ties: the higher priority, then the first).
fn pick_driver<'a>(
    candidates: impl Iterator<Item = (&'a WatchedLimit, Option<Crossing>)>,
) -> Option<(&'a WatchedLimit, Crossing)> {
    let mut best: Option<(&WatchedLimit, Crossing)> = None;
    for (limit, crossing) in candidates {
        let Some(c) = crossing else { continue };
        let better = match &best {
            None => true,
            Some((b, bc)) => {
                c.probability > bc.probability
                    || (c.probability == bc.probability && limit.priority > b.priority)
            }
        };
        if better {
            best = Some((limit, c));
        }
    }
    best
}

/// The likeliest anomaly term (ties: the first).
fn strongest(terms: impl Iterator<Item = Option<AnomalyTerm>>) -> Option<AnomalyTerm> {
    terms.flatten().fold(None, |best, term| match best {
        Some(b) if b.probability >= term.probability => Some(b),
        _ => Some(term),
    })
}

/// One model asset's score from its terms.
fn score_asset(
    asset: &AssetRisk,
    driver: Option<(&WatchedLimit, Crossing)>,
    scenario: &[ScenarioTerm],
    anomaly: Option<AnomalyTerm>,
) -> RiskScore {
    let term = scenario.iter().find(|s| s.asset == asset.asset).cloned();
    let p_forecast = driver.as_ref().map_or(0.0, |(_, c)| c.probability);
    let p_scenario = term.as_ref().map_or(0.0, |s| s.probability.clamp(0.0, 1.0));
    let p_anomaly = anomaly.as_ref().map_or(0.0, |a| a.probability);
    let probability = 1.0 - (1.0 - p_forecast) * (1.0 - p_scenario) * (1.0 - p_anomaly);
    RiskScore {
        asset: asset.asset.clone(),
        score: asset.consequence * probability,
        probability,
        consequence: asset.consequence,
        limits: asset.limits.len(),
        driver: driver.map(|(limit, crossing)| RiskDriver {
            label: limit.label.clone(),
            signal: limit.signal.clone(),
            limit: limit.threshold.limit,
            kind: limit.kind.suffix(),
            crossing,
        }),
        scenario: term,
        anomaly,
    }
}

/// Assets a what-if run touched that the model does not know still carry its risk (each
/// once, scored on the term alone).
fn push_outsiders(assets: &[AssetRisk], scenario: &[ScenarioTerm], out: &mut Vec<RiskScore>) {
    for (i, term) in scenario.iter().enumerate() {
        let known = assets.iter().any(|a| a.asset == term.asset)
            || scenario[..i].iter().any(|t| t.asset == term.asset);
        if known {
            continue;
        }
        let probability = term.probability.clamp(0.0, 1.0);
        out.push(RiskScore {
            asset: term.asset.clone(),
            score: DEFAULT_CONSEQUENCE * probability,
            probability,
            consequence: DEFAULT_CONSEQUENCE,
            limits: 0,
            driver: None,
            scenario: Some(term.clone()),
            anomaly: None,
        });
    }
}

/// Seconds to the expected crossing (infinite without one): the ranking's first tie-break.
fn soon(s: &RiskScore) -> f64 {
    s.driver
        .as_ref()
        .and_then(|d| d.crossing.expected_s)
        .unwrap_or(f64::INFINITY)
}

/// What the ranking sorts on before names: the score and the seconds to the expected crossing.
type RankKey = (f64, f64);

fn rank_key(s: &RiskScore) -> RankKey {
    (s.score, soon(s))
}

/// Ranking order before names: higher score first, then the sooner expected crossing.
fn cmp_rank_keys(a: RankKey, b: RankKey) -> Ordering {
    b.0.total_cmp(&a.0).then(a.1.total_cmp(&b.1))
}

/// Highest score first; ties by sooner expected crossing, then asset name.
pub fn rank(scores: &mut [RiskScore]) {
    scores.sort_by(|a, b| {
        cmp_rank_keys(rank_key(a), rank_key(b)).then_with(|| a.asset.cmp(&b.asset))
    });
}

/// Scenario terms from a what-if run: every plant node its outcomes touched, with
/// `P = 1 − exp(−E / reference_energy_j)` of the run's peak impact energy `E` (so an impact of
/// the reference energy counts as 63 %); a node touched without impact energy counts 0.1.
pub fn scenario_terms(
    outcomes: &crate::scenario::Outcomes,
    reference_energy_j: f64,
) -> Vec<ScenarioTerm> {
    let energy = outcomes.peak_impact_energy_j.max(0.0);
    let p = if reference_energy_j > 0.0 && energy > 0.0 {
        1.0 - (-energy / reference_energy_j).exp()
    } else {
        0.1
    };
    outcomes
        .touched_nodes
        .iter()
        .map(|node| ScenarioTerm {
            asset: node.clone(),
            probability: p,
            description: format!(
                "touched in the what-if run, peak impact {energy:.0} J, {:.1} m/s",
                outcomes.peak_impact_speed
            ),
        })
        .collect()
}
