//! Scene files: which glTF model to show, which signals exist and which asset shows which.
//!
//! A scene is a TOML file (see `scenes/demo_plant.toml`). Loading checks everything that can be
//! checked from the file alone and reports problems as `file:line:col` with the key path;
//! [`check_scene`] adds the checks that need the model (node names, unbound assets), which is
//! what `twinscope check` prints without opening a window.

mod alarms_file;
#[cfg(test)]
mod alarms_tests;
mod check;
mod check_scenarios;
mod colliders_file;
mod file;
mod forecast_file;
mod health_file;
mod loaded;
mod location;
mod model_nodes;
mod motion_file;
mod mqtt_file;
mod rules_file;
mod scenario_convert;
mod scenario_parts;
mod scenario_values;
mod scenarios_file;
mod signals_file;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_forecast;
#[cfg(test)]
mod tests_health;
#[cfg(test)]
mod tests_motion;
#[cfg(test)]
mod tests_rules;
#[cfg(test)]
mod tests_scenarios;
mod topics_file;

pub use check::{CheckReport, Diagnostic, Severity, check_scene};
pub use loaded::LoadedScene;
pub use location::Location;
pub use model_nodes::{
    ModelError, ModelNode, model_nodes_from_document, model_nodes_from_gltf, read_model_nodes,
};
pub use motion_file::MotionBinding;
pub use mqtt_file::MqttSettings;

use crate::derived::{DerivedSignal, Expression};
use crate::rules::ColorRule;
use crate::signal::SignalId;
use std::path::{Path, PathBuf};

/// One declared signal: what it measures and what values and update rate to expect.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalSpec {
    /// The signal's id, as sources publish it.
    pub id: SignalId,
    /// Display unit, e.g. `degC`; empty when dimensionless.
    pub unit: String,
    /// Physical range `[min, max]` (finite, `min < max`), used to scale gauges and plots.
    pub range: [f64; 2],
    /// Expected update period in seconds (> 0); staleness is judged against it. A derived
    /// signal without `period` gets its inputs' shortest.
    pub period_s: f64,
    /// Human description shown in the inspector.
    pub description: String,
    /// Where the `id` value is written, for diagnostics.
    pub location: Location,
    /// Decimals to show (`precision`, or [`crate::rules::default_precision`] of the
    /// range); pass to [`crate::rules::format_value`].
    pub precision: usize,
}

impl SignalSpec {
    /// A 0/1 state flag (range `[0, 1]`, no decimals, e.g. `M-101.speed > 100`): its steps are
    /// switching, so it is neither forecast nor watched for anomalies.
    pub fn is_flag(&self) -> bool {
        self.precision == 0 && self.range == [0.0, 1.0]
    }
}

/// A colour rule attached to a binding: which signal drives it and how values map to colours.
#[derive(Clone, Debug, PartialEq)]
pub struct BindingRule {
    /// The signal whose value picks the colour.
    pub signal: SignalId,
    /// The value-to-colour mapping: bands or a gradient.
    pub rule: ColorRule,
}

/// Ties one glTF node (an asset) to the signals shown for it and an optional colour rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    /// Name of the glTF node, usually the plant tag (`P-101`).
    pub node: String,
    /// Signals listed for this asset, in file order.
    pub signals: Vec<SignalId>,
    /// How the asset is painted, if at all.
    pub rule: Option<BindingRule>,
    /// Where the `node` value is written.
    pub location: Location,
    /// Where each entry of `signals` is written (same order and length as `signals`).
    pub signal_locations: Vec<Location>,
    /// Where the rule's `signal` value is written, when there is a rule.
    pub rule_signal_location: Option<Location>,
}

/// A loaded scene: the model to show and how its assets are bound to signals.
#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    /// The scene file this was read from (as given), for messages.
    pub source: PathBuf,
    /// Display name from `[scene] name`.
    pub name: String,
    /// The glTF/GLB model, resolved relative to the scene file's directory.
    pub model_path: PathBuf,
    /// Declared signals, in file order.
    pub signals: Vec<SignalSpec>,
    /// Signals computed from others (`expr`), in file order; each is also in `signals`.
    pub derived: Vec<DerivedSignal>,
    /// Asset bindings, in file order.
    pub bindings: Vec<Binding>,
    /// How topic-addressed sources (MQTT) map to signals, in match order.
    pub topics: crate::topics::TopicMap,
    /// Where each `[[topics]]` entry's `topic` is written, for diagnostics.
    pub topic_locations: Vec<Location>,
    /// How to reach the broker (`[mqtt]`); all defaults when the section is absent.
    pub mqtt: MqttSettings,
    /// Process alarms (`[[alarms]]`), one per limit, in file order.
    pub alarms: Vec<crate::alarms::AlarmSpec>,
    /// Where each alarm's `signal` is written (same order and length as `alarms`).
    pub alarm_locations: Vec<Location>,
    /// How sensor health is judged (`[health]`); all defaults when the section is absent.
    pub health: crate::health::HealthConfig,
    /// How signals are forecast (`[forecast]`); all defaults when the section is absent.
    pub forecast: crate::forecast::ForecastSettings,
    /// Consequence weights of assets (`[[risk]]`), in file order.
    pub risk: Vec<crate::risk::RiskWeight>,
    /// Nodes moved by signals (`[[motion]]`), in file order.
    pub motions: Vec<MotionBinding>,
    /// What-if scenarios: `[[scenarios]]` in file order, then those of `[scene]
    /// scenario_files` (see `scenarios_file` for the syntax).
    pub scenarios: Vec<crate::scenario::ScenarioSpec>,
    /// Per-node collider choices for scenarios (`[[colliders]]`), in file order.
    pub colliders: Vec<crate::scenario::ColliderChoice>,
}

/// The largest scene (or scenario) file read. A 10,000-asset plant's scene is ~3 MB; parsing
/// holds several copies of the text, so an unbounded file could take gigabytes in `check`.
pub const MAX_SCENE_BYTES: u64 = 32 * 1024 * 1024;
/// The most `[[signals]]` a scene declares: six times the 10,000-asset goal's ~4 signals per
/// asset, checked before any is converted.
pub const MAX_SCENE_SIGNALS: usize = 250_000;
/// The most `[[bindings]]` (bound assets) a scene declares.
pub const MAX_SCENE_BINDINGS: usize = 100_000;

impl Scene {
    /// Reads and parses a scene file (refusing files over [`MAX_SCENE_BYTES`]).
    pub fn load(path: &Path) -> Result<Scene, SceneError> {
        let text = crate::text::read_utf8_at_most(path, MAX_SCENE_BYTES).map_err(|cause| {
            SceneError::Io {
                path: path.to_path_buf(),
                cause,
            }
        })?;
        Self::parse(&text, path)
    }

    /// Parses scene text; `path` names it in locations and anchors the relative model path.
    pub fn parse(text: &str, path: &Path) -> Result<Scene, SceneError> {
        file::parse_scene(text, path)
    }

    /// The declaration of a signal, if it is declared.
    pub fn signal(&self, id: &SignalId) -> Option<&SignalSpec> {
        self.signals.iter().find(|s| &s.id == id)
    }

    /// The expression computing a signal, if it is derived.
    pub(crate) fn expression(&self, id: &SignalId) -> Option<&Expression> {
        self.derived.iter().find(|d| &d.id == id).map(|d| &d.expr)
    }

    /// The scenario called `name`, if there is one.
    pub fn scenario(&self, name: &str) -> Option<&crate::scenario::ScenarioSpec> {
        self.scenarios.iter().find(|s| s.name == name)
    }

    /// The (first) binding of a node, if it is bound.
    pub fn binding(&self, node: &str) -> Option<&Binding> {
        self.bindings.iter().find(|b| b.node == node)
    }
}

/// Why a scene file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    /// The file could not be read.
    #[error("cannot read scene file {}: {cause}", path.display())]
    Io {
        /// The file that was asked for.
        path: PathBuf,
        /// The underlying I/O error; part of the message (not `source()`), so it prints once.
        cause: std::io::Error,
    },
    /// The file was read but is not a valid scene; points at the offending value.
    #[error("{}", render_invalid(location, key, message))]
    Invalid {
        /// Where the offending value (or key, or table) is written.
        location: Location,
        /// Dotted key path with 0-based indices, e.g. `bindings[2].rule.thresholds`; empty for
        /// errors about the document as a whole or outside any key.
        key: String,
        /// What is wrong, in words.
        message: String,
    },
}

/// `file:line:col: error at `key`: message`, dropping the key part when there is none.
fn render_invalid(location: &Location, key: &str, message: &str) -> String {
    if key.is_empty() {
        format!("{location}: error: {message}")
    } else {
        format!("{location}: error at `{key}`: {message}")
    }
}
