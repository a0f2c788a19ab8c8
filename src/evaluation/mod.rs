//! Evaluation: turns signal values at the view time into per-asset state.
//!
//! Today a colour rule per asset (bands with severities, or a gradient). Alarms, sensor health, forecasts and risk join here, all
//! reading values at [`ViewTime`], which the time cursor sets, so every visual shows the plant
//! as it was at the cursor.

pub mod health;

use crate::core::freshness::{Freshness, LinkState, freshness};
use crate::core::rules::RuleColor;
use crate::core::signal::Timestamp;
use crate::ingest::Store;
use crate::plant::AssetBinding;
use crate::schedule::TwinscopeSystems;
use bevy::prelude::*;

/// The time every visual is evaluated at, set by the time cursor each frame.
#[derive(Resource, Clone, Copy, Debug, PartialEq)]
pub struct ViewTime {
    /// The cursor time: values are read as of it, ages and staleness measured at it.
    pub time: Timestamp,
    /// Following live: each signal's newest sample is shown, even one stamped a little ahead
    /// of this machine's clock (a device clock running fast must not hide its data).
    pub following_live: bool,
}

impl ViewTime {
    /// Following live at `now`.
    pub fn live(now: Timestamp) -> Self {
        Self {
            time: now,
            following_live: true,
        }
    }

    /// Looking at history as of `time`.
    pub fn at(time: Timestamp) -> Self {
        Self {
            time,
            following_live: false,
        }
    }

    /// The time values are looked up at: the newest sample when following live.
    pub fn lookup(&self) -> Timestamp {
        if self.following_live {
            Timestamp(i64::MAX)
        } else {
            self.time
        }
    }
}

impl Default for ViewTime {
    fn default() -> Self {
        Self::live(Timestamp::now())
    }
}

/// Whether the source feeding the twin is connected; sources keep it current.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq)]
pub struct SourceLink(pub LinkState);

/// What the rule says about an asset at the view time.
#[derive(Component, Clone, Copy, Debug, Default, PartialEq)]
pub struct AssetStatus {
    /// Colour to paint: the rule's band or gradient colour, faded when stale; `None` without
    /// a rule.
    pub color: Option<RuleColor>,
    /// Whether the value is current, and if not, why.
    pub freshness: Freshness,
    /// Which band of the rule the value falls in.
    pub band: Option<usize>,
    /// The value the rule read.
    pub value: Option<f64>,
    /// The severity of the value's band (banded rules only; gradients carry none).
    pub severity: Option<crate::core::rules::Severity>,
}

/// The most urgent alarm of an asset at the view time, for badges, blinking and lists.
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmSummary {
    /// Its priority.
    pub priority: crate::core::alarms::AlarmPriority,
    /// Its state (active, or returned but still unacknowledged).
    pub state: crate::core::alarms::AlarmState,
    /// Short label, e.g. `M-101.temperature HH`.
    pub label: String,
    /// When it last became active.
    pub since: Timestamp,
}

/// An asset's alarms at the view time, summarised; the alarms plugin keeps it current and
/// views (materials, badges, outliner) read it.
#[derive(Component, Clone, Debug, Default, PartialEq)]
pub struct AssetAlarms {
    /// The most urgent alarm that is active or waits for an acknowledge, if any.
    pub worst: Option<AlarmSummary>,
    /// Alarms of this asset that are active (acknowledged or not).
    pub active: u32,
    /// Alarms of this asset waiting for an acknowledge (active or returned).
    pub unacknowledged: u32,
}

/// An asset's sensor-health problems at the view time, worst first; the health plugin keeps it
/// current and views show it in their own visual language (grey, hatched, an icon).
#[derive(Component, Clone, Debug, Default, PartialEq)]
pub struct AssetHealth {
    /// Problems of the asset's signals, most severe first.
    pub issues: Vec<crate::core::health::HealthIssue>,
}

impl AssetHealth {
    /// The most severe problem, if any.
    pub fn worst(&self) -> Option<&crate::core::health::HealthIssue> {
        self.issues.first()
    }
}

pub mod alarms;

/// Adds rule evaluation (the time cursor plugin keeps [`ViewTime`] current).
pub fn plugin(app: &mut App) {
    app.add_plugins(alarms::plugin);
    app.add_plugins(health::plugin);
    app.init_resource::<ViewTime>()
        .init_resource::<SourceLink>()
        .add_systems(
            Update,
            evaluate_asset_rules.in_set(TwinscopeSystems::Evaluate),
        );
}

/// Recomputes each bound asset's colour and freshness; writes only on change so views react
/// to real changes. Past now (the predicted view) the rule reads the forecast instead.
pub fn evaluate_asset_rules(
    store: Res<Store>,
    time: Res<ViewTime>,
    link: Res<SourceLink>,
    forecasts: Option<Res<crate::forecast::Forecasts>>,
    mut assets: Query<(&AssetBinding, &mut AssetStatus)>,
) {
    for (binding, mut status) in &mut assets {
        let next = match &binding.rule {
            Some((index, rule)) => {
                let sample = store.value_at(*index, time.lookup());
                let predicted = forecasts
                    .as_ref()
                    .and_then(|f| f.predicted_value(*index, time.time));
                let value = predicted.or(sample.map(|v| v.value));
                let freshness = match predicted {
                    Some(_) => Freshness::Fresh,
                    None => freshness(
                        sample.map(|v| v.time),
                        time.time,
                        binding.stale_after_s,
                        link.0,
                    ),
                };
                let color = rule.color(value);
                AssetStatus {
                    color: Some(if freshness.is_stale() {
                        color.faded()
                    } else {
                        color
                    }),
                    freshness,
                    band: value.and_then(|v| rule.band(v)),
                    severity: value.and_then(|v| rule.severity(v)),
                    value,
                }
            }
            None => AssetStatus::default(),
        };
        status.set_if_neq(next);
    }
}
