//! Badges in the real window (Xvfb): drawn above their assets, readable, not overlapping.

use crate::screenshot::run_screenshot;
use serde_json::Value;

fn luma(p: [u8; 3]) -> f32 {
    0.2126 * f32::from(p[0]) + 0.7152 * f32::from(p[1]) + 0.0722 * f32::from(p[2])
}

fn rect(value: &Value) -> [f32; 4] {
    let r: Vec<f32> = value
        .as_array()
        .expect("rect is an array")
        .iter()
        .map(|v| v.as_f64().expect("number") as f32)
        .collect();
    [r[0], r[1], r[2], r[3]]
}

#[test]
fn badges_render_above_their_assets_in_a_screenshot() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("badges.png");
    run_screenshot(&png, 20, &["--backfill", "0"]);
    let image = image::open(&png).unwrap().to_rgb8();
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(png.with_extension("json")).unwrap())
            .unwrap();
    let regions: Vec<(String, [f32; 4])> = report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["tag"].as_str().unwrap().to_owned(), rect(&a["rect"])))
        .collect();
    let badges = report["badges"]
        .as_array()
        .expect("the report lists badges");
    assert!(
        badges.len() >= 4,
        "only {} badges drawn: {badges:?}",
        badges.len()
    );
    let mut placed: Vec<[f32; 4]> = Vec::new();
    for badge in badges {
        let tag = badge["tag"].as_str().unwrap();
        let r = rect(&badge["rect"]);
        let text = badge["text"].as_str().unwrap();
        // Above its asset: centred over it, and its bottom above the asset's middle.
        let (_, region) = regions
            .iter()
            .find(|(t, _)| t == tag)
            .unwrap_or_else(|| panic!("badge {tag} has no asset region"));
        let centre_x = 0.5 * (r[0] + r[2]);
        assert!(
            (region[0]..=region[2]).contains(&centre_x),
            "{tag}: badge {r:?} not over its asset {region:?}"
        );
        assert!(
            r[3] <= 0.5 * (region[1] + region[3]),
            "{tag}: badge {r:?} not above its asset {region:?}"
        );
        assert!(!text.is_empty(), "{tag}: a value to show");
        // A dark box with light text: most pixels dark, some bright.
        let (mut dark, mut bright, mut total) = (0u32, 0u32, 0u32);
        for y in r[1].ceil() as u32..r[3].floor() as u32 {
            for x in r[0].ceil() as u32..r[2].floor() as u32 {
                let l = luma(image.get_pixel(x, y).0);
                total += 1;
                dark += u32::from(l < 70.0);
                bright += u32::from(l > 150.0);
            }
        }
        assert!(
            dark as f32 > 0.5 * total as f32,
            "{tag}: {dark} of {total} pixels dark in {r:?}"
        );
        assert!(bright >= 15, "{tag}: only {bright} bright (text) pixels");
        // Decluttered: no two badges overlap.
        for other in &placed {
            let apart =
                r[2] <= other[0] || other[2] <= r[0] || r[3] <= other[1] || other[3] <= r[1];
            assert!(apart, "{tag}: {r:?} overlaps {other:?}");
        }
        placed.push(r);
    }
    // The tanks are always labelled with their level.
    for tag in ["TK-101", "TK-102"] {
        let badge = badges
            .iter()
            .find(|b| b["tag"] == tag)
            .unwrap_or_else(|| panic!("no {tag} badge"));
        assert!(badge["text"].as_str().unwrap().ends_with(" %"), "{badge}");
    }
}

/// Pixels of `image` inside `r` within a small distance of `colour`.
fn pixels_near(image: &image::RgbImage, r: [f32; 4], colour: [u8; 3]) -> u32 {
    let mut n = 0;
    for y in r[1].ceil() as u32..r[3].floor() as u32 {
        for x in r[0].ceil() as u32..r[2].floor() as u32 {
            let p = image.get_pixel(x, y).0;
            let d: i32 = (0..3)
                .map(|i| (i32::from(p[i]) - i32::from(colour[i])).abs())
                .sum();
            n += u32::from(d < 60);
        }
    }
    n
}

#[test]
fn an_alarm_badge_shows_on_the_plant() {
    use twinscope_core::alarms::AlarmPriority;
    // With the seeded demo's hour of history, 35 minutes back M-101's cooling has failed and
    // its winding is past the H limit (95 degC): an alarm the badge must show in its colour.
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("alarm-badge.png");
    run_screenshot(&png, 20, &["--at", "-35m"]);
    let image = image::open(&png).unwrap().to_rgb8();
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(png.with_extension("json")).unwrap())
            .unwrap();
    let badges = report["badges"].as_array().expect("badges listed");
    let motor = badges
        .iter()
        .find(|b| b["tag"] == "M-101")
        .unwrap_or_else(|| panic!("no M-101 badge in {badges:?}"));
    assert_eq!(motor["kind"], "alarm", "{motor}");
    let value: f64 = motor["text"]
        .as_str()
        .and_then(|t| t.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("badge text {motor} starts with the value"));
    assert!(value >= 95.0, "M-101 at {value} should be over its H limit");
    let r = rect(&motor["rect"]);
    // Steady or flashing, the box or its frame is in the alarm's priority colour.
    let coloured: u32 = [AlarmPriority::High, AlarmPriority::Urgent]
        .into_iter()
        .map(|p| pixels_near(&image, r, p.color()))
        .sum();
    assert!(
        coloured >= 40,
        "only {coloured} alarm-coloured pixels in M-101's badge {r:?}"
    );
    // Alarm badges are placed before plain value badges.
    let first_plain = badges.iter().position(|b| b["kind"] != "alarm");
    let last_alarm = badges.iter().rposition(|b| b["kind"] == "alarm");
    if let (Some(plain), Some(alarm)) = (first_plain, last_alarm) {
        assert!(alarm < plain, "alarms first: {badges:?}");
    }
}
