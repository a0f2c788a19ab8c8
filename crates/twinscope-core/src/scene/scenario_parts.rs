//! Scenario tables as written (see [`super::scenarios_file`] for the syntax): plain serde
//! structs with spans, checked and converted there.
//!
//! Every table denies unknown keys, so a misspelt key is an error at the key itself. Numbers
//! that may read an input (`mass = 800` or `mass = { input = "load_mass" }`) and inputs
//! (`load_mass = 800` or `belt = { signal = "CV-201.speed" }`) take either form through small
//! hand-written visitors, which keep serde's precise messages where an untagged enum would only
//! say "did not match any variant".

use super::health_file::RawDuration;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

/// `[x, y, z]` (length checked on conversion).
pub(super) type RawVec = Spanned<Vec<f64>>;

/// One scenario: a `[[scenarios]]` entry, or a whole `*.scenario.toml` file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) seed: Option<Spanned<i64>>,
    pub(super) duration: Spanned<RawDuration>,
    #[serde(default)]
    pub(super) steps_per_second: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) snapshot_every: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) inputs: BTreeMap<Spanned<String>, Spanned<RawInput>>,
    #[serde(default)]
    pub(super) bodies: Vec<RawBody>,
    #[serde(default)]
    pub(super) conveyors: Vec<RawConveyor>,
    #[serde(default)]
    pub(super) paths: Vec<RawPath>,
    #[serde(default)]
    pub(super) events: Vec<RawEvent>,
    #[serde(default)]
    pub(super) zones: Vec<RawZone>,
    #[serde(default)]
    pub(super) line: Option<Spanned<RawRegion>>,
    #[serde(default)]
    pub(super) obstacles: Vec<RawObstacle>,
}

/// A number, or `{ input = "name", scale = 1.0 }`.
pub(super) enum RawQuantity {
    Number(f64),
    Input(RawInputRef),
}

/// `{ input = "name", scale = 1.0 }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInputRef {
    pub(super) input: Spanned<String>,
    #[serde(default)]
    pub(super) scale: Option<Spanned<f64>>,
}

/// An `[inputs]` entry: a number, or `{ signal = "ID", default = 0.4, scale = 1.0 }`.
pub(super) enum RawInput {
    Number(f64),
    Signal(RawSignalInput),
}

/// `{ signal = "ID", default = 0.4, scale = 1.0 }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSignalInput {
    pub(super) signal: Spanned<String>,
    #[serde(default)]
    pub(super) default: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) scale: Option<Spanned<f64>>,
}

/// Deserializes "a number or a table" into `Number` or the table type `T`, mapped by `table`.
struct NumberOr<T, Table, F> {
    expecting: &'static str,
    number: fn(f64) -> T,
    table: F,
    parsed: std::marker::PhantomData<Table>,
}

impl<'de, T, Table: Deserialize<'de>, F: FnOnce(Table) -> T> Visitor<'de>
    for NumberOr<T, Table, F>
{
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
        Ok((self.number)(v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<T, E> {
        Ok((self.number)(v as f64))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
        Ok((self.number)(v as f64))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        Table::deserialize(MapAccessDeserializer::new(map)).map(self.table)
    }
}

impl<'de> Deserialize<'de> for RawQuantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumberOr {
            expecting: "a number or a table like { input = \"belt_speed\", scale = 1.0 }",
            number: RawQuantity::Number,
            table: RawQuantity::Input,
            parsed: std::marker::PhantomData,
        })
    }
}

impl<'de> Deserialize<'de> for RawInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumberOr {
            expecting: "a number or a table like { signal = \"CV-201.speed\", default = 0.4 }",
            number: RawInput::Number,
            table: RawInput::Signal,
            parsed: std::marker::PhantomData,
        })
    }
}

/// A `[[bodies]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBody {
    pub(super) name: Spanned<String>,
    pub(super) shape: Spanned<String>,
    #[serde(default)]
    pub(super) size: Option<RawVec>,
    #[serde(default)]
    pub(super) radius: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) height: Option<Spanned<f64>>,
    pub(super) mass: Spanned<RawQuantity>,
    #[serde(default)]
    pub(super) friction: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) restitution: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) at: Option<RawVec>,
    #[serde(default)]
    pub(super) node: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) offset: Option<RawVec>,
    #[serde(default)]
    pub(super) count: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) spacing: Option<RawVec>,
    #[serde(default)]
    pub(super) every: Option<Spanned<RawDuration>>,
    #[serde(default)]
    pub(super) start: Option<Spanned<RawDuration>>,
    #[serde(default)]
    pub(super) jitter: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) velocity: Option<Spanned<Vec<Spanned<RawQuantity>>>>,
    #[serde(default)]
    pub(super) kinematic: bool,
}

/// A `[[conveyors]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConveyor {
    pub(super) node: Spanned<String>,
    pub(super) speed: Spanned<RawQuantity>,
    pub(super) direction: RawVec,
}

/// A `[[paths]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPath {
    pub(super) body: Spanned<String>,
    pub(super) points: Spanned<Vec<RawVec>>,
    pub(super) speed: Spanned<RawQuantity>,
    #[serde(default)]
    pub(super) repeat: bool,
}

/// An `[[events]]` entry: `at` plus exactly one action key.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEvent {
    pub(super) at: Spanned<RawDuration>,
    #[serde(default)]
    pub(super) stop: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) start: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) set_speed: Option<Spanned<RawSetSpeed>>,
    #[serde(default)]
    pub(super) release: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) block: Option<Spanned<RawObstacle>>,
}

/// `set_speed = { target = "CV-201", speed = 0.2 }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSetSpeed {
    pub(super) target: Spanned<String>,
    pub(super) speed: Spanned<RawQuantity>,
}

/// An `[[obstacles]]` entry, or an event's `block` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawObstacle {
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) at: Option<RawVec>,
    #[serde(default)]
    pub(super) node: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) offset: Option<RawVec>,
    pub(super) size: RawVec,
}

/// A `[[zones]]` entry: a name and kind plus a region.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawZone {
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) kind: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) node: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) margin: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) height: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) min: Option<RawVec>,
    #[serde(default)]
    pub(super) max: Option<RawVec>,
}

/// `line = { node = "CV-201", margin = 0.3 }` or `{ min = [...], max = [...] }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRegion {
    #[serde(default)]
    pub(super) node: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) margin: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) height: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) min: Option<RawVec>,
    #[serde(default)]
    pub(super) max: Option<RawVec>,
}

impl RawZone {
    /// The zone's region keys, as a line region would write them.
    pub(super) fn region(&self) -> RegionRef<'_> {
        RegionRef {
            node: self.node.as_ref(),
            margin: self.margin.as_ref(),
            height: self.height.as_ref(),
            min: self.min.as_ref(),
            max: self.max.as_ref(),
        }
    }
}

impl RawRegion {
    /// This region's keys.
    pub(super) fn region(&self) -> RegionRef<'_> {
        RegionRef {
            node: self.node.as_ref(),
            margin: self.margin.as_ref(),
            height: self.height.as_ref(),
            min: self.min.as_ref(),
            max: self.max.as_ref(),
        }
    }
}

/// The region keys of a zone or line, borrowed, so both convert through one function.
pub(super) struct RegionRef<'a> {
    pub(super) node: Option<&'a Spanned<String>>,
    pub(super) margin: Option<&'a Spanned<f64>>,
    pub(super) height: Option<&'a Spanned<f64>>,
    pub(super) min: Option<&'a RawVec>,
    pub(super) max: Option<&'a RawVec>,
}

/// A `[[colliders]]` entry in the scene file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCollider {
    pub(super) node: Spanned<String>,
    pub(super) kind: Spanned<String>,
}
