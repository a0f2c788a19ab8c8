//! Risk per asset: how likely an asset reaches an alarm limit within the forecast horizon,
//! weighted by what that would cost, and why.
//!
//! `score = consequence × P`, where `P = 1 − (1 − P_forecast)(1 − P_scenario)`:
//! `P_forecast` is the largest [`Crossing::probability`] over the asset's limit alarms (its
//! *driver*: which signal, which limit, expected time), `P_scenario` an optional term from a
//! what-if run ([`ScenarioTerm`], e.g. built by [`scenario_terms`] from
//! [`crate::core::scenario::Outcomes`]), and `consequence` the asset's weight from the scene
//! file (`[[risk]]`, default [`DEFAULT_CONSEQUENCE`]). Every [`RiskScore`] carries what it was
//! made of, so the panel can explain it ([`RiskScore::explain`]).

#[cfg(test)]
mod tests;

use crate::core::alarms::{AlarmCondition, AlarmPriority, AlarmSpec, LimitKind};
use crate::core::forecast::{Crossing, Threshold};
use crate::core::scene::Location;
use crate::core::signal::SignalId;

/// Consequence weight of an asset the scene file gives none.
pub const DEFAULT_CONSEQUENCE: f64 = 1.0;

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
    /// The limit, as a threshold for [`crate::core::forecast::Forecaster::crossing`].
    pub threshold: Threshold,
    /// The alarm's priority (breaks ties between equally likely limits).
    pub priority: AlarmPriority,
    /// The caller's index of `signal` (e.g. its `SignalIndex`), set by
    /// [`RiskModel::bind_slots`] so a frame finds forecasters without hashing ids.
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
    /// Combined probability (forecast and scenario).
    pub probability: f64,
    /// The asset's consequence weight.
    pub consequence: f64,
    /// The most likely limit crossing, if any limit has a forecast.
    pub driver: Option<RiskDriver>,
    /// The scenario term, when a scenario ran.
    pub scenario: Option<ScenarioTerm>,
}

impl RiskScore {
    /// One line for the risk panel, e.g. `M-101 2.70 = 3.0 × 90%: M-101.temperature H 95 in
    /// ~42 s (P 90%)`.
    pub fn explain(&self) -> String {
        let mut out = format!(
            "{} {:.2} = {:.1} × {:.0}%",
            self.asset,
            self.score,
            self.consequence,
            self.probability * 100.0
        );
        match &self.driver {
            Some(d) if d.crossing.already => {
                out.push_str(&format!(
                    ": {} {} {} already reached",
                    d.signal, d.kind, d.limit
                ));
            }
            Some(d) => {
                let when = match d.crossing.expected_s {
                    Some(s) => format!("in ~{}", format_secs(s)),
                    None => format!("not expected within {}", format_secs(d.crossing.horizon_s)),
                };
                out.push_str(&format!(
                    ": {} {} {} {when} (P {:.0}%)",
                    d.signal,
                    d.kind,
                    d.limit,
                    d.crossing.probability * 100.0
                ));
            }
            None => out.push_str(": no forecast"),
        }
        if let Some(s) = &self.scenario {
            out.push_str(&format!(
                "; scenario {:.0}%: {}",
                s.probability * 100.0,
                s.description
            ));
        }
        out
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

/// The assets to score and their limits: every asset with a limit alarm or a `[[risk]]` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RiskModel {
    /// Assets in first-mention order (alarms, then weights).
    pub assets: Vec<AssetRisk>,
}

impl RiskModel {
    /// Groups limit alarms by asset (the alarm's `asset`, else its signal's tag before the
    /// first `.`) and attaches the consequence weights.
    pub fn new(alarms: &[AlarmSpec], weights: &[RiskWeight]) -> Self {
        let mut assets: Vec<AssetRisk> = Vec::new();
        for alarm in alarms {
            let AlarmCondition::Limit { kind, limit } = alarm.condition else {
                continue;
            };
            let asset = alarm.asset.clone().unwrap_or_else(|| {
                let id = alarm.signal.as_str();
                id.split_once('.').map_or(id, |(tag, _)| tag).to_owned()
            });
            let watched = WatchedLimit {
                label: alarm.label.clone(),
                signal: alarm.signal.clone(),
                kind,
                threshold: Threshold {
                    limit,
                    high: kind.is_high(),
                },
                priority: alarm.priority,
                slot: None,
            };
            match assets.iter_mut().find(|a| a.asset == asset) {
                Some(entry) => entry.limits.push(watched),
                None => assets.push(AssetRisk {
                    asset,
                    consequence: DEFAULT_CONSEQUENCE,
                    limits: vec![watched],
                }),
            }
        }
        for weight in weights {
            match assets.iter_mut().find(|a| a.asset == weight.asset) {
                Some(entry) => entry.consequence = weight.consequence,
                None => assets.push(AssetRisk {
                    asset: weight.asset.clone(),
                    consequence: weight.consequence,
                    limits: Vec::new(),
                }),
            }
        }
        Self { assets }
    }

    /// Sets every limit's [`WatchedLimit::slot`] from `index` (once, after building).
    pub fn bind_slots(&mut self, index: &dyn Fn(&SignalId) -> Option<usize>) {
        for limit in self.assets.iter_mut().flat_map(|a| a.limits.iter_mut()) {
            limit.slot = index(&limit.signal);
        }
    }

    /// Scores every asset into `out` (cleared first), unranked. `crossing` gives the forecast
    /// crossing of a limit (`None` when its signal has no forecast); `scenario` the what-if
    /// terms (looked up by asset; a term for an asset outside the model is scored on its own
    /// with the default consequence, after the model's assets).
    pub fn evaluate_into(
        &self,
        crossing: &mut dyn FnMut(&WatchedLimit) -> Option<Crossing>,
        scenario: &[ScenarioTerm],
        out: &mut Vec<RiskScore>,
    ) {
        out.clear();
        out.reserve(self.assets.len());
        for asset in &self.assets {
            let mut best: Option<(&WatchedLimit, Crossing)> = None;
            for limit in &asset.limits {
                let Some(c) = crossing(limit) else { continue };
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
            let term = scenario.iter().find(|s| s.asset == asset.asset).cloned();
            let p_forecast = best.as_ref().map_or(0.0, |(_, c)| c.probability);
            let p_scenario = term.as_ref().map_or(0.0, |s| s.probability.clamp(0.0, 1.0));
            let probability = 1.0 - (1.0 - p_forecast) * (1.0 - p_scenario);
            out.push(RiskScore {
                asset: asset.asset.clone(),
                score: asset.consequence * probability,
                probability,
                consequence: asset.consequence,
                driver: best.map(|(limit, crossing)| RiskDriver {
                    label: limit.label.clone(),
                    signal: limit.signal.clone(),
                    limit: limit.threshold.limit,
                    kind: limit.kind.suffix(),
                    crossing,
                }),
                scenario: term,
            });
        }
        // Assets a what-if run touched that watch no limit still carry its risk.
        for term in scenario {
            if self.assets.iter().any(|a| a.asset == term.asset) {
                continue;
            }
            let probability = term.probability.clamp(0.0, 1.0);
            out.push(RiskScore {
                asset: term.asset.clone(),
                score: DEFAULT_CONSEQUENCE * probability,
                probability,
                consequence: DEFAULT_CONSEQUENCE,
                driver: None,
                scenario: Some(term.clone()),
            });
        }
    }

    /// Scores and ranks every asset (see [`rank`]).
    pub fn evaluate(
        &self,
        crossing: &mut dyn FnMut(&WatchedLimit) -> Option<Crossing>,
        scenario: &[ScenarioTerm],
    ) -> Vec<RiskScore> {
        let mut out = Vec::new();
        self.evaluate_into(crossing, scenario, &mut out);
        rank(&mut out);
        out
    }
}

/// Highest score first; ties by sooner expected crossing, then asset name.
pub fn rank(scores: &mut [RiskScore]) {
    let soon = |s: &RiskScore| {
        s.driver
            .as_ref()
            .and_then(|d| d.crossing.expected_s)
            .unwrap_or(f64::INFINITY)
    };
    scores.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(soon(a).total_cmp(&soon(b)))
            .then_with(|| a.asset.cmp(&b.asset))
    });
}

/// Scenario terms from a what-if run: every plant node its outcomes touched, with
/// `P = 1 − exp(−E / reference_energy_j)` of the run's peak impact energy `E` (so an impact of
/// the reference energy counts as 63 %); a node touched without impact energy counts 0.1.
pub fn scenario_terms(
    outcomes: &crate::core::scenario::Outcomes,
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
