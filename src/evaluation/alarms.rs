//! The Bevy side of alarms: keeps the [`AlarmEngine`]'s journals up to date with the store,
//! writes each asset's [`AssetAlarms`] at the view time and puts activations on the timeline.

use super::{AlarmSummary, AssetAlarms, ViewTime};
use crate::core::alarms::{AlarmEngine, AssetAlarmCounts, Cause, OperatorAction};
use crate::core::signal::Timestamp;
use crate::ingest::Store;
use crate::plant::{ActiveScene, AssetBinding, PlantAsset};
use crate::schedule::TwinscopeSystems;
use crate::timeline::{MarkerKind, Markers};
use bevy::prelude::*;

/// The scene's alarms: the engine plus what the adapter remembers between frames.
#[derive(Resource)]
pub struct Alarms {
    /// Journals and operator actions of every configured alarm.
    pub engine: AlarmEngine,
    /// Per alarm, journal entries already turned into timeline markers.
    marked: Vec<usize>,
    /// Per engine asset, the summary last written (so unchanged assets cost no allocation).
    shown: Vec<AssetAlarmCounts>,
    /// Something changed since the summaries were last written.
    stale: bool,
}

impl Alarms {
    /// Alarms for the scene's `[[alarms]]` over `store`.
    pub fn new(
        scene: &crate::core::scene::Scene,
        store: &mut crate::core::store::SignalStore,
    ) -> Self {
        let engine = AlarmEngine::new(scene.alarms.clone(), store);
        Self {
            marked: vec![0; engine.len()],
            shown: vec![AssetAlarmCounts::default(); engine.assets().len()],
            engine,
            stale: true,
        }
    }

    /// Records an operator action at `view` (the cursor time; live: now).
    pub fn act(&mut self, alarm: usize, view: &ViewTime, action: OperatorAction) {
        self.engine.act(alarm, view.time, action);
        self.stale = true;
    }

    /// Shelves an alarm for `duration_ns` from the view time.
    pub fn shelve(&mut self, alarm: usize, view: &ViewTime, duration_ns: i64) {
        let until = view.time.0.saturating_add(duration_ns.max(0));
        self.act(alarm, view, OperatorAction::Shelve { until });
    }
}

/// Which engine asset an asset entity is (inserted with [`AssetAlarms`] on bound assets).
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlarmAsset(pub u32);

/// Adds alarm evaluation.
pub fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (
            create_alarms,
            attach_asset_alarms,
            update_journals,
            write_asset_alarms,
        )
            .chain()
            .in_set(TwinscopeSystems::Evaluate),
    );
}

/// Builds the engine once the scene and store exist (they are inserted before the plugins run
/// in the app, but tests may add them later).
fn create_alarms(
    mut commands: Commands,
    alarms: Option<Res<Alarms>>,
    scene: Option<Res<ActiveScene>>,
    store: Option<ResMut<Store>>,
) {
    if alarms.is_some() {
        return;
    }
    let (Some(scene), Some(mut store)) = (scene, store) else {
        return;
    };
    let alarms = Alarms::new(&scene.scene, &mut store.bypass_change_detection().0);
    commands.insert_resource(alarms);
}

/// Bound assets that have no [`AssetAlarms`] yet.
type NeedsAlarms = (With<AssetBinding>, Without<AssetAlarms>);

/// Gives every bound asset an [`AssetAlarms`] (badges and materials read it) and, when it has
/// alarms, its [`AlarmAsset`] index.
fn attach_asset_alarms(
    mut commands: Commands,
    alarms: Option<Res<Alarms>>,
    added: Query<(Entity, &PlantAsset), NeedsAlarms>,
) {
    let Some(alarms) = alarms else {
        return;
    };
    for (entity, asset) in &added {
        let mut entity = commands.entity(entity);
        entity.insert(AssetAlarms::default());
        if let Some(index) = alarms.engine.assets().iter().position(|a| *a == asset.tag) {
            entity.insert(AlarmAsset(index as u32));
        }
    }
}

/// Brings journals up to date and mirrors activations onto the timeline.
fn update_journals(
    alarms: Option<ResMut<Alarms>>,
    mut store: ResMut<Store>,
    mut markers: ResMut<Markers>,
) {
    let Some(mut alarms) = alarms else {
        return;
    };
    let alarms = &mut *alarms;
    if alarms.engine.update(&mut store.bypass_change_detection().0) == 0 {
        return;
    }
    for change in alarms.engine.journal_changes().to_vec() {
        let spec = alarms.engine.spec(change.alarm);
        let kind = MarkerKind::Alarm(spec.priority);
        let journal = alarms.engine.journal(change.alarm);
        let marked = &mut alarms.marked[change.alarm];
        if change.kept < *marked {
            markers
                .0
                .retain(|m| !(m.kind == kind && m.label == spec.label));
            *marked = 0;
        }
        for transition in &journal[*marked..] {
            if transition.cause == Cause::Activated {
                markers.add(Timestamp(transition.time), kind, spec.label.clone());
            }
        }
        *marked = journal.len();
        alarms.stale = true;
    }
}

/// Writes each asset's alarm summary at the view time, only where it changed.
fn write_asset_alarms(
    alarms: Option<ResMut<Alarms>>,
    view: Res<ViewTime>,
    mut assets: Query<(&AlarmAsset, &mut AssetAlarms)>,
    added: Query<(), Added<AlarmAsset>>,
) {
    let Some(mut alarms) = alarms else {
        return;
    };
    // Live, time moves every frame and delays may elapse; paused, only changes matter.
    if !(alarms.stale || view.is_changed() || view.following_live || !added.is_empty()) {
        return;
    }
    let alarms = &mut *alarms;
    alarms.stale = false;
    let fresh = !added.is_empty();
    for (asset, mut summary) in &mut assets {
        let index = asset.0 as usize;
        let counts = alarms
            .engine
            .asset_status_at(index, view.time, view.following_live);
        if counts == alarms.shown[index] && !fresh {
            continue;
        }
        alarms.shown[index] = counts;
        let next = AssetAlarms {
            worst: counts.worst.map(|(alarm, status)| {
                let spec = alarms.engine.spec(alarm);
                AlarmSummary {
                    priority: spec.priority,
                    state: status.state,
                    label: spec.label.clone(),
                    since: status
                        .active_since
                        .or_else(|| alarms.engine.last_activation(alarm, view.time))
                        .unwrap_or(view.time),
                }
            }),
            active: counts.active,
            unacknowledged: counts.unacknowledged,
        };
        summary.set_if_neq(next);
    }
}
