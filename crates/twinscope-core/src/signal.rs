//! Signal identities, timestamps and samples: the vocabulary every layer shares.
//!
//! Kept free of Bevy types so sources (simulator, MQTT, replay) can run on plain threads and the
//! history/evaluation core can be tested without an app.

use std::fmt;
use std::sync::Arc;

/// Nanoseconds since the Unix epoch, UTC.
///
/// Integer nanoseconds (as Rerun and MCAP use) keep ordering exact and convert losslessly to
/// recording log times later.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Timestamp(pub i64);

/// Epoch numbers at or above this are milliseconds, below it seconds (1e11 s is the year 5138;
/// 1e11 ms is 1973), so payloads and historian exports in either convention decode without
/// configuration.
pub(crate) const EPOCH_MS_THRESHOLD: i64 = 100_000_000_000;

impl Timestamp {
    /// Nanoseconds per unit of an epoch number of this size: milliseconds at or above
    /// [`EPOCH_MS_THRESHOLD`], seconds below it.
    pub(crate) fn epoch_unit_nanos(magnitude: f64) -> i64 {
        if magnitude.abs() >= EPOCH_MS_THRESHOLD as f64 {
            1_000_000
        } else {
            1_000_000_000
        }
    }

    /// An epoch number in seconds or milliseconds (see [`EPOCH_MS_THRESHOLD`]); `None` when it
    /// is not finite or out of range.
    pub(crate) fn from_epoch_f64(epoch: f64) -> Option<Self> {
        let nanos = (epoch * Self::epoch_unit_nanos(epoch) as f64).round();
        (nanos.is_finite() && nanos.abs() < i64::MAX as f64).then_some(Self(nanos as i64))
    }

    /// The current wall-clock time.
    pub fn now() -> Self {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self(i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX))
    }

    /// Builds a timestamp from seconds since the epoch.
    pub fn from_secs_f64(secs: f64) -> Self {
        Self((secs * 1e9) as i64)
    }

    /// Seconds since the epoch, for display and arithmetic in UI code.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 * 1e-9
    }

    /// Seconds from `earlier` to `self` (negative if `earlier` is later).
    pub fn secs_since(self, earlier: Timestamp) -> f64 {
        (self.0 - earlier.0) as f64 * 1e-9
    }
}

/// Name of a signal as written in scene files and topic mappings, e.g. `M-101.temperature`.
///
/// Cheap to clone (shared string) because every sample carries one across threads.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SignalId(Arc<str>);

/// Written as its text (scenario reports list the signals they read).
impl serde::Serialize for SignalId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl SignalId {
    /// Creates an id from any string.
    pub fn new(id: impl AsRef<str>) -> Self {
        Self(Arc::from(id.as_ref()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SignalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for SignalId {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

/// One measured value of one signal at one time, as every source delivers it.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Which signal this value belongs to.
    pub signal: SignalId,
    /// When the value was measured (source time).
    pub time: Timestamp,
    /// The value; booleans are 0.0 / 1.0, enum states their index.
    pub value: f64,
}

impl Sample {
    /// Convenience constructor.
    pub fn new(signal: SignalId, time: Timestamp, value: f64) -> Self {
        Self {
            signal,
            time,
            value,
        }
    }
}
