//! Table tests of rule evaluation: bands and severities, gradients, colours and formatting.

use super::*;
use std::collections::HashSet;

fn c(text: &str) -> RuleColor {
    RuleColor::parse_hex(text).expect("test colour")
}

fn rule() -> ThresholdRule {
    ThresholdRule::new(
        vec![10.0, 90.0],
        vec![c("#ff0000"), c("#00ff00"), c("#0000ff")],
    )
    .expect("valid rule")
}

#[test]
fn bands_are_min_inclusive() {
    let r = rule();
    let table = [
        (f64::NEG_INFINITY, Some(0)),
        (9.999, Some(0)),
        (10.0, Some(1)),
        (89.9, Some(1)),
        (90.0, Some(2)),
        (f64::INFINITY, Some(2)),
        (f64::NAN, None),
    ];
    for (value, band) in table {
        assert_eq!(r.band(value), band, "value {value}");
    }
    assert_eq!(r.color(Some(95.0)), RuleColor([0, 0, 255]));
    assert_eq!(r.color(Some(f64::NAN)), RuleColor::NO_DATA);
    assert_eq!(r.color(None), RuleColor::NO_DATA);
}

#[test]
fn band_labels_name_their_range() {
    let r = rule();
    assert_eq!(r.band_label(0, "%"), "< 10 %");
    assert_eq!(r.band_label(1, "%"), "10 – 90 %");
    assert_eq!(r.band_label(2, ""), "≥ 90");
}

#[test]
fn severities_follow_bands_and_default_to_normal() {
    use Severity::*;
    let r = ThresholdRule::with_severities(
        vec![80.0, 95.0],
        None,
        Some(vec![Normal, Warning, Critical]),
    )
    .expect("valid");
    let rule = ColorRule::from(r.clone());
    let table = [
        (20.0, Normal, Normal.default_color()),
        (80.0, Warning, Warning.default_color()),
        (94.99, Warning, Warning.default_color()),
        (95.0, Critical, Critical.default_color()),
    ];
    for (value, severity, color) in table {
        assert_eq!(rule.severity(value), Some(severity), "value {value}");
        assert_eq!(rule.color(Some(value)), color, "value {value}");
    }
    assert_eq!(rule.severity(f64::NAN), None);
    assert_eq!(rule.describe(96.0, 1, "degC"), "≥ 95 degC · critical");
    assert_eq!(rule.describe(50.0, 1, "degC"), "< 80 degC");

    // Explicit colours win over the severity defaults; severities default to normal.
    let painted = ThresholdRule::with_severities(
        vec![1.0],
        Some(vec![c("#010203"), c("#040506")]),
        Some(vec![Normal, Advisory]),
    )
    .expect("valid");
    assert_eq!(painted.colors[1], c("#040506"));
    assert_eq!(painted.severities[1], Advisory);
    assert_eq!(rule_plain_severities(), [Normal; 3]);
    assert!(Normal < Advisory && Advisory < Warning && Warning < Critical);
}

fn rule_plain_severities() -> Vec<Severity> {
    rule().severities
}

#[test]
fn severity_names_round_trip() {
    for severity in Severity::ALL {
        assert_eq!(Severity::parse(severity.name()), Ok(severity));
    }
    assert!(Severity::parse("major").is_err());
}

#[test]
fn shape_errors_are_reported() {
    let x = RuleColor([1, 2, 3]);
    type Case = (
        Vec<f64>,
        Option<Vec<RuleColor>>,
        Option<Vec<Severity>>,
        RuleError,
    );
    let table: [Case; 5] = [
        (
            vec![1.0],
            Some(vec![x]),
            None,
            RuleError::ColorCount {
                thresholds: 1,
                colors: 1,
            },
        ),
        (
            vec![1.0],
            None,
            Some(vec![Severity::Normal; 3]),
            RuleError::SeverityCount {
                thresholds: 1,
                severities: 3,
            },
        ),
        (vec![1.0], None, None, RuleError::NoColors),
        (
            vec![5.0, 5.0],
            Some(vec![x; 3]),
            None,
            RuleError::NotAscending { index: 1 },
        ),
        (
            vec![f64::NAN],
            Some(vec![x; 2]),
            None,
            RuleError::NotAscending { index: 0 },
        ),
    ];
    for (thresholds, colors, severities, error) in table {
        assert_eq!(
            ThresholdRule::with_severities(thresholds, colors, severities),
            Err(error)
        );
    }
}

#[test]
fn hex_round_trips_and_rejects_garbage() {
    assert_eq!(c("#3f8fd2").to_string(), "#3f8fd2");
    assert!(RuleColor::parse_hex("#3f8fd").is_err());
    assert!(RuleColor::parse_hex("blue").is_err());
}

#[test]
fn oklab_round_trips_every_palette_stop_and_matches_reference_values() {
    for palette in Palette::ALL {
        for &stop in palette.stops() {
            assert_eq!(RuleColor::from_oklab(stop.to_oklab()), stop, "{palette:?}");
        }
    }
    // Björn Ottosson's published values: white is L = 1, a = b = 0; pure red is
    // (0.6280, 0.2249, 0.1258).
    let white = RuleColor([255, 255, 255]).to_oklab();
    assert!((white[0] - 1.0).abs() < 1e-4 && white[1].abs() < 1e-4 && white[2].abs() < 1e-4);
    let red = RuleColor([255, 0, 0]).to_oklab();
    for (got, want) in red.iter().zip([0.627_955, 0.224_863, 0.125_846]) {
        assert!((got - want).abs() < 1e-3, "{red:?}");
    }
}

#[test]
fn gradients_hit_their_endpoints_and_clamp_outside_the_domain() {
    for palette in Palette::ALL {
        let g = GradientRule::named(palette, [0.0, 100.0]).expect("valid");
        let (first, last) = (palette.stops()[0], *palette.stops().last().expect("stops"));
        let table = [
            (0.0, first),
            (-50.0, first),
            (f64::NEG_INFINITY, first),
            (100.0, last),
            (1e9, last),
            (f64::INFINITY, last),
        ];
        for (value, color) in table {
            assert_eq!(g.color(Some(value)), color, "{palette:?} at {value}");
        }
        assert_eq!(g.color(Some(f64::NAN)), RuleColor::NO_DATA);
        assert_eq!(g.color(None), RuleColor::NO_DATA);
    }
    // A reversed domain runs the palette backwards.
    let reversed = GradientRule::named(Palette::Blues, [100.0, 0.0]).expect("valid");
    assert_eq!(reversed.color(Some(100.0)), Palette::Blues.stops()[0]);
    let rule = ColorRule::from(reversed);
    assert_eq!((rule.band(50.0), rule.severity(50.0)), (None, None));
    assert_eq!(rule.describe(42.26, 1, "%"), "42.3 % on scale 100 – 0 %");
}

#[test]
fn gradients_mix_in_oklab_not_srgb() {
    // Red to green through sRGB passes a dark olive (#808000); Oklab keeps the midpoint bright.
    let g = GradientRule::new([0.0, 1.0], vec![c("#ff0000"), c("#00ff00")]).expect("valid");
    let mid = g.color_at(0.5);
    let lightness = |color: RuleColor| color.to_oklab()[0];
    assert!(lightness(mid) > lightness(c("#808000")) + 0.05, "{mid}");
    let ends = (lightness(c("#ff0000")) + lightness(c("#00ff00"))) / 2.0;
    assert!((lightness(mid) - ends).abs() < 0.01, "{mid}");
}

#[test]
fn sequential_palettes_change_lightness_monotonically() {
    let table = [
        (Palette::Viridis, 1.0),
        (Palette::Cividis, 1.0),
        (Palette::Blues, -1.0),
    ];
    for (palette, direction) in table {
        let g = GradientRule::named(palette, [0.0, 1.0]).expect("valid");
        let mut previous = f64::NEG_INFINITY;
        for k in 0..=100 {
            let l = g.color_at(f64::from(k) / 100.0).to_oklab()[0] * direction;
            assert!(l >= previous - 1e-3, "{palette:?} at {k}%");
            previous = l;
        }
    }
    // The diverging palette is lightest in the middle.
    let g = GradientRule::named(Palette::BlueRed, [-1.0, 1.0]).expect("valid");
    let l = |v: f64| g.color(Some(v)).to_oklab()[0];
    assert!(l(0.0) > l(-0.5) && l(-0.5) > l(-1.0) && l(0.0) > l(0.5) && l(0.5) > l(1.0));
}

#[test]
fn gradient_colours_are_quantised_to_a_bounded_set() {
    let g = ColorRule::from(GradientRule::named(Palette::Viridis, [0.0, 100.0]).expect("valid"));
    let mut seen = HashSet::new();
    for i in 0..10_000 {
        // Spread past both ends of the domain, with missing values mixed in.
        let value = (i as f64 / 10_000.0) * 140.0 - 20.0;
        seen.insert(g.color((i % 97 != 0).then_some(value)));
    }
    assert!(seen.len() <= GRADIENT_STEPS + 1, "{} colours", seen.len());
    assert!(seen.len() >= GRADIENT_STEPS, "the whole palette is used");
    assert!(seen.contains(&RuleColor::NO_DATA));
    // Neighbouring steps are close: no visible jump between buckets.
    let g = GradientRule::named(Palette::Viridis, [0.0, 1.0]).expect("valid");
    let step = 1.0 / (GRADIENT_STEPS - 1) as f64;
    let (a, b) = (
        g.color(Some(0.5)).to_oklab(),
        g.color(Some(0.5 + step)).to_oklab(),
    );
    let distance = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
    assert!(distance > 0.0 && distance < 0.05, "{distance}");
}

#[test]
fn gradient_shape_errors_are_reported() {
    let table = [
        (
            [0.0, 1.0],
            vec![c("#000000")],
            GradientError::TooFewStops(1),
        ),
        ([1.0, 1.0], vec![c("#000000"); 2], GradientError::BadDomain),
        (
            [0.0, f64::NAN],
            vec![c("#000000"); 2],
            GradientError::BadDomain,
        ),
    ];
    for (domain, stops, error) in table {
        assert_eq!(GradientRule::new(domain, stops), Err(error));
    }
    assert_eq!(Palette::parse("blue-red"), Ok(Palette::BlueRed));
    let error = Palette::parse("jet").expect_err("not offered");
    assert!(
        error.contains("viridis, cividis, blues, blue-red"),
        "{error}"
    );
}

#[test]
fn values_format_with_their_precision_and_unit() {
    let table = [
        (108.24, 1, "degC", "108.2 degC"),
        (108.25, 0, "degC", "108 degC"),
        (0.126, 2, "", "0.13"),
        (-0.04, 1, "bar", "0.0 bar"),
        (-1.26, 1, "bar", "-1.3 bar"),
        (f64::NAN, 2, "A", "NaN A"),
        (f64::INFINITY, 1, "", "∞"),
        (f64::NEG_INFINITY, 1, "m", "-∞ m"),
        (1234567.0, 0, "items", "1234567 items"),
    ];
    for (value, precision, unit, text) in table {
        assert_eq!(format_value(value, precision, unit), text, "{value}");
    }
    let table = [
        ([0.0, 1e9], 0),
        ([0.0, 1600.0], 0),
        ([0.0, 150.0], 1),
        ([0.0, 10.0], 1),
        ([0.0, 6.0], 2),
        ([-1.0, 1.0], 2),
    ];
    for (range, precision) in table {
        assert_eq!(default_precision(range), precision, "{range:?}");
    }
}
