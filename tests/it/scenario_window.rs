//! What-if ghosts in the real window (Xvfb).

use twinscope_core::theme::GHOST_FILL;

/// The demo scene's conveyor jam scenario.
const JAM: &str = "conveyor jam";

/// Share of pixels in `rect` with the ghosts' violet hue (saturated, hue near the fill's).
fn ghost_share(image: &image::RgbImage, rect: [f32; 4]) -> f32 {
    let [r, g, b, _] = GHOST_FILL;
    let want = crate::screenshot::hue_saturation([r, g, b].map(|c| (c * 255.0) as u8)).0;
    let (x0, y0) = (rect[0].max(0.0) as u32, rect[1].max(0.0) as u32);
    let x1 = rect[2].min(image.width() as f32 - 1.0).max(0.0) as u32;
    let y1 = rect[3].min(image.height() as f32 - 1.0).max(0.0) as u32;
    let (mut hits, mut total) = (0u32, 0u32);
    for y in y0..=y1 {
        for x in x0..=x1 {
            total += 1;
            let (hue, saturation) = crate::screenshot::hue_saturation(image.get_pixel(x, y).0);
            if saturation > 0.2 && (hue - want).abs() < 25.0 {
                hits += 1;
            }
        }
    }
    hits as f32 / total.max(1) as f32
}

#[test]
fn the_window_shows_the_jam_as_a_violet_ghost_layer_on_the_conveyor() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("jam.png");
    crate::screenshot::run_screenshot(
        &png,
        10,
        &[
            "--backfill",
            "10m",
            "--at",
            "-5m",
            "--scenario",
            JAM,
            "--scenario-t",
            "25",
        ],
    );
    let image = image::open(&png).unwrap().to_rgb8();
    let capture = crate::screenshot::read_capture(&png);
    assert!(!capture.following_live, "paused inside the scenario");
    let region = |tag: &str| {
        capture
            .assets
            .iter()
            .find(|r| r.tag == tag)
            .unwrap_or_else(|| panic!("{tag} not on screen"))
            .rect
    };
    let on_conveyor = ghost_share(&image, region("CV-201"));
    // The pile covers one end of a 12 m conveyor's screen box: a small share, but many pixels.
    assert!(
        on_conveyor > 0.005,
        "only {:.1}% of CV-201's box is ghost violet",
        on_conveyor * 100.0
    );
    for tag in ["TK-101", "P-101"] {
        let elsewhere = ghost_share(&image, region(tag));
        assert!(
            elsewhere < on_conveyor / 3.0,
            "{tag} is {:.1}% violet: the tint is not local to the ghosts",
            elsewhere * 100.0
        );
    }
}
