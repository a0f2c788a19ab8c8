//! Every colour the twin draws with, in one place (sRGB): status and priority colours must
//! stay distinct from each other and from the forecast and what-if layers. Here rather than in
//! the app so that the tests of its screenshots compare against the same values.

/// The colour of everything predicted (badges, banner, plot bands, the timeline past now),
/// sRGB: a cyan no rule band or alarm priority uses.
pub const FORECAST_RGB: [u8; 3] = [80, 200, 240];

/// The what-if ghosts' fill (sRGB, with alpha): a violet no status colour uses.
pub const GHOST_FILL: [f32; 4] = [0.72, 0.47, 1.0, 0.55];

/// What-if violet: scenario headings, the timeline span and its markers.
pub const WHAT_IF_RGB: [u8; 3] = [178, 120, 255];
