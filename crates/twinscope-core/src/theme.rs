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

/// What-if ghosts of kinematic bodies (a forklift on its route): a little bluer.
pub const GHOST_KINEMATIC_FILL: [f32; 4] = [0.50, 0.55, 1.0, 0.55];
/// Edges of the what-if ghosts (sRGB floats, as Bevy takes them).
pub const GHOST_EDGE: [f32; 3] = [0.90, 0.80, 1.0];
/// Outline of assets a what-if run touched, in 3D.
pub const TOUCHED_EDGE: [f32; 3] = [1.0, 0.32, 0.62];
/// Names of zones entered and nodes touched, in the Scenarios tab.
pub const TOUCHED_RGB: [u8; 3] = [255, 110, 160];
/// Scenario events that are scripted (a conveyor stops, a load is released).
pub const SCRIPTED_RGB: [u8; 3] = [120, 170, 255];
/// A body entered a hazard zone.
pub const ZONE_ENTRY_RGB: [u8; 3] = [255, 80, 150];
/// A body hit something hard.
pub const IMPACT_RGB: [u8; 3] = [255, 150, 40];
/// A body left the line.
pub const OFF_LINE_RGB: [u8; 3] = [240, 220, 60];
/// A scenario input that fell back to its default (no data at T0).
pub const DEFAULTED_RGB: [u8; 3] = [230, 190, 80];

/// Alarm priorities: urgent red, high orange, medium yellow, low cyan (ISA-18.2 practice).
pub const PRIORITY_URGENT_RGB: [u8; 3] = [225, 30, 30];
/// High priority.
pub const PRIORITY_HIGH_RGB: [u8; 3] = [245, 130, 20];
/// Medium priority.
pub const PRIORITY_MEDIUM_RGB: [u8; 3] = [240, 210, 40];
/// Low priority.
pub const PRIORITY_LOW_RGB: [u8; 3] = [70, 200, 220];

/// Sensor-health problems: a neutral grey, so bad data never reads as a process state.
pub const HEALTH_RGB: [u8; 3] = [0xb4, 0xb8, 0xbe];
/// Something that needs attention but is no alarm (a connection lost, a drifting forecast).
pub const ATTENTION_RGB: [u8; 3] = [240, 120, 40];
/// Better than the baseline (forecast skill above persistence), a connection back.
pub const GOOD_RGB: [u8; 3] = [110, 200, 120];
/// A connection restored, on the timeline.
pub const RESTORED_RGB: [u8; 3] = [90, 200, 110];
/// Worse than the baseline.
pub const WORSE_RGB: [u8; 3] = [230, 170, 60];

/// The time cursor, on the timeline and in plots.
pub const CURSOR_RGB: [u8; 3] = [255, 190, 40];
/// Following live data.
pub const LIVE_RGB: [u8; 3] = [230, 45, 45];
/// Playing, waiting at the live edge.
pub const LIVE_EDGE_RGB: [u8; 3] = [150, 60, 60];
/// At the end of a recording.
pub const RECORDING_END_RGB: [u8; 3] = [60, 90, 150];
/// The loop span (alpha 70) and the loop being selected (alpha 110).
pub const LOOP_RGB: [u8; 3] = [60, 120, 220];
/// The density strips: how much data each column holds.
pub const DENSITY_RGB: [u8; 3] = [70, 150, 230];
/// Recording: the record button and recording markers.
pub const RECORD_RGB: [u8; 3] = [220, 40, 40];
/// Recording started or stopped, on the timeline.
pub const RECORDING_MARKER_RGB: [u8; 3] = [220, 60, 200];
/// A signal's line in the inspector plots.
pub const PLOT_LINE_RGB: [u8; 3] = [90, 170, 240];

/// The selected asset's box in 3D (sRGB floats).
pub const SELECTION_EDGE: [f32; 3] = [1.0, 0.85, 0.2];
/// The 3D view's background (sRGB floats).
pub const BACKGROUND: [f32; 3] = [0.11, 0.12, 0.14];

/// Badge text, tag, text on a flashing box, and greyed (bad data) text.
pub const BADGE_TEXT_RGB: [u8; 3] = [0xf0, 0xf0, 0xf0];
/// A badge's tag line.
pub const BADGE_TAG_RGB: [u8; 3] = [0xb8, 0xc0, 0xcc];
/// Text on a flashing (priority-coloured) badge.
pub const BADGE_ON_FLASH_RGB: [u8; 3] = [0x10, 0x10, 0x10];
/// A badge greyed by a sensor-health problem.
pub const BADGE_GREY_RGB: [u8; 3] = [0x9a, 0x9a, 0x9a];
/// A badge's box, premultiplied, nearly opaque: the UI camera blends in linear light, where a
/// lighter alpha washes out.
pub const BADGE_FILL_RGBA: [u8; 4] = [12, 14, 18, 240];
/// The PREDICTED banner's box, premultiplied.
pub const BANNER_FILL_RGBA: [u8; 4] = [8, 30, 40, 235];

/// Panel greys, darkest first: strip background, bar background, cell stroke, data span.
pub const GREY_STRIP: u8 = 24;
/// The scrub bar's background.
pub const GREY_BAR: u8 = 28;
/// Plot and table backgrounds.
pub const GREY_CELL: u8 = 38;
/// Where data exists on the scrub bar.
pub const GREY_DATA: u8 = 45;
/// Table strokes.
pub const GREY_STROKE: u8 = 62;
/// Inactive buttons.
pub const GREY_BUTTON: u8 = 70;
/// Badge stems without an accent.
pub const GREY_STEM: u8 = 120;
/// Tick marks.
pub const GREY_TICK: u8 = 140;
/// Secondary text.
pub const GREY_TEXT: u8 = 170;
/// Text on dark banners.
pub const GREY_LIGHT: u8 = 215;
