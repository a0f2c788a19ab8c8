//! Risk ordering from real forecasts, consequence weights, scenario terms and explanations.

use super::*;
use crate::forecast::tests::Noise;
use crate::forecast::{ForecastConfig, Forecaster, Method};
use crate::signal::Timestamp;

const S: i64 = 1_000_000_000;

/// A forecaster fed 300 s of `start + slope·t` with a little noise.
pub(super) fn ramp(start: f64, slope: f64, seed: u64) -> Forecaster {
    let mut noise = Noise::new(seed);
    let mut f = Forecaster::new(ForecastConfig {
        horizon_s: 300.0,
        method: Method::Holt,
        period_s: Some(1.0),
        ..ForecastConfig::default()
    });
    for i in 0..300 {
        f.update(
            Timestamp(i * S),
            start + slope * i as f64 + noise.normal(0.3),
        );
    }
    f
}

pub(super) fn weight(asset: &str, consequence: f64) -> RiskWeight {
    RiskWeight {
        asset: asset.into(),
        consequence,
        location: Location::new("s.toml", 1, 1),
    }
}

/// Four motors with an H alarm at 95 °C: heating fast, heating slowly, steady, and steady but
/// far from the limit.
pub(super) fn plant() -> (Vec<AlarmSpec>, Vec<(String, Forecaster)>) {
    let alarms: Vec<AlarmSpec> = ["M-1", "M-2", "M-3", "M-4"]
        .iter()
        .map(|m| AlarmSpec::limit(&format!("{m}.temperature"), LimitKind::High, 95.0))
        .collect();
    let forecasters = [
        ("M-1.temperature", ramp(50.0, 0.1, 1)), // 80 now, 95 in ~150 s
        ("M-2.temperature", ramp(60.0, 0.06, 2)), // 78 now, 95 in ~280 s
        ("M-3.temperature", ramp(85.0, 0.0, 3)),
        ("M-4.temperature", ramp(30.0, 0.0, 4)),
    ]
    .into_iter()
    .map(|(id, f)| (id.to_owned(), f))
    .collect();
    (alarms, forecasters)
}

/// Binds `model`'s slots to `forecasters` by position and scores from scratch.
fn scores(
    model: &RiskModel,
    forecasters: &[(String, Forecaster)],
    scenario: &[ScenarioTerm],
) -> Vec<RiskScore> {
    let mut model = model.clone();
    model.bind_slots(&|id| forecasters.iter().position(|(s, _)| s == id.as_str()));
    let inputs: Vec<Forecaster> = forecasters.iter().map(|(_, f)| f.clone()).collect();
    model.evaluate(&inputs, scenario)
}

fn order(scores: &[RiskScore]) -> Vec<&str> {
    scores.iter().map(|s| s.asset.as_str()).collect()
}

#[test]
fn risk_ranks_by_probability_then_consequence_then_scenario() {
    let (alarms, forecasters) = plant();
    let plain = scores(&RiskModel::new(&alarms, &[]), &forecasters, &[]);
    let text: Vec<String> = plain.iter().map(RiskScore::explain).collect();
    assert_eq!(order(&plain), ["M-1", "M-2", "M-3", "M-4"], "{text:#?}");
    assert!(plain[0].probability > 0.9, "{}", text[0]);
    assert!(plain[0].probability > plain[1].probability, "{text:#?}");
    assert!(plain[1].probability > 0.2, "{}", text[1]);
    assert!(plain[3].score < 1e-3, "{}", text[3]);

    // A consequence weight reorders: the slower heater that matters five times as much comes
    // first; the motor far below its limit stays last whatever its weight.
    let weighted = RiskModel::new(&alarms, &[weight("M-2", 5.0), weight("M-4", 1000.0)]);
    let ranked = scores(&weighted, &forecasters, &[]);
    assert_eq!(order(&ranked)[0], "M-2");
    assert_eq!(ranked.last().map(|s| s.asset.as_str()), Some("M-4"));

    // A scenario term lifts an asset the forecast says is safe.
    let term = ScenarioTerm {
        asset: "M-4".into(),
        probability: 0.99,
        description: "box hit the motor".into(),
    };
    let with_scenario = scores(&RiskModel::new(&alarms, &[]), &forecasters, &[term]);
    let m4 = with_scenario.iter().position(|s| s.asset == "M-4").unwrap();
    assert!(
        (with_scenario[m4].score - 0.99).abs() < 1e-3,
        "{}",
        with_scenario[m4].explain()
    );
    assert!(
        m4 <= 2,
        "M-4 lifted above the steady M-3: {:?}",
        order(&with_scenario)
    );
    assert!(with_scenario[m4].explain().contains("box hit the motor"));

    // A touched asset that watches no limit is scored on the term alone.
    let term = ScenarioTerm {
        asset: "PK-9".into(),
        probability: 0.5,
        description: "load fell on the station".into(),
    };
    let with_outsider = scores(&RiskModel::new(&alarms, &[]), &forecasters, &[term]);
    let pk = with_outsider.iter().find(|s| s.asset == "PK-9");
    let pk = pk.expect("the touched station is ranked");
    assert!((pk.score - DEFAULT_CONSEQUENCE * 0.5).abs() < 1e-9);
    assert!(pk.driver.is_none() && pk.scenario.is_some());
}

#[test]
fn a_score_explains_itself() {
    let (alarms, forecasters) = plant();
    let model = RiskModel::new(&alarms, &[weight("M-1", 3.0)]);
    let top = &scores(&model, &forecasters, &[])[0];
    let driver = top.driver.as_ref().unwrap();
    assert_eq!(
        (driver.signal.as_str(), driver.kind, driver.limit),
        ("M-1.temperature", "H", 95.0)
    );
    let expected = driver.crossing.expected_s.unwrap();
    assert!((expected - 151.0).abs() < 20.0, "{expected}");
    assert!((top.score - 3.0 * top.probability).abs() < 1e-12);
    let text = top.explain();
    for part in ["M-1", "= 3.0 ×", "M-1.temperature H 95", "in ~", "(P "] {
        assert!(text.contains(part), "`{part}` missing from `{text}`");
    }
}

#[test]
fn the_model_groups_limits_by_asset() {
    let mut hh = AlarmSpec::limit("M-1.temperature", LimitKind::HighHigh, 110.0);
    hh.asset = Some("Motor one".into());
    let alarms = vec![
        AlarmSpec::limit("M-1.temperature", LimitKind::High, 95.0),
        AlarmSpec::limit("M-1.current", LimitKind::High, 40.0),
        hh,
        AlarmSpec::limit("TK-1.level", LimitKind::LowLow, 5.0),
    ];
    let model = RiskModel::new(&alarms, &[weight("TK-1", 2.0), weight("CV-9", 4.0)]);
    let summary: Vec<(&str, usize, f64)> = model
        .assets
        .iter()
        .map(|a| (a.asset.as_str(), a.limits.len(), a.consequence))
        .collect();
    assert_eq!(
        summary,
        [
            ("M-1", 2, 1.0),
            ("Motor one", 1, 1.0),
            ("TK-1", 1, 2.0),
            ("CV-9", 0, 4.0)
        ]
    );
    assert!(!model.assets[2].limits[0].threshold.high);
    // An asset without forecasts scores 0 and says so.
    let scores = model.evaluate(&Vec::<Forecaster>::new(), &[]);
    assert!(scores.iter().all(|s| s.score == 0.0));
    let text = |asset: &str| scores.iter().find(|s| s.asset == asset).unwrap().explain();
    assert!(text("M-1").ends_with("no forecast"), "{}", text("M-1"));
    assert!(text("CV-9").ends_with("no limit alarm"), "{}", text("CV-9"));
}

#[test]
fn scenario_outcomes_become_terms_for_touched_nodes() {
    let outcomes = crate::scenario::Outcomes {
        zones: Vec::new(),
        bodies_total: 3,
        bodies_off_line: 1,
        peak_impact_speed: 2.0,
        peak_impact_energy_j: 50.0,
        touched_nodes: vec!["CV-201".into(), "PK-201".into()],
    };
    let terms = scenario_terms(&outcomes, 50.0);
    assert_eq!(terms.len(), 2);
    assert!((terms[0].probability - (1.0 - (-1.0f64).exp())).abs() < 1e-12);
    assert_eq!(terms[1].asset, "PK-201");
}

/// A tracker per signal, fed 1 Hz samples on demand.
pub(super) struct Feed {
    pub ids: Vec<String>,
    pub trackers: Vec<crate::forecast::SignalTracker>,
    pub next: Vec<i64>,
    noise: Noise,
}

impl Feed {
    pub(super) fn new(ids: &[&str], seed: u64) -> Self {
        let config = crate::forecast::TrackerConfig::new(ForecastConfig {
            horizon_s: 120.0,
            period_s: Some(1.0),
            ..ForecastConfig::default()
        });
        Self {
            ids: ids.iter().map(|s| s.to_string()).collect(),
            trackers: ids
                .iter()
                .map(|_| crate::forecast::SignalTracker::new(config.clone()))
                .collect(),
            next: vec![0; ids.len()],
            noise: Noise::new(seed),
        }
    }

    pub(super) fn slot(&self, id: &SignalId) -> Option<usize> {
        self.ids.iter().position(|s| s == id.as_str())
    }

    /// Feeds `count` samples of `value(i)` (`i` = the sample's second) plus noise to `slot`.
    pub(super) fn feed(&mut self, slot: usize, count: usize, value: impl Fn(i64) -> f64) {
        for _ in 0..count {
            let i = self.next[slot];
            let v = value(i) + self.noise.normal(0.3);
            self.trackers[slot].update(Timestamp(i * S), v, &mut |_| {});
            self.next[slot] += 1;
        }
    }
}

fn binding(node: &str, signals: &[&str]) -> Binding {
    Binding {
        node: node.into(),
        signals: signals.iter().map(|s| SignalId::new(*s)).collect(),
        rule: None,
        location: Location::new("s.toml", 1, 1),
        signal_locations: Vec::new(),
        rule_signal_location: None,
    }
}

#[test]
fn anomaly_probability_is_half_the_ceiling_at_the_threshold() {
    let table = [
        (0.0, 0.0),
        (-3.0, 0.0),
        (f64::NAN, 0.0),
        (1.0, 0.5 * ANOMALY_CEILING),
        (2.0, 0.75 * ANOMALY_CEILING),
        (f64::INFINITY, ANOMALY_CEILING),
    ];
    for (score, p) in table {
        assert!((anomaly_probability(score) - p).abs() < 1e-12, "{score}");
    }
}

#[test]
fn bindings_add_assets_and_watch_their_signals_once() {
    let alarms = vec![AlarmSpec::limit("M-1.temperature", LimitKind::High, 95.0)];
    let model = RiskModel::new(&alarms, &[weight("CV-9", 2.0)]).with_bindings(&[
        binding("M-1", &["M-1.temperature", "M-1.current"]),
        binding("PK-9", &["PK-9.rate"]),
    ]);
    let watched: Vec<(&str, Vec<&str>)> = model
        .assets
        .iter()
        .map(|a| {
            let signals = a.signals.iter().map(|s| s.signal.as_str()).collect();
            (a.asset.as_str(), signals)
        })
        .collect();
    assert_eq!(
        watched,
        [
            ("M-1", vec!["M-1.temperature", "M-1.current"]),
            ("CV-9", vec![]),
            ("PK-9", vec!["PK-9.rate"]),
        ]
    );
    let scores = model.evaluate(&Vec::<Forecaster>::new(), &[]);
    let pk = scores.iter().find(|s| s.asset == "PK-9").unwrap();
    assert!(pk.explain().ends_with("no limit alarm"), "{}", pk.explain());
}

/// A packing station with no alarm limit steps up: while the window is open it ranks above a
/// steady motor (below the one heating towards its limit) and says why; once closed the term
/// fades, and a horizon later it is gone.
#[test]
fn an_anomaly_lifts_an_asset_then_fades_once_its_window_closes() {
    let ids = ["M-1.temperature", "M-4.temperature", "PK-9.rate"];
    let alarms: Vec<AlarmSpec> = ["M-1", "M-4"]
        .iter()
        .map(|m| AlarmSpec::limit(&format!("{m}.temperature"), LimitKind::High, 95.0))
        .collect();
    let mut feed = Feed::new(&ids, 7);
    let mut model = RiskModel::new(&alarms, &[]).with_bindings(&[binding("PK-9", &["PK-9.rate"])]);
    model.bind_slots(&|id| feed.slot(id));
    let heating = |i: i64| 50.0 + 0.14 * i as f64; // 92 °C at the step, 95 about 20 s on
    let step_at = 300;
    let rate = move |i: i64| if i < step_at { 20.0 } else { 26.0 };
    let advance = |feed: &mut Feed, n: usize| {
        feed.feed(0, n, heating);
        feed.feed(1, n, |_| 30.0);
        feed.feed(2, n, rate);
    };
    let ranked = |feed: &Feed| model.evaluate(&feed.trackers, &[]);
    let find = |scores: &[RiskScore], asset: &str| {
        let at = scores.iter().position(|s| s.asset == asset).unwrap();
        (at, scores[at].clone())
    };

    advance(&mut feed, step_at as usize);
    let quiet = ranked(&feed);
    assert_eq!(order(&quiet), ["M-1", "M-4", "PK-9"], "ties by name");
    assert!(quiet.iter().all(|s| s.anomaly.is_none()));

    // The step: within a few samples a window opens on PK-9.rate.
    let mut opened = None;
    for _ in 0..30 {
        advance(&mut feed, 1);
        let scores = ranked(&feed);
        let (at, pk) = find(&scores, "PK-9");
        if pk.anomaly.as_ref().is_some_and(|a| a.window.open) {
            opened = Some((at, pk, scores));
            break;
        }
    }
    let (at, pk, scores) = opened.expect("the step opens an anomaly window");
    assert_eq!(
        at,
        1,
        "above the steady motor, below the heater: {:?}",
        order(&scores)
    );
    let term = pk.anomaly.clone().unwrap();
    assert!(term.probability >= 0.5 * ANOMALY_CEILING && term.probability < ANOMALY_CEILING);
    assert!(
        (pk.probability - term.probability).abs() < 1e-12,
        "no forecast term"
    );
    let why = pk.explain();
    let since = format!("since {}", format_clock(term.window.start));
    for part in [
        "no limit alarm",
        "; anomaly ",
        "PK-9.rate level shift up",
        &since,
        "(score ",
    ] {
        assert!(why.contains(part), "`{part}` missing from `{why}`");
    }

    // Closed: still counted, fading, and said so.
    let mut closed = None;
    for _ in 0..600 {
        advance(&mut feed, 1);
        let (_, pk) = find(&ranked(&feed), "PK-9");
        if pk.anomaly.as_ref().is_some_and(|a| !a.window.open) {
            closed = Some(pk);
            break;
        }
    }
    let pk = closed.expect("the window closes once the forecaster follows the new level");
    assert!(pk.explain().contains("ago (score"), "{}", pk.explain());
    advance(&mut feed, 60);
    let (_, later) = find(&ranked(&feed), "PK-9");
    let faded = later.anomaly.expect("half a horizon on, still counted");
    assert!(faded.probability < pk.anomaly.unwrap().probability);

    // A horizon after it closed the term is gone (no new window on the steady rate).
    advance(&mut feed, 61);
    let scores = ranked(&feed);
    let (at, gone) = find(&scores, "PK-9");
    assert!(
        gone.anomaly.is_none() && gone.score == 0.0,
        "{}",
        gone.explain()
    );
    assert_eq!(at, 2, "{:?}", order(&scores));
}

#[test]
fn noise_that_collapsed_is_not_counted_as_risk() {
    // A wobbling signal that goes flat: the detector reports the variance falling; risk ignores
    // it.
    let mut feed = Feed::new(&["TK-9.level"], 3);
    let slot = 0;
    for t in 0..400 {
        let value = if t < 200 {
            50.0 + 2.0 * (t as f64 * 1.7).sin()
        } else {
            50.0
        };
        feed.trackers[slot].update(Timestamp(t * S), value, &mut |_| {});
    }
    let detector = &feed.trackers[slot].detector;
    let collapsed = detector
        .open()
        .chain(detector.closed())
        .any(|w| w.kind == crate::anomaly::AnomalyKind::VarianceChange && w.direction < 0);
    assert!(collapsed, "the detector sees the noise collapse");
    let (now, _) = feed.trackers[slot].forecaster.last().unwrap();
    let term = anomaly_term(&SignalId::new("TK-9.level"), detector, now, 1e9);
    assert!(
        term.as_ref().is_none_or(|t| !(t.window.kind
            == crate::anomaly::AnomalyKind::VarianceChange
            && t.window.direction < 0)),
        "{term:?}"
    );
}
