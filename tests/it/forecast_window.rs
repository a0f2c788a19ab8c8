//! The forecast in the real window (Xvfb): the PREDICTED banner and the forecast band.

/// The demo two minutes past now, M-101 selected: the PREDICTED banner over the viewport and
/// the forecast band in M-101's inspector plot are on screen.
#[test]
fn the_window_past_now_shows_the_predicted_banner_and_the_forecast_band() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("forecast.png");
    crate::screenshot::run_screenshot(&png, 40, &["--at", "+2m", "--select", "M-101"]);
    let image = image::open(&png).expect("a PNG").to_rgb8();
    let (w, h) = image.dimensions();
    let [fr, fg, fb] = twinscope_core::theme::FORECAST_RGB;
    let near = |p: [u8; 3], c: [u8; 3], tol: i32| {
        (0..3).all(|i| (i32::from(p[i]) - i32::from(c[i])).abs() <= tol)
    };
    // The banner: the forecast cyan (border and title) in the top strip of the window's
    // middle, where the viewport lies between the panels.
    let banner = count(&image, [w / 4, 0, 3 * w / 4, h / 8], |p| {
        near(p, [fr, fg, fb], 40)
    });
    assert!(banner > 400, "banner pixels: {banner}");
    // The band: translucent cyan over the dark plot in the right panel (the inspector), a
    // filled area rather than a line or text.
    let band = count(&image, [3 * w / 5, h / 3, w, h], |[r, g, b]| {
        b > 60 && i32::from(b) - i32::from(r) > 25 && i32::from(g) - i32::from(r) > 18 && r < 110
    });
    assert!(band > 800, "band pixels: {band}");
    let capture = crate::screenshot::read_capture(&png);
    assert!(!capture.following_live, "paused past now");
}

/// Pixels in `[x0, x1) × [y0, y1)` for which `hit` holds.
fn count(
    image: &image::RgbImage,
    [x0, y0, x1, y1]: [u32; 4],
    hit: impl Fn([u8; 3]) -> bool,
) -> usize {
    (y0..y1.min(image.height()))
        .flat_map(|y| (x0..x1.min(image.width())).map(move |x| (x, y)))
        .filter(|&(x, y)| hit(image.get_pixel(x, y).0))
        .count()
}
