//! What-if scenarios in scene files: `[[scenarios]]` entries, or one scenario per
//! `*.scenario.toml` file listed in `[scene] scenario_files` (relative to the scene file; the
//! file holds the same keys at top level, and its errors name that file's line and column).
//!
//! ```toml
//! name = "conveyor jam"                # unique within the scene; `--scenario` picks it
//! description = "Cartons pile up when the packer's infeed blocks."
//! seed = 7                             # spawn jitter; same seed, same trajectory (default 0)
//! duration = "40s"                     # simulated time after T0 (text with units, or seconds)
//! steps_per_second = 60                # fixed physics rate (default 60)
//! snapshot_every = 30                  # steps between snapshots for seeking (default 30)
//! line = { node = "CV-201", margin = 0.3 }   # where bodies belong; outside at the end = off-line
//!                                      # (top-level keys go before the first [table])
//!
//! [inputs]                             # initial conditions, read once at T0
//! belt_speed = { signal = "CV-201.speed", default = 0.4, scale = 1.0 }   # latest value <= T0
//! carton_mass = 6.5                    # a fixed value, listed in the report like the others
//!
//! [[bodies]]
//! name = "carton"                      # the i-th of a group is `carton#i`
//! shape = "box"                        # box (size), cylinder (radius, height), sphere (radius),
//!                                      # pallet (box, default size 1.2 x 0.144 x 0.8),
//!                                      # drum (cylinder, default radius 0.29, height 0.88)
//! size = [0.4, 0.3, 0.3]               # full extents, metres
//! mass = { input = "carton_mass" }     # kg: a number or { input = "name", scale = 1.0 }
//! friction = 0.6                       # default 0.6
//! restitution = 0.1                    # default 0.1
//! node = "CV-201"                      # placement: `node` (+ `offset`, world axes) ...
//! offset = [-4.5, 1.2, 0.0]            # ... or `at = [x, y, z]` in world coordinates
//! count = 24                           # default 1
//! every = "1.5s"                       # one body every 1.5 s from `start` (default: all at T0,
//! start = "0s"                         #   `spacing = [dx, dy, dz]` apart; start default 0)
//! jitter = 0.03                        # uniform ± metres on X and Z per body, from the seed
//! velocity = [{ input = "belt_speed" }, 0, 0]   # initial velocity, each a quantity
//! kinematic = false                    # true: moved only by a path (a forklift)
//!
//! [[conveyors]]                        # a belt: the node's colliders carry touching bodies
//! node = "CV-201"
//! speed = { input = "belt_speed" }     # surface speed, m/s
//! direction = [1, 0, 0]                # world axes, normalised
//!
//! [[paths]]                            # a hoist, crane or forklift route for one body
//! body = "load"                        # a body with count 1; starts at the first point
//! points = [[0, 4, 6], [3, 4, 6]]      # at least two world waypoints
//! speed = 0.5                          # m/s along the path
//! repeat = false                       # start over at the end (default false)
//!
//! [[events]]                           # `at` plus one of stop, start, set_speed, release, block
//! at = "12s"
//! stop = "CV-201"                      # a conveyor node or a path's body
//! # start = "CV-201"
//! # set_speed = { target = "CV-201", speed = 0.2 }
//! # release = "load"                   # a path's body turns dynamic
//! # block = { name = "infeed jam", node = "PK-201", offset = [-1, 1, 0], size = [0.2, 0.6, 0.8] }
//!
//! [[zones]]                            # watched regions: entries, impacts
//! name = "walkway WW-02"
//! kind = "walkway"                     # free text (default "zone")
//! node = "WW-02"                       # a node's bounds grown by `margin` (default 0) and
//! margin = 0.2                         #   raised to `height` (default 2) ...
//! # min = [-7, 0, 0.5]                 # ... or a world box
//! # max = [-5, 2, 12.5]
//!
//! [[obstacles]]                        # static boxes present from T0
//! name = "pallet stack"
//! at = [2, 0.5, 4]                     # or node (+ offset)
//! size = [1.2, 1.0, 0.8]
//! ```
//!
//! In a scene file the same keys go under `[[scenarios]]` (`[scenarios.inputs]`,
//! `[[scenarios.bodies]]`, ...). Durations take units (`500ms`, `12s`, `2m`) or seconds.
//! Everything that can be checked without the model is checked here (unknown keys and input
//! names, duplicate names, events naming no conveyor or path, paths with fewer than two points,
//! sizes, masses and durations that are not positive); `twinscope check` adds node and signal
//! names against the model and the declared signals.

use super::file::Converter;
use super::location::LineIndex;
use super::scenario_parts::{RawInput, RawScenario};
use super::{SceneError, health_file::RawDuration};
use crate::scenario::{InputSource, InputSpec, ScenarioSpec};
use crate::signal::SignalId;
use std::path::Path;
use toml::Spanned;

/// Steps per second when the scenario does not say.
const DEFAULT_STEPS_PER_SECOND: i64 = 60;
/// Steps between snapshots when the scenario does not say.
const DEFAULT_SNAPSHOT_EVERY: i64 = 30;

impl Converter<'_, '_> {
    /// The scene's inline scenarios, then one per listed file, with unique names.
    pub(super) fn scenarios(
        &self,
        inline: &[RawScenario],
        files: &[Spanned<String>],
        base: &Path,
    ) -> Result<Vec<ScenarioSpec>, SceneError> {
        let mut out: Vec<ScenarioSpec> = Vec::new();
        let mut push = |spec: ScenarioSpec, key: String| {
            if let Some(first) = out.iter().find(|s| s.name == spec.name) {
                return Err(SceneError::Invalid {
                    message: format!(
                        "scenario `{}` is already defined at {}",
                        spec.name, first.location
                    ),
                    location: spec.location,
                    key,
                });
            }
            out.push(spec);
            Ok(())
        };
        for (i, raw) in inline.iter().enumerate() {
            let prefix = format!("scenarios[{i}].");
            push(self.scenario(raw, &prefix)?, format!("{prefix}name"))?;
        }
        for file in files {
            let key = "scene.scenario_files".to_owned();
            let name = self.id(file, key.clone(), "scenario file")?;
            let path = base.join(&name);
            let text =
                crate::text::read_utf8_at_most(&path, super::MAX_SCENE_BYTES).map_err(|e| {
                    let message = format!("cannot read scenario file {}: {e}", path.display());
                    self.invalid(file.span(), key, message)
                })?;
            let lines = LineIndex::new(&text, &path);
            let raw: RawScenario = super::file::parse_toml(&text, &lines)?;
            push(
                Converter { lines: &lines }.scenario(&raw, "")?,
                "name".into(),
            )?;
        }
        Ok(out)
    }

    /// One scenario; `p` prefixes its key paths (`scenarios[2].` inline, empty in its own file).
    fn scenario(&self, raw: &RawScenario, p: &str) -> Result<ScenarioSpec, SceneError> {
        let name = self.id(&raw.name, format!("{p}name"), "scenario name")?;
        let location = self.lines.locate(raw.name.span().start);
        let seed = match &raw.seed {
            Some(seed) => u64::try_from(*seed.get_ref()).map_err(|_| {
                let message = format!("must be a whole number >= 0, not {}", seed.get_ref());
                self.invalid(seed.span(), format!("{p}seed"), message)
            })?,
            None => 0,
        };
        let duration_s = self.seconds(&raw.duration, &format!("{p}duration"), true)?;
        let count = |value: &Option<Spanned<i64>>, key: &str, default: i64, max: usize| {
            let key = format!("{p}{key}");
            let value = value.clone().unwrap_or_else(|| Spanned::new(0..0, default));
            self.count(&value, &key, 1, max)
        };
        let steps_per_second = count(
            &raw.steps_per_second,
            "steps_per_second",
            DEFAULT_STEPS_PER_SECOND,
            1000,
        )?;
        let snapshot_every = count(
            &raw.snapshot_every,
            "snapshot_every",
            DEFAULT_SNAPSHOT_EVERY,
            100_000,
        )?;
        let inputs = self.inputs(raw, p)?;
        let mut spec = ScenarioSpec {
            description: raw.description.trim().to_owned(),
            seed,
            // `count` bounds both to u32 range.
            steps_per_second: steps_per_second as u32,
            snapshot_every: snapshot_every as u32,
            inputs,
            ..ScenarioSpec::empty(name, location, duration_s)
        };
        self.scenario_parts(raw, p, &mut spec)?;
        Ok(spec)
    }

    /// `[inputs]`, in file order.
    fn inputs(&self, raw: &RawScenario, p: &str) -> Result<Vec<InputSpec>, SceneError> {
        let mut entries: Vec<_> = raw.inputs.iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        let mut out = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let name = self.id(key, format!("{p}inputs"), "input name")?;
            let k = |rest: &str| format!("{p}inputs.{name}{rest}");
            let source = match value.get_ref() {
                RawInput::Number(v) => {
                    let v = Spanned::new(value.span(), *v);
                    InputSource::Value(self.finite(&v, k(""))?)
                }
                RawInput::Signal(s) => {
                    let signal = SignalId::new(self.id(&s.signal, k(".signal"), "signal id")?);
                    let scale = match &s.scale {
                        Some(v) => self.finite(v, k(".scale"))?,
                        None => 1.0,
                    };
                    let default = match &s.default {
                        Some(v) => Some(self.finite(v, k(".default"))?),
                        None => None,
                    };
                    InputSource::Signal {
                        signal,
                        scale,
                        default,
                    }
                }
            };
            out.push(InputSpec {
                name,
                source,
                location: self.lines.locate(key.span().start),
            });
        }
        Ok(out)
    }

    /// A time in seconds: above zero when `positive`, else zero or more.
    pub(super) fn seconds(
        &self,
        value: &Spanned<RawDuration>,
        key: &str,
        positive: bool,
    ) -> Result<f64, SceneError> {
        let s = value
            .get_ref()
            .seconds()
            .map_err(|message| self.invalid(value.span(), key.to_owned(), message))?;
        let ok = s.is_finite() && if positive { s > 0.0 } else { s >= 0.0 };
        if ok {
            Ok(s)
        } else {
            let what = if positive {
                "positive"
            } else {
                "zero or positive"
            };
            let message = format!("must be a {what} duration, not {s} s");
            Err(self.invalid(value.span(), key.to_owned(), message))
        }
    }
}
