//! Evaluation: turns signal values at the view time into per-asset state.
//!
//! Today a colour rule per asset. Alarms, sensor health, forecasts and risk join here, all
//! reading values through [`ViewTime`] so they follow the time cursor when it arrives.

use crate::core::freshness::{Freshness, LinkState, freshness};
use crate::core::rules::RuleColor;
use crate::core::signal::Timestamp;
use crate::ingest::Store;
use crate::plant::AssetBinding;
use crate::schedule::TwinscopeSystems;
use bevy::prelude::*;

/// The time every visual is evaluated at. Live for now; the time cursor will drive it.
#[derive(Resource, Clone, Copy, Debug)]
pub struct ViewTime(pub Timestamp);

impl Default for ViewTime {
    fn default() -> Self {
        Self(Timestamp::now())
    }
}

/// Whether the source feeding the twin is connected; sources keep it current.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq)]
pub struct SourceLink(pub LinkState);

/// What the rule says about an asset at the view time.
#[derive(Component, Clone, Copy, Debug, Default, PartialEq)]
pub struct AssetStatus {
    /// Colour to paint: the rule's band colour, faded when stale; `None` without a rule.
    pub color: Option<RuleColor>,
    /// Whether the value is current, and if not, why.
    pub freshness: Freshness,
    /// Which band of the rule the value falls in.
    pub band: Option<usize>,
    /// The value the rule read.
    pub value: Option<f64>,
}

/// Adds the view clock and rule evaluation.
pub fn plugin(app: &mut App) {
    app.init_resource::<ViewTime>()
        .init_resource::<SourceLink>()
        .add_systems(
            Update,
            (
                follow_live_time.in_set(TwinscopeSystems::TimeCursor),
                evaluate_asset_rules.in_set(TwinscopeSystems::Evaluate),
            ),
        );
}

/// Keeps the view time at "now" (the only mode until the history issue adds the cursor).
fn follow_live_time(mut time: ResMut<ViewTime>) {
    time.0 = Timestamp::now();
}

/// Recomputes each bound asset's colour and freshness; writes only on change so views react
/// to real changes.
pub fn evaluate_asset_rules(
    store: Res<Store>,
    time: Res<ViewTime>,
    link: Res<SourceLink>,
    mut assets: Query<(&AssetBinding, &mut AssetStatus)>,
) {
    for (binding, mut status) in &mut assets {
        let next = match &binding.rule {
            Some((index, rule)) => {
                let sample = store.value_at(*index, time.0);
                let value = sample.map(|v| v.value);
                let freshness = freshness(
                    sample.map(|v| v.time),
                    time.0,
                    binding.stale_after_s,
                    link.0,
                );
                let color = rule.color(value);
                AssetStatus {
                    color: Some(if freshness.is_stale() {
                        color.faded()
                    } else {
                        color
                    }),
                    freshness,
                    band: value.and_then(|v| rule.band(v)),
                    value,
                }
            }
            None => AssetStatus::default(),
        };
        status.set_if_neq(next);
    }
}
