//! Incremental risk: the same scores and ranking as [`RiskModel::evaluate`], recomputing only
//! what a signal's new samples (or a new what-if run) changed.

use super::{
    AnomalyTerm, RiskInputs, RiskModel, RiskScore, ScenarioTerm, SignalKey, WatchedLimit,
    limit_crossing, pick_driver, push_outsiders, rank_order, score_asset, signal_anomaly,
    signal_key, strongest,
};
use crate::core::forecast::Crossing;

/// One cached term: what it was computed from (`None`: never computed) and its value.
#[derive(Clone, Debug)]
struct Cached<T> {
    key: Option<SignalKey>,
    value: Option<T>,
}

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Self {
            key: None,
            value: None,
        }
    }
}

/// How much the passes so far recomputed (tests and benchmarks count on it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RiskStats {
    /// Passes run.
    pub passes: u64,
    /// Crossings computed.
    pub crossings: u64,
    /// Anomaly terms computed.
    pub anomaly_terms: u64,
    /// Assets rescored.
    pub rescored: u64,
    /// Times the ranking was re-sorted.
    pub reranks: u64,
}

/// A [`RiskModel`]'s scores, kept current pass by pass: each limit's crossing and each
/// watched signal's anomaly term is cached under its signal's [`SignalKey`] (the forecaster's
/// sample count and last sample time, all a crossing or a window depends on) and recomputed
/// only when that key moved; an asset is rescored when one of its terms changed or the what-if
/// terms did; the ranking (an index permutation, nearly sorted from the last pass, so the sort
/// is about linear) is re-sorted only when a score or its tie-break moved.
#[derive(Clone, Debug)]
pub struct RiskCache {
    model: RiskModel,
    /// Per asset, where its limits start in `limits` (and its signals in `signals`); one more
    /// entry than assets.
    limit_start: Vec<usize>,
    signal_start: Vec<usize>,
    limits: Vec<Cached<Crossing>>,
    signals: Vec<Cached<AnomalyTerm>>,
    /// The what-if terms of the last pass.
    scenario: Vec<ScenarioTerm>,
    /// Scores in model order, then scenario outsiders.
    scores: Vec<RiskScore>,
    /// Indices into `scores`, highest risk first.
    order: Vec<u32>,
    /// Rank of each score.
    position: Vec<u32>,
    /// Each score's place in name order (the ranking's last tie-break, as an integer).
    name_rank: Vec<u32>,
    /// Model assets whose terms changed in the last pass.
    changed: Vec<usize>,
    evaluated: bool,
    stats: RiskStats,
}

impl Default for RiskCache {
    fn default() -> Self {
        Self::new(RiskModel::default())
    }
}

impl RiskCache {
    /// A cache for `model` (slots bound), nothing computed yet: every asset scores 0 until the
    /// first [`RiskCache::evaluate`].
    pub fn new(model: RiskModel) -> Self {
        let offsets = |count: &dyn Fn(usize) -> usize| {
            let mut start = Vec::with_capacity(model.assets.len() + 1);
            let mut at = 0;
            for i in 0..model.assets.len() {
                start.push(at);
                at += count(i);
            }
            start.push(at);
            start
        };
        let limit_start = offsets(&|i| model.assets[i].limits.len());
        let signal_start = offsets(&|i| model.assets[i].signals.len());
        let scores = model
            .assets
            .iter()
            .map(|a| score_asset(a, None, &[], None))
            .collect();
        let mut cache = Self {
            limits: vec![Cached::default(); limit_start[model.assets.len()]],
            signals: vec![Cached::default(); signal_start[model.assets.len()]],
            limit_start,
            signal_start,
            model,
            scenario: Vec::new(),
            scores,
            order: Vec::new(),
            position: Vec::new(),
            name_rank: Vec::new(),
            changed: Vec::new(),
            evaluated: false,
            stats: RiskStats::default(),
        };
        cache.renumber();
        cache
    }

    /// The model scored.
    pub fn model(&self) -> &RiskModel {
        &self.model
    }

    /// Brings every score up to date with `inputs` and `scenario`; returns whether anything
    /// changed (a crossing, an anomaly term, a score or the set of assets).
    pub fn evaluate(&mut self, inputs: &dyn RiskInputs, scenario: &[ScenarioTerm]) -> bool {
        self.stats.passes += 1;
        self.changed.clear();
        let rescore_all = !self.evaluated || self.scenario != scenario;
        if rescore_all {
            self.scenario = scenario.to_vec();
        }
        self.evaluated = true;
        let mut resort = false;
        for a in 0..self.model.assets.len() {
            let mut dirty = self.refresh_limits(a, inputs);
            dirty |= self.refresh_signals(a, inputs);
            if dirty {
                self.changed.push(a);
            }
            if !(dirty || rescore_all) {
                continue;
            }
            let asset = &self.model.assets[a];
            let limits = &self.limits[self.limit_start[a]..self.limit_start[a + 1]];
            let driver = pick_driver(
                asset
                    .limits
                    .iter()
                    .zip(limits)
                    .map(|(l, c)| (l, c.value.clone())),
            );
            let signals = &self.signals[self.signal_start[a]..self.signal_start[a + 1]];
            let anomaly = strongest(signals.iter().map(|c| c.value.clone()));
            let score = score_asset(asset, driver, &self.scenario, anomaly);
            resort |= rank_order(&score, &self.scores[a]).is_ne();
            self.scores[a] = score;
            self.stats.rescored += 1;
        }
        if rescore_all {
            self.scores.truncate(self.model.assets.len());
            push_outsiders(&self.model.assets, &self.scenario, &mut self.scores);
            self.renumber();
            return true;
        }
        if resort {
            self.resort();
        }
        !self.changed.is_empty()
    }

    /// Recomputes asset `a`'s crossings whose signal advanced; whether any changed.
    fn refresh_limits(&mut self, a: usize, inputs: &dyn RiskInputs) -> bool {
        let mut dirty = false;
        let limits = &self.model.assets[a].limits;
        let cached = &mut self.limits[self.limit_start[a]..self.limit_start[a + 1]];
        for (limit, entry) in limits.iter().zip(cached) {
            let key = signal_key(inputs, limit.slot);
            if entry.key == Some(key) {
                continue;
            }
            entry.key = Some(key);
            let value = limit_crossing(inputs, limit);
            self.stats.crossings += 1;
            dirty |= value != entry.value;
            entry.value = value;
        }
        dirty
    }

    /// Recomputes asset `a`'s anomaly terms whose signal advanced; whether any changed.
    fn refresh_signals(&mut self, a: usize, inputs: &dyn RiskInputs) -> bool {
        let mut dirty = false;
        let signals = &self.model.assets[a].signals;
        let cached = &mut self.signals[self.signal_start[a]..self.signal_start[a + 1]];
        for (watched, entry) in signals.iter().zip(cached) {
            let key = signal_key(inputs, watched.slot);
            if entry.key == Some(key) {
                continue;
            }
            entry.key = Some(key);
            let value = signal_anomaly(inputs, watched);
            self.stats.anomaly_terms += 1;
            dirty |= value != entry.value;
            entry.value = value;
        }
        dirty
    }

    /// Name ranks and ranking from scratch (the set of scores changed).
    fn renumber(&mut self) {
        let mut by_name: Vec<u32> = (0..self.scores.len() as u32).collect();
        by_name.sort_by(|&a, &b| {
            self.scores[a as usize]
                .asset
                .cmp(&self.scores[b as usize].asset)
        });
        self.name_rank = vec![0; self.scores.len()];
        for (rank, &i) in by_name.iter().enumerate() {
            self.name_rank[i as usize] = rank as u32;
        }
        self.order = (0..self.scores.len() as u32).collect();
        self.resort();
    }

    /// Re-sorts the ranking (stable and run-aware: a nearly sorted order costs about n).
    fn resort(&mut self) {
        let (scores, names) = (&self.scores, &self.name_rank);
        self.order.sort_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            rank_order(&scores[a], &scores[b]).then(names[a].cmp(&names[b]))
        });
        self.position.resize(self.order.len(), 0);
        for (rank, &i) in self.order.iter().enumerate() {
            self.position[i as usize] = rank as u32;
        }
        self.stats.reranks += 1;
    }

    /// Scores ranked (assets scored and outsiders).
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether nothing is scored.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The score at `rank` (0 = highest risk).
    pub fn ranked_at(&self, rank: usize) -> Option<&RiskScore> {
        self.scores.get(*self.order.get(rank)? as usize)
    }

    /// Every score, highest risk first.
    pub fn ranked(&self) -> impl ExactSizeIterator<Item = &RiskScore> + Clone + '_ {
        self.order.iter().map(|&i| &self.scores[i as usize])
    }

    /// The score of model asset `a` (its index in [`RiskModel::assets`]).
    pub fn score(&self, a: usize) -> Option<&RiskScore> {
        self.scores.get(a)
    }

    /// The rank of model asset `a`.
    pub fn rank_of(&self, a: usize) -> Option<usize> {
        self.position.get(a).map(|&r| r as usize)
    }

    /// Model asset `a`'s limits with their cached crossings (as of the last pass).
    pub fn crossings(
        &self,
        a: usize,
    ) -> impl Iterator<Item = (&WatchedLimit, Option<&Crossing>)> + '_ {
        let limits = self.model.assets.get(a).map_or(&[][..], |x| &x.limits);
        let cached = self
            .limit_start
            .get(a)
            .zip(self.limit_start.get(a + 1))
            .map_or(&[][..], |(&s, &e)| &self.limits[s..e]);
        limits
            .iter()
            .zip(cached)
            .map(|(l, c)| (l, c.value.as_ref()))
    }

    /// Model assets whose crossings or anomaly terms changed in the last pass.
    pub fn changed(&self) -> &[usize] {
        &self.changed
    }

    /// What the passes so far recomputed.
    pub fn stats(&self) -> RiskStats {
        self.stats
    }
}
