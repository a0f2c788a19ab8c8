//! Incremental risk: the same scores and ranking as [`RiskModel::evaluate`], recomputing only
//! what a signal's new samples (or a new what-if run) changed.

use super::{
    AnomalyTerm, RankKey, RiskInputs, RiskModel, RiskScore, ScenarioTerm, SignalKey, WatchedLimit,
    cmp_rank_keys, limit_crossing, pick_driver, push_outsiders, rank_key, score_asset,
    signal_anomaly, signal_key, strongest,
};
use crate::forecast::Crossing;

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
/// watched signal's anomaly term is cached, and recomputed only when its signal's
/// key (the forecaster's sample count and last sample time, all a crossing or a
/// window depends on) moved, each distinct signal's key read once a pass; an asset is rescored
/// when one of its terms was recomputed or the what-if terms changed; the ranking (an index
/// permutation, nearly sorted from the last pass, so the sort is about linear) is re-sorted
/// only when a score or its tie-break moved.
#[derive(Clone, Debug)]
pub struct RiskCache {
    model: RiskModel,
    /// Per asset, where its limits start in `limits` (and its signals in `signals`); one more
    /// entry than assets.
    limit_start: Vec<usize>,
    signal_start: Vec<usize>,
    /// Cached crossing of each limit, assets' limits one after another.
    limits: Vec<Option<Crossing>>,
    /// Cached anomaly term of each watched signal, likewise.
    signals: Vec<Option<AnomalyTerm>>,
    /// The distinct caller slots the model reads (`None`: unbound), and for each the key it
    /// had at the last pass (`None`: never read).
    slots: Vec<Option<usize>>,
    slot_keys: Vec<Option<SignalKey>>,
    /// Which of `slots` each limit and each watched signal reads.
    limit_slot: Vec<u32>,
    signal_slot: Vec<u32>,
    /// Assets reading each of `slots`: `slot_users[slot_user_start[p]..slot_user_start[p + 1]]`.
    slot_user_start: Vec<usize>,
    slot_users: Vec<u32>,
    /// Per slot, whether it advanced in this pass (cleared after).
    advanced: Vec<bool>,
    /// The what-if terms of the last pass.
    scenario: Vec<ScenarioTerm>,
    /// Scores in model order, then scenario outsiders.
    scores: Vec<RiskScore>,
    /// Indices into `scores`, highest risk first.
    order: Vec<u32>,
    /// Rank of each score.
    position: Vec<u32>,
    /// Each score's rank key, dense so a re-sort reads no score.
    keys: Vec<RankKey>,
    /// Each score's place in name order (the ranking's last tie-break, as an integer).
    name_rank: Vec<u32>,
    /// Model assets reading a slot that advanced in the last pass (then: whose terms changed).
    changed: Vec<usize>,
    /// Per asset, whether it is in `changed` (cleared after).
    marked: Vec<bool>,
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
        let assets = &model.assets;
        let limit_start = offsets(assets.iter().map(|a| a.limits.len()));
        let signal_start = offsets(assets.iter().map(|a| a.signals.len()));
        // Distinct slots, and who reads each.
        let mut slots: Vec<Option<usize>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut users: Vec<Vec<u32>> = Vec::new();
        let mut at = |slot: Option<usize>, asset: usize| {
            let p = *index.entry(slot).or_insert_with(|| {
                slots.push(slot);
                users.push(Vec::new());
                slots.len() - 1
            });
            if users[p].last() != Some(&(asset as u32)) {
                users[p].push(asset as u32);
            }
            p as u32
        };
        let (mut limit_slot, mut signal_slot) = (Vec::new(), Vec::new());
        for (a, asset) in assets.iter().enumerate() {
            limit_slot.extend(asset.limits.iter().map(|l| at(l.slot, a)));
            signal_slot.extend(asset.signals.iter().map(|w| at(w.slot, a)));
        }
        let slot_user_start = offsets(users.iter().map(Vec::len));
        let scores = assets
            .iter()
            .map(|a| score_asset(a, None, &[], None))
            .collect();
        let mut cache = Self {
            limits: vec![None; limit_slot.len()],
            signals: vec![None; signal_slot.len()],
            slot_keys: vec![None; slots.len()],
            advanced: vec![false; slots.len()],
            marked: vec![false; assets.len()],
            slots,
            limit_slot,
            signal_slot,
            slot_user_start,
            slot_users: users.concat(),
            limit_start,
            signal_start,
            model,
            scenario: Vec::new(),
            scores,
            order: Vec::new(),
            position: Vec::new(),
            keys: Vec::new(),
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
    /// changed (a crossing, an anomaly term, or the what-if terms).
    pub fn evaluate(&mut self, inputs: &dyn RiskInputs, scenario: &[ScenarioTerm]) -> bool {
        self.stats.passes += 1;
        let rescore_all = !self.evaluated || self.scenario != scenario;
        if rescore_all {
            self.scenario = scenario.to_vec();
        }
        self.evaluated = true;
        self.mark_advanced(inputs);
        // Recompute the terms of assets reading an advanced slot; keep those that changed.
        let mut candidates = std::mem::take(&mut self.changed);
        candidates.retain(|&a| {
            self.marked[a] = false;
            self.refresh(a, inputs)
        });
        self.changed = candidates;
        self.advanced.iter_mut().for_each(|x| *x = false);
        let mut moved = Vec::new();
        let rescore: Vec<usize> = if rescore_all {
            (0..self.model.assets.len()).collect()
        } else {
            self.changed.clone()
        };
        for a in rescore {
            let score = self.score_of(a);
            let key = rank_key(&score);
            if cmp_rank_keys(key, self.keys[a]).is_ne() {
                moved.push(a as u32);
            }
            self.keys[a] = key;
            self.scores[a] = score;
            self.stats.rescored += 1;
        }
        if rescore_all {
            self.scores.truncate(self.model.assets.len());
            push_outsiders(&self.model.assets, &self.scenario, &mut self.scores);
            self.renumber();
            return true;
        }
        if !moved.is_empty() {
            self.rerank(moved);
        }
        !self.changed.is_empty()
    }

    /// Reads every distinct slot's key once; marks the slots that advanced and lists (in
    /// `changed`) the assets reading them.
    fn mark_advanced(&mut self, inputs: &dyn RiskInputs) {
        self.changed.clear();
        for (p, slot) in self.slots.iter().enumerate() {
            let key = signal_key(inputs, *slot);
            if self.slot_keys[p] == Some(key) {
                continue;
            }
            self.slot_keys[p] = Some(key);
            self.advanced[p] = true;
            let users = &self.slot_users[self.slot_user_start[p]..self.slot_user_start[p + 1]];
            for &a in users {
                let a = a as usize;
                if !self.marked[a] {
                    self.marked[a] = true;
                    self.changed.push(a);
                }
            }
        }
    }

    /// Recomputes asset `a`'s crossings and anomaly terms whose slot advanced; whether any
    /// changed.
    fn refresh(&mut self, a: usize, inputs: &dyn RiskInputs) -> bool {
        let mut dirty = false;
        let asset = &self.model.assets[a];
        let range = self.limit_start[a]..self.limit_start[a + 1];
        for (limit, e) in asset.limits.iter().zip(range) {
            if self.advanced[self.limit_slot[e] as usize] {
                let value = limit_crossing(inputs, limit);
                self.stats.crossings += 1;
                dirty |= value != self.limits[e];
                self.limits[e] = value;
            }
        }
        let range = self.signal_start[a]..self.signal_start[a + 1];
        for (watched, e) in asset.signals.iter().zip(range) {
            if self.advanced[self.signal_slot[e] as usize] {
                let value = signal_anomaly(inputs, watched);
                self.stats.anomaly_terms += 1;
                dirty |= value != self.signals[e];
                self.signals[e] = value;
            }
        }
        dirty
    }

    /// Asset `a`'s score from its cached terms.
    fn score_of(&self, a: usize) -> RiskScore {
        let asset = &self.model.assets[a];
        let limits = &self.limits[self.limit_start[a]..self.limit_start[a + 1]];
        let driver = pick_driver(asset.limits.iter().zip(limits.iter().cloned()));
        let signals = &self.signals[self.signal_start[a]..self.signal_start[a + 1]];
        let anomaly = strongest(signals.iter().cloned());
        score_asset(asset, driver, &self.scenario, anomaly)
    }

    /// Name ranks and ranking from scratch (the set of scores changed).
    fn renumber(&mut self) {
        self.keys = self.scores.iter().map(rank_key).collect();
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

    /// Ranking order of two scores (keys, then names).
    fn cmp(&self, a: u32, b: u32) -> std::cmp::Ordering {
        let (a, b) = (a as usize, b as usize);
        cmp_rank_keys(self.keys[a], self.keys[b]).then(self.name_rank[a].cmp(&self.name_rank[b]))
    }

    /// Sorts the ranking from scratch.
    fn resort(&mut self) {
        let mut order = std::mem::take(&mut self.order);
        order.sort_by(|&a, &b| self.cmp(a, b));
        self.order = order;
        self.reposition();
    }

    /// Re-ranks after the scores in `moved` changed key: takes them out (the rest stays
    /// sorted), sorts them, and merges the two, O(n + k log k) rather than a sort of n.
    fn rerank(&mut self, mut moved: Vec<u32>) {
        moved.sort_by(|&a, &b| self.cmp(a, b));
        for &m in &moved {
            self.marked[m as usize] = true;
        }
        let mut rest = std::mem::take(&mut self.order);
        rest.retain(|&i| !self.marked.get(i as usize).copied().unwrap_or(false));
        for &m in &moved {
            self.marked[m as usize] = false;
        }
        let mut order = Vec::with_capacity(rest.len() + moved.len());
        let (mut r, mut m) = (rest.into_iter().peekable(), moved.into_iter().peekable());
        while let (Some(&a), Some(&b)) = (r.peek(), m.peek()) {
            if self.cmp(b, a).is_lt() {
                order.push(b);
                m.next();
            } else {
                order.push(a);
                r.next();
            }
        }
        order.extend(r);
        order.extend(m);
        self.order = order;
        self.reposition();
    }

    fn reposition(&mut self) {
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
    #[cfg(test)]
    pub(crate) fn rank_of(&self, a: usize) -> Option<usize> {
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
        limits.iter().zip(cached).map(|(l, c)| (l, c.as_ref()))
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

/// Prefix offsets of consecutive lists of these lengths: `out[i]..out[i + 1]` is list `i`.
fn offsets(lens: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut out = vec![0];
    for len in lens {
        out.push(out[out.len() - 1] + len);
    }
    out
}
