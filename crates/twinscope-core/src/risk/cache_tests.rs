//! The cache against from-scratch evaluation, and what a pass recomputes.

use super::tests::{Feed, weight};
use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const ASSETS: usize = 24;

/// What signal `s` reads at second `i`: heaters, steady ones, ones that step (anomalies) and
/// cold ones, each asset a little different.
fn value(s: usize, i: i64) -> f64 {
    let k = (s / 2) as f64;
    let t = i as f64;
    match (s / 2) % 4 {
        0 => 60.0 + k + (0.05 + 0.01 * k) * t,
        1 => 50.0 + k,
        2 => {
            40.0 + if i >= 110 + 3 * (s as i64 % 20) {
                8.0
            } else {
                0.0
            }
        }
        _ => 20.0 + 0.5 * (t / 30.0).sin(),
    }
}

/// `ASSETS` assets, each with a temperature (H limit on two thirds, HH on half) and a flow
/// signal bound; some weighted. Every signal warmed up with 100 s of samples.
fn setup(seed: u64) -> (RiskModel, Feed) {
    let ids: Vec<String> = (0..ASSETS)
        .flat_map(|a| [format!("A-{a}.temperature"), format!("A-{a}.flow")])
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut feed = Feed::new(&refs, seed);
    let mut alarms = Vec::new();
    let mut bindings = Vec::new();
    for a in 0..ASSETS {
        let temperature = format!("A-{a}.temperature");
        if a % 3 != 2 {
            alarms.push(AlarmSpec::limit(&temperature, LimitKind::High, 95.0));
        }
        if a % 2 == 0 {
            alarms.push(AlarmSpec::limit(&temperature, LimitKind::HighHigh, 110.0));
        }
        bindings.push(Binding {
            node: format!("A-{a}"),
            signals: vec![
                SignalId::new(&temperature),
                SignalId::new(format!("A-{a}.flow")),
            ],
            rule: None,
            location: Location::new("s.toml", 1, 1),
            signal_locations: Vec::new(),
            rule_signal_location: None,
        });
    }
    let weights = [weight("A-1", 3.0), weight("A-6", 2.0), weight("A-10", 0.5)];
    let mut model = RiskModel::new(&alarms, &weights).with_bindings(&bindings);
    model.bind_slots(&|id| feed.slot(id));
    for s in 0..feed.ids.len() {
        feed.feed(s, 100, |i| value(s, i));
    }
    (model, feed)
}

#[test]
fn the_cache_matches_a_from_scratch_evaluation_after_random_sample_sequences() {
    for seed in [1, 2, 3] {
        let (model, mut feed) = setup(seed);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut cache = RiskCache::new(model.clone());
        let scenarios = [
            vec![],
            vec![ScenarioTerm {
                asset: "A-3".into(),
                probability: 0.7,
                description: "box hit it".into(),
            }],
            vec![ScenarioTerm {
                asset: "X-1".into(),
                probability: 0.4,
                description: "outside the model".into(),
            }],
        ];
        let (mut anomalies, mut drivers) = (0, 0);
        for pass in 0..80 {
            let scenario = &scenarios[(pass / 15) % scenarios.len()];
            // A random few signals advance by a random few samples (some passes: none).
            for s in 0..feed.ids.len() {
                if rng.random_bool(0.25) {
                    let n = rng.random_range(1..=6);
                    feed.feed(s, n, |i| value(s, i));
                }
            }
            cache.evaluate(&feed.trackers, scenario);
            let expected = model.evaluate(&feed.trackers, scenario);
            let cached: Vec<RiskScore> = cache.ranked().cloned().collect();
            assert_eq!(cached, expected, "seed {seed}, pass {pass}");
            for (rank, score) in expected.iter().enumerate() {
                if let Some(a) = model.assets.iter().position(|a| a.asset == score.asset) {
                    assert_eq!(cache.rank_of(a), Some(rank));
                }
            }
            anomalies += expected.iter().filter(|s| s.anomaly.is_some()).count();
            drivers += expected.iter().filter(|s| s.driver.is_some()).count();
        }
        assert!(anomalies > 0 && drivers > 0, "{anomalies} {drivers}");
    }
}

#[test]
fn a_pass_recomputes_only_what_advanced() {
    let (model, mut feed) = setup(9);
    let limits: usize = model.assets.iter().map(|a| a.limits.len()).sum();
    let signals: usize = model.assets.iter().map(|a| a.signals.len()).sum();
    let index = |asset: &str| model.assets.iter().position(|a| a.asset == asset).unwrap();
    let (a4, a5) = (index("A-4"), index("A-5"));
    let mut cache = RiskCache::new(model.clone());
    assert!(cache.evaluate(&feed.trackers, &[]));
    let first = cache.stats();
    assert_eq!(
        (first.crossings, first.anomaly_terms, first.rescored),
        (limits as u64, signals as u64, ASSETS as u64)
    );

    // Nothing new: nothing recomputed, rescored or re-sorted.
    assert!(!cache.evaluate(&feed.trackers, &[]));
    let idle = cache.stats();
    assert_eq!(idle, RiskStats { passes: 2, ..first });
    assert!(cache.changed().is_empty());

    // One temperature advances: its asset's limits and that signal's term, nothing else.
    let s = feed.slot(&SignalId::new("A-4.temperature")).unwrap();
    feed.feed(s, 1, |i| value(s, i));
    cache.evaluate(&feed.trackers, &[]);
    let one = cache.stats();
    assert_eq!(one.crossings - idle.crossings, 2, "A-4 watches H and HH");
    assert_eq!(one.anomaly_terms - idle.anomaly_terms, 1);
    assert!(one.rescored - idle.rescored <= 1);
    assert!(cache.changed().iter().all(|&a| a == a4));

    // A what-if run rescores every asset without recomputing a crossing.
    let term = ScenarioTerm {
        asset: "A-5".into(),
        probability: 0.9,
        description: "hit".into(),
    };
    let before = cache.rank_of(a5).unwrap();
    assert!(cache.evaluate(&feed.trackers, &[term]));
    let what_if = cache.stats();
    assert_eq!(what_if.crossings, one.crossings);
    assert_eq!(what_if.rescored - one.rescored, ASSETS as u64);
    let after = cache.rank_of(a5).unwrap();
    assert!(after < before, "A-5 rises: {before} → {after}");
    assert!(cache.score(a5).unwrap().scenario.is_some());
}
