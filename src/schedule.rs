//! System ordering shared by every plugin: data flows one way through these sets each frame.

use bevy::prelude::*;

/// The per-frame pipeline, in order. Plugins put their systems in the set of their stage.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TwinscopeSystems {
    /// Pull samples from source channels into the store.
    Ingest,
    /// Advance the time cursor (following live / paused / playing) and set the view time.
    TimeCursor,
    /// Turn values at the cursor time into asset state (rule colours; later alarms, health).
    Evaluate,
    /// Apply asset state to the 3D scene (materials, highlights, camera).
    View,
}

/// Chains the sets in `Update`.
pub fn plugin(app: &mut App) {
    app.configure_sets(
        Update,
        (
            TwinscopeSystems::Ingest,
            TwinscopeSystems::TimeCursor,
            TwinscopeSystems::Evaluate,
            TwinscopeSystems::View,
        )
            .chain(),
    );
}
