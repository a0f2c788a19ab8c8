//! Risk heat overlay: while on (`H`, or the checkbox over the viewport), every asset is painted
//! by its risk score on a cool-to-hot ramp instead of its status colour.
//!
//! The score is quantised to [`HEAT_LEVELS`] steps, so the overlay adds at most that many
//! status materials (twice, for the selection) whatever the number of assets, and an asset is
//! repainted only when its step changes.

use crate::pipeline::View;
use crate::plant::PlantAsset;
use crate::risk::RiskState;
use bevy::prelude::*;
use bevy_egui::input::EguiWantsInput;
use twinscope_core::rules::RuleColor;

/// Steps of the heat ramp above zero.
pub(crate) const HEAT_LEVELS: u8 = 10;

/// Whether the risk heat overlay is shown.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct RiskOverlay {
    /// Paint assets by risk.
    pub(crate) shown: bool,
}

/// The heat colour an asset shows while the overlay is on (`None` when off); the materials
/// system paints it over the status colour.
#[derive(Component, Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct HeatColor(pub Option<RuleColor>);

/// The ramp colour of a heat step: steel blue (no risk) through amber to red.
pub(crate) fn heat_color(level: u8) -> RuleColor {
    let t = f64::from(level.min(HEAT_LEVELS)) / f64::from(HEAT_LEVELS);
    let stops: [(f64, [f64; 3]); 3] = [
        (0.0, [70.0, 96.0, 128.0]),
        (0.5, [240.0, 196.0, 60.0]),
        (1.0, [228.0, 40.0, 30.0]),
    ];
    let (a, b) = if t <= 0.5 {
        (stops[0], stops[1])
    } else {
        (stops[1], stops[2])
    };
    let f = (t - a.0) / (b.0 - a.0);
    RuleColor([0, 1, 2].map(|i| (a.1[i] + f * (b.1[i] - a.1[i])).round() as u8))
}

/// The heat step of a 0..1 risk (nothing scored: 0).
pub(crate) fn heat_level(heat: Option<f64>) -> u8 {
    heat.map_or(0, |h| {
        (h.clamp(0.0, 1.0) * f64::from(HEAT_LEVELS)).round() as u8
    })
}

/// Adds the overlay, its key and its colours.
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<RiskOverlay>().add_systems(
        Update,
        (toggle_on_key, update_heat_colors)
            .chain()
            .in_set(View::Overlays),
    );
}

fn toggle_on_key(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    egui_input: Option<Res<EguiWantsInput>>,
    mut overlay: ResMut<RiskOverlay>,
) {
    let Some(keys) = keys else {
        return;
    };
    if egui_input.is_some_and(|input| input.wants_any_keyboard_input()) {
        return;
    }
    if keys.just_pressed(KeyCode::KeyH) {
        overlay.shown = !overlay.shown;
    }
}

/// Sets each asset's heat colour when the overlay is toggled or a risk pass ran.
fn update_heat_colors(
    mut commands: Commands,
    overlay: Res<RiskOverlay>,
    risk: Res<RiskState>,
    mut seen: Local<Option<(bool, u64)>>,
    mut assets: Query<(Entity, &PlantAsset, Option<&mut HeatColor>)>,
) {
    let key = (overlay.shown, risk.passes);
    if *seen == Some(key) {
        return;
    }
    *seen = Some(key);
    for (entity, asset, heat) in &mut assets {
        let next = HeatColor(
            overlay
                .shown
                .then(|| heat_color(heat_level(risk.heat(&asset.tag)))),
        );
        match heat {
            Some(mut heat) => {
                heat.set_if_neq(next);
            }
            None => {
                commands.entity(entity).insert(next);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_runs_from_cool_to_red_in_bounded_steps() {
        assert_eq!(heat_color(0), RuleColor([70, 96, 128]));
        assert_eq!(heat_color(HEAT_LEVELS), RuleColor([228, 40, 30]));
        assert_eq!(heat_level(None), 0);
        assert_eq!(heat_level(Some(0.96)), HEAT_LEVELS);
        assert_eq!(heat_level(Some(7.0)), HEAT_LEVELS, "clamped");
        let distinct: std::collections::HashSet<RuleColor> = (0..=255u8)
            .map(|i| heat_color(heat_level(Some(f64::from(i) / 255.0))))
            .collect();
        assert_eq!(distinct.len(), usize::from(HEAT_LEVELS) + 1);
    }
}
