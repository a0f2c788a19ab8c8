//! Risk ordering from real forecasts, consequence weights, scenario terms and explanations.

use super::*;
use crate::core::forecast::tests::Noise;
use crate::core::forecast::{ForecastConfig, Forecaster, Method};
use crate::core::signal::Timestamp;
use std::collections::HashMap;

const S: i64 = 1_000_000_000;

/// A forecaster fed 300 s of `start + slope·t` with a little noise.
fn ramp(start: f64, slope: f64, seed: u64) -> Forecaster {
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

fn weight(asset: &str, consequence: f64) -> RiskWeight {
    RiskWeight {
        asset: asset.into(),
        consequence,
        location: Location::new("s.toml", 1, 1),
    }
}

/// Four motors with an H alarm at 95 °C: heating fast, heating slowly, steady, and steady but
/// far from the limit.
fn plant() -> (Vec<AlarmSpec>, HashMap<String, Forecaster>) {
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

fn scores(
    model: &RiskModel,
    forecasters: &HashMap<String, Forecaster>,
    scenario: &[ScenarioTerm],
) -> Vec<RiskScore> {
    model.evaluate(
        &mut |limit| {
            forecasters
                .get(limit.signal.as_str())
                .and_then(|f| f.crossing(limit.threshold))
        },
        scenario,
    )
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
    let scores = model.evaluate(&mut |_| None, &[]);
    assert!(scores.iter().all(|s| s.score == 0.0));
    assert!(scores[0].explain().ends_with("no forecast"));
}

#[test]
fn scenario_outcomes_become_terms_for_touched_nodes() {
    let outcomes = crate::core::scenario::Outcomes {
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
