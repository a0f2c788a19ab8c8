//! `[[alarms]]` in scene files: ISA-18.2 limit and discrete alarms on declared signals.
//!
//! ```toml
//! [[alarms]]
//! signal = "M-101.temperature"
//! limits = { hh = 110.0, h = 95.0 }          # any of hh, h, l, ll; each is its own alarm
//! priorities = { hh = "urgent" }             # per limit; default hh/ll high, h/l medium
//! deadband = 2.0                             # signal units: H clears below h - deadband
//! on_delay = "5s"                            # must hold this long before it activates
//! off_delay = "10s"                          # must be clear this long before it clears
//! area = "Motors"                            # default: the asset's tag
//! message = "Motor winding hot"
//!
//! [[alarms]]
//! signal = "CV-201.running"
//! discrete = { when = 0.0 }                  # active while the value equals `when`
//! name = "CV-201 stopped"                    # label (default: `SIGNAL = WHEN`)
//! priority = "high"                          # default for every limit, or the discrete alarm
//! suppress_when = "CV-201.maintenance"       # hidden by design while non-zero
//! asset = "CV-201"                           # default: the binding listing `signal`
//! ```

use super::file::Converter;
use super::{Binding, Location, SceneError};
use crate::alarms::{AlarmCondition, AlarmPriority, AlarmSpec, LimitKind};
use crate::signal::SignalId;
use serde::Deserialize;
use toml::Spanned;

/// One `[[alarms]]` entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlarm {
    signal: Spanned<String>,
    #[serde(default)]
    limits: Option<Spanned<PerLimit<f64>>>,
    #[serde(default)]
    discrete: Option<Spanned<RawDiscrete>>,
    #[serde(default)]
    priorities: Option<PerLimit<String>>,
    #[serde(default)]
    priority: Option<Spanned<String>>,
    #[serde(default)]
    deadband: Option<Spanned<f64>>,
    #[serde(default)]
    on_delay: Option<Spanned<String>>,
    #[serde(default)]
    off_delay: Option<Spanned<String>>,
    #[serde(default)]
    asset: Option<Spanned<String>>,
    #[serde(default)]
    area: Option<Spanned<String>>,
    #[serde(default)]
    name: Option<Spanned<String>>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    suppress_when: Option<Spanned<String>>,
}

/// `{ hh, h, l, ll }` with any subset present.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PerLimit<T> {
    #[serde(default)]
    hh: Option<Spanned<T>>,
    #[serde(default)]
    h: Option<Spanned<T>>,
    #[serde(default)]
    l: Option<Spanned<T>>,
    #[serde(default)]
    ll: Option<Spanned<T>>,
}

impl<T> PerLimit<T> {
    fn get(&self, kind: LimitKind) -> Option<&Spanned<T>> {
        match kind {
            LimitKind::HighHigh => self.hh.as_ref(),
            LimitKind::High => self.h.as_ref(),
            LimitKind::Low => self.l.as_ref(),
            LimitKind::LowLow => self.ll.as_ref(),
        }
    }
}

/// `discrete = { when = VALUE }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDiscrete {
    when: Spanned<f64>,
}

impl Converter<'_, '_> {
    /// Converts every `[[alarms]]` entry (several limits give several alarms); returns the
    /// alarms and where each one's `signal` is written.
    pub(super) fn alarms(
        &self,
        raw: &[RawAlarm],
        bindings: &[Binding],
    ) -> Result<(Vec<AlarmSpec>, Vec<Location>), SceneError> {
        let mut alarms = Vec::new();
        let mut locations = Vec::new();
        for (i, entry) in raw.iter().enumerate() {
            let location = self.lines.locate(entry.signal.span().start);
            for alarm in self.alarm(i, entry, bindings)? {
                alarms.push(alarm);
                locations.push(location.clone());
            }
        }
        Ok((alarms, locations))
    }

    fn alarm(
        &self,
        i: usize,
        raw: &RawAlarm,
        bindings: &[Binding],
    ) -> Result<Vec<AlarmSpec>, SceneError> {
        let key = |field: &str| format!("alarms[{i}].{field}");
        let signal = SignalId::new(self.id(&raw.signal, key("signal"), "signal id")?);
        let priority = match &raw.priority {
            Some(name) => Some(self.priority(name, key("priority"))?),
            None => None,
        };
        let deadband = match &raw.deadband {
            Some(value) if value.get_ref().is_finite() && *value.get_ref() >= 0.0 => {
                *value.get_ref()
            }
            Some(value) => {
                let message = format!(
                    "deadband must be a finite number ≥ 0, not {}",
                    value.get_ref()
                );
                return Err(self.invalid(value.span(), key("deadband"), message));
            }
            None => 0.0,
        };
        let on_delay_ns = self.delay(&raw.on_delay, key("on_delay"))?;
        let off_delay_ns = self.delay(&raw.off_delay, key("off_delay"))?;
        let asset = match &raw.asset {
            Some(asset) => Some(self.id(asset, key("asset"), "asset")?),
            None => bindings
                .iter()
                .find(|b| b.signals.contains(&signal))
                .map(|b| b.node.clone()),
        };
        let area = match &raw.area {
            Some(area) => self.id(area, key("area"), "area")?,
            None => asset.clone().unwrap_or_default(),
        };
        let suppress_when = match &raw.suppress_when {
            Some(id) => Some(SignalId::new(self.id(
                id,
                key("suppress_when"),
                "signal id",
            )?)),
            None => None,
        };
        let base = AlarmSpec {
            label: String::new(),
            signal: signal.clone(),
            condition: AlarmCondition::Discrete { when: 0.0 },
            priority: priority.unwrap_or_default(),
            deadband,
            on_delay_ns,
            off_delay_ns,
            asset,
            area,
            message: raw.message.clone(),
            suppress_when,
        };
        match (&raw.limits, &raw.discrete) {
            (Some(_), Some(discrete)) => Err(self.invalid(
                discrete.span(),
                key("discrete"),
                "an alarm has either `limits` or `discrete`, not both",
            )),
            (None, None) => Err(self.invalid(
                raw.signal.span(),
                key("signal"),
                "an alarm needs `limits = { hh, h, l, ll }` or `discrete = { when = VALUE }`",
            )),
            (None, Some(discrete)) => {
                if let Some(value) = &raw.deadband {
                    let message = "deadband applies to limits only, not to a discrete alarm";
                    return Err(self.invalid(value.span(), key("deadband"), message));
                }
                if let Some(value) = &raw.priorities {
                    let span = LimitKind::ALL
                        .iter()
                        .find_map(|&k| value.get(k).map(Spanned::span))
                        .unwrap_or_else(|| raw.signal.span());
                    let message = "`priorities` is per limit; use `priority` for a discrete alarm";
                    return Err(self.invalid(span, key("priorities"), message));
                }
                let when = *discrete.get_ref().when.get_ref();
                let label = match &raw.name {
                    Some(name) => self.id(name, key("name"), "name")?,
                    None => format!("{signal} = {when}"),
                };
                Ok(vec![AlarmSpec {
                    label,
                    condition: AlarmCondition::Discrete { when },
                    ..base
                }])
            }
            (Some(limits), None) => self.limit_alarms(i, raw, limits, base, priority),
        }
    }

    /// One alarm per limit given, checking that limits are finite and ordered ll < l < h < hh.
    fn limit_alarms(
        &self,
        i: usize,
        raw: &RawAlarm,
        limits: &Spanned<PerLimit<f64>>,
        base: AlarmSpec,
        priority: Option<AlarmPriority>,
    ) -> Result<Vec<AlarmSpec>, SceneError> {
        let key = |field: &str| format!("alarms[{i}].{field}");
        let prefix = match &raw.name {
            Some(name) => self.id(name, key("name"), "name")?,
            None => base.signal.to_string(),
        };
        let mut out = Vec::new();
        let mut previous: Option<(LimitKind, f64)> = None;
        for kind in [
            LimitKind::LowLow,
            LimitKind::Low,
            LimitKind::High,
            LimitKind::HighHigh,
        ] {
            let Some(value) = limits.get_ref().get(kind) else {
                continue;
            };
            let limit = *value.get_ref();
            if !limit.is_finite() {
                let message = format!("limit `{}` must be finite", kind.key());
                return Err(self.invalid(value.span(), key("limits"), message));
            }
            if let Some((before, below)) = previous
                && limit <= below
            {
                let message = format!(
                    "limits must rise ll < l < h < hh, but {} = {limit} is not above {} = {below}",
                    kind.key(),
                    before.key()
                );
                return Err(self.invalid(value.span(), key("limits"), message));
            }
            previous = Some((kind, limit));
            let priority = match raw.priorities.as_ref().and_then(|p| p.get(kind)) {
                Some(name) => self.priority(name, key("priorities"))?,
                None => priority.unwrap_or(kind.default_priority()),
            };
            out.push(AlarmSpec {
                label: format!("{prefix} {}", kind.suffix()),
                condition: AlarmCondition::Limit { kind, limit },
                priority,
                ..base.clone()
            });
        }
        if out.is_empty() {
            let message = "`limits` needs at least one of hh, h, l, ll";
            return Err(self.invalid(limits.span(), key("limits"), message));
        }
        if let Some(priorities) = &raw.priorities {
            for kind in LimitKind::ALL {
                if let Some(name) = priorities.get(kind)
                    && limits.get_ref().get(kind).is_none()
                {
                    let message = format!("priority for `{}` but no such limit", kind.key());
                    return Err(self.invalid(name.span(), key("priorities"), message));
                }
            }
        }
        out.reverse();
        if let ([only], Some(_)) = (out.as_mut_slice(), &raw.name) {
            // A named single-limit alarm is just its name (`CV-201 stopped`).
            only.label = prefix;
        }
        Ok(out)
    }

    fn priority(&self, name: &Spanned<String>, key: String) -> Result<AlarmPriority, SceneError> {
        AlarmPriority::parse(name.get_ref()).ok_or_else(|| {
            let message = format!(
                "unknown priority `{}` (use urgent, high, medium or low)",
                name.get_ref()
            );
            self.invalid(name.span(), key, message)
        })
    }

    fn delay(&self, text: &Option<Spanned<String>>, key: String) -> Result<i64, SceneError> {
        let Some(text) = text else {
            return Ok(0);
        };
        if text.get_ref().trim() == "0" {
            return Ok(0);
        }
        match crate::cursor::parse_duration_ns(text.get_ref()) {
            Ok(ns) if ns >= 0 => Ok(ns),
            Ok(_) => Err(self.invalid(text.span(), key, "a delay must not be negative")),
            Err(message) => Err(self.invalid(text.span(), key, message)),
        }
    }
}
