//! The resources several domains share: written by one stage, read by the stages after it.

use bevy::prelude::*;
use std::sync::Arc;
use twinscope_core::freshness::{LinkHistory, LinkState};
use twinscope_core::scene::{LoadedScene, ModelNode, Scene};
use twinscope_core::signal::Timestamp;

/// The time every visual is evaluated at, set by the time cursor each frame.
#[derive(Resource, Clone, Copy, Debug, PartialEq)]
pub(crate) struct ViewTime {
    /// The cursor time: values are read as of it, ages and staleness measured at it.
    pub(crate) time: Timestamp,
    /// Following live: each signal's newest sample is shown, even one stamped a little ahead
    /// of this machine's clock (a device clock running fast must not hide its data).
    pub(crate) following_live: bool,
}

impl ViewTime {
    /// Following live at `now`.
    pub(crate) fn live(now: Timestamp) -> Self {
        Self {
            time: now,
            following_live: true,
        }
    }

    /// Looking at history as of `time`.
    pub(crate) fn at(time: Timestamp) -> Self {
        Self {
            time,
            following_live: false,
        }
    }

    /// The time values are looked up at: the newest sample when following live.
    pub(crate) fn lookup(&self) -> Timestamp {
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

/// The connection of the source feeding the twin, judged at any view time: live sources keep
/// its history current, a replay loads it from the recording's link channel.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub(crate) struct SourceLink {
    /// Every outage so far (live) or in the recording (replay).
    pub(crate) history: LinkHistory,
    /// Where that history comes from.
    pub(crate) origin: LinkOrigin,
}

/// Where [`SourceLink`]'s history comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum LinkOrigin {
    /// The source has no connection to lose (the simulator), or a replayed file did not
    /// record one.
    #[default]
    None,
    /// A live connection, watched as it goes (and written into recordings).
    Live,
    /// A recording's link channel.
    Recorded,
}

impl SourceLink {
    /// The link as it was at `time`.
    pub(crate) fn at(&self, time: twinscope_core::signal::Timestamp) -> LinkState {
        self.history.at(time)
    }
}

/// How far past now forecasts reach, seconds (the longest forecast horizon; 0 without
/// forecasts). While the cursor is not following live it may go up to now + this, to show the
/// predicted plant: the bounds' live edge is extended by it. Following live is unaffected.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct ForecastReach {
    /// The longest forecast horizon, seconds.
    pub(crate) horizon_s: f64,
}

/// The time span `[T0, T0 + duration]` of a loaded what-if scenario, if any. The timeline
/// shades it, and while the cursor is not following live the cursor may go up to its end even
/// when that lies beyond the live edge (a scenario launched live runs into the future): the
/// bounds' live edge is extended to the span's end. Following live is unaffected.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct ScenarioSpan(pub Option<(Timestamp, Timestamp)>);

/// The scene file being shown and the node list read from its model (without a GPU):
/// inserted when the app is built, read by every stage.
#[derive(Resource, Clone)]
pub(crate) struct ActiveScene {
    /// The parsed scene file.
    pub(crate) scene: Arc<Scene>,
    /// Nodes of the glTF model, read with the gltf crate before Bevy loads it.
    pub(crate) model_nodes: Arc<Vec<ModelNode>>,
}

impl From<LoadedScene> for ActiveScene {
    fn from(loaded: LoadedScene) -> Self {
        Self {
            scene: loaded.scene,
            model_nodes: loaded.model_nodes,
        }
    }
}
