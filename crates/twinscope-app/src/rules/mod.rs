//! Colour rules: each bound asset's rule (bands with severities, or a gradient) read at the
//! view time, as [`AssetStatus`]; past now the rule reads the forecast instead.

use crate::ingest::Store;
use crate::pipeline::{Evaluate, SourceLink, ViewTime};
use crate::plant::AssetBinding;
use bevy::prelude::*;
use twinscope_core::freshness::{Freshness, freshness};
use twinscope_core::rules::RuleColor;

/// What the rule says about an asset at the view time.
#[derive(Component, Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct AssetStatus {
    /// Colour to paint: the rule's band or gradient colour, faded when stale; `None` without
    /// a rule.
    pub(crate) color: Option<RuleColor>,
    /// Whether the value is current, and if not, why.
    pub(crate) freshness: Freshness,
    /// Which band of the rule the value falls in.
    pub(crate) band: Option<usize>,
    /// The value the rule read.
    pub(crate) value: Option<f64>,
    /// The severity of the value's band (banded rules only; gradients carry none).
    pub(crate) severity: Option<twinscope_core::rules::Severity>,
}

/// Adds rule evaluation: every bound asset gets an [`AssetStatus`] as it is bound.
pub(crate) fn plugin(app: &mut App) {
    app.add_observer(attach_asset_status)
        .add_systems(Update, evaluate_asset_rules.in_set(Evaluate::Rules));
}

fn attach_asset_status(add: On<Add, AssetBinding>, mut commands: Commands) {
    commands.entity(add.entity).insert(AssetStatus::default());
}

/// Recomputes each bound asset's colour and freshness; writes only on change so views react
/// to real changes. Past now (the predicted view) the rule reads the forecast instead.
pub(crate) fn evaluate_asset_rules(
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
                        link.at(time.time),
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
