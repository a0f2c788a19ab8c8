//! The real window, rendered on CPU (Xvfb + llvmpipe), saved as PNG and checked pixel by pixel.

use crate::support::repo_root;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the app may take to start, load, render and save (shader compilation on llvmpipe
/// is the slow part).
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// One asset's screen rectangle from the `--screenshot` regions JSON.
#[derive(serde::Deserialize, Debug)]
pub struct Region {
    pub tag: String,
    pub color: Option<String>,
    pub rect: [f32; 4],
}

/// The JSON written beside a `--screenshot` PNG.
#[derive(serde::Deserialize, Debug)]
pub struct Capture {
    pub view_time: String,
    pub view_time_ns: i64,
    pub following_live: bool,
    pub assets: Vec<Region>,
}

/// Reads the JSON beside `png`.
pub fn read_capture(png: &Path) -> Capture {
    serde_json::from_str(&std::fs::read_to_string(png.with_extension("json")).unwrap()).unwrap()
}

/// Runs `twinscope --screenshot` (demo scene, embedded broker on a free port, plus
/// `extra_args`) under xvfb-run and asserts it succeeded.
pub fn run_screenshot(png: &Path, after_frames: u32, extra_args: &[&str]) {
    let which = Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .expect("sh runs");
    assert!(
        which.status.success(),
        "xvfb-run is not installed, so no X server can be started for the screenshot test: run scripts/setup.sh"
    );
    let mut child = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24"])
        .arg(env!("CARGO_BIN_EXE_twinscope"))
        .args(["--broker-port", &crate::mosquitto::free_port().to_string()])
        .arg("--screenshot")
        .arg(png)
        .args(["--after-frames", &after_frames.to_string()])
        .args(extra_args)
        .env("WGPU_BACKEND", "vulkan")
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xvfb-run starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait works") {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            panic!("twinscope --screenshot did not finish within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = child.wait_with_output().expect("output is readable");
    assert!(
        status.success(),
        "twinscope --screenshot failed ({status}); if no X server could start, check Xvfb:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Hue in degrees and saturation (HSV) of an sRGB pixel.
pub fn hue_saturation([r, g, b]: [u8; 3]) -> (f32, f32) {
    let [r, g, b] = [r, g, b].map(|c| f32::from(c) / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let delta = max - min;
    let saturation = if max > 0.0 { delta / max } else { 0.0 };
    if delta == 0.0 {
        return (0.0, saturation);
    }
    let hue = if max == r {
        60.0 * (((g - b) / delta).rem_euclid(6.0))
    } else if max == g {
        60.0 * ((b - r) / delta + 2.0)
    } else {
        60.0 * ((r - g) / delta + 4.0)
    };
    (hue, saturation)
}

fn parse_hex(hex: &str) -> [u8; 3] {
    let hex = hex.trim_start_matches('#');
    let c = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
    [c(0), c(2), c(4)]
}

/// Share of pixels inside `rect` whose hue is within `tolerance` degrees of `color`'s.
fn share_of_rule_colour(
    image: &image::RgbImage,
    rect: [f32; 4],
    color: [u8; 3],
    tolerance: f32,
) -> f32 {
    let (want_hue, _) = hue_saturation(color);
    let x0 = rect[0].max(0.0) as u32;
    let y0 = rect[1].max(0.0) as u32;
    let x1 = (rect[2].min(image.width() as f32 - 1.0)) as u32;
    let y1 = (rect[3].min(image.height() as f32 - 1.0)) as u32;
    let (mut matching, mut total) = (0u32, 0u32);
    for y in y0..=y1 {
        for x in x0..=x1 {
            total += 1;
            let (hue, saturation) = hue_saturation(image.get_pixel(x, y).0);
            let distance = (hue - want_hue).abs().min(360.0 - (hue - want_hue).abs());
            if saturation > 0.25 && distance <= tolerance {
                matching += 1;
            }
        }
    }
    if total == 0 {
        0.0
    } else {
        matching as f32 / total as f32
    }
}

#[test]
fn demo_screenshot_shows_the_plant_in_its_rule_colours() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("demo.png");
    // No made-up history: the tanks start in their normal band.
    run_screenshot(&png, 20, &["--backfill", "0"]);

    let image = image::open(&png)
        .expect("the screenshot is a PNG")
        .to_rgb8();
    assert_eq!((image.width(), image.height()), (1280, 720));

    // Not blank: many distinct colours and real contrast.
    let mut colours = std::collections::HashSet::new();
    let (mut sum, mut sum_sq, n) = (0f64, 0f64, f64::from(image.width() * image.height()));
    for pixel in image.pixels() {
        colours.insert(pixel.0);
        let luma = 0.2126 * f64::from(pixel.0[0])
            + 0.7152 * f64::from(pixel.0[1])
            + 0.0722 * f64::from(pixel.0[2]);
        sum += luma;
        sum_sq += luma * luma;
    }
    let std_dev = (sum_sq / n - (sum / n).powi(2)).sqrt();
    assert!(
        colours.len() > 500,
        "only {} distinct colours: blank render?",
        colours.len()
    );
    assert!(std_dev > 12.0, "luma std-dev {std_dev:.1}: blank render?");

    let capture = read_capture(&png);
    assert!(
        capture.following_live,
        "the viewer opens following live data"
    );
    let regions = capture.assets;
    for tag in ["TK-101", "TK-102"] {
        let region = regions
            .iter()
            .find(|r| r.tag == tag)
            .unwrap_or_else(|| panic!("{tag} not on screen"));
        let color = region.color.as_deref().expect("tank has a rule colour");
        let blues = twinscope_core::rules::GradientRule::named(
            twinscope_core::rules::Palette::Blues,
            [0.0, 100.0],
        )
        .expect("valid gradient");
        let on_gradient =
            (0..=100).any(|level| blues.color(Some(f64::from(level))).to_string() == color);
        assert!(
            on_gradient,
            "{tag} shows its level on the blues gradient, not {color}"
        );
        let share = share_of_rule_colour(&image, region.rect, parse_hex(color), 18.0);
        assert!(
            share > 0.15,
            "{tag}: only {:.0}% of {:?} has its rule colour {color}",
            share * 100.0,
            region.rect
        );
    }
    // A region elsewhere (the floor between the tanks' boxes is not blue): the colour is local.
    let pumps: Vec<&Region> = regions
        .iter()
        .filter(|r| r.tag.starts_with("P-10"))
        .collect();
    assert_eq!(pumps.len(), 3);
    for pump in pumps {
        let color = pump.color.as_deref().expect("pump has a rule colour");
        let share = share_of_rule_colour(&image, pump.rect, parse_hex(color), 18.0);
        assert!(
            share > 0.05,
            "{}: {:.0}% of its box in {color}",
            pump.tag,
            share * 100.0
        );
        let tank = regions.iter().find(|r| r.tag == "TK-101");
        let tank_colour = tank.and_then(|r| r.color.as_deref()).expect("tank colour");
        let blue = share_of_rule_colour(&image, pump.rect, parse_hex(tank_colour), 10.0);
        assert!(
            blue < share,
            "{}: tank colour bleeds onto the pump",
            pump.tag
        );
    }
}
