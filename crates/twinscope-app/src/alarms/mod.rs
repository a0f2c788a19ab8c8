//! The Bevy side of alarms: keeps the [`AlarmEngine`]'s journals up to date with the store,
//! writes each asset's [`AssetAlarms`] at the view time and puts activations on the timeline.

use crate::ingest::Store;
use crate::pipeline::ActiveScene;
use crate::pipeline::ViewTime;
use crate::pipeline::{Evaluate, Stage};
use crate::pipeline::{MarkerKind, Markers};
use crate::plant::{AssetBinding, PlantAsset};
use bevy::prelude::*;
use twinscope_core::alarms::{AlarmEngine, AssetAlarmCounts, Cause, OperatorAction};
use twinscope_core::signal::Timestamp;

pub(crate) mod panel;

/// The most urgent alarm of an asset at the view time, for badges, blinking and lists.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AlarmSummary {
    /// Its priority.
    pub(crate) priority: twinscope_core::alarms::AlarmPriority,
    /// Its state (active, or returned but still unacknowledged).
    pub(crate) state: twinscope_core::alarms::AlarmState,
    /// Short label, e.g. `M-101.temperature HH`.
    pub(crate) label: String,
    /// When it last became active.
    pub(crate) since: Timestamp,
}

/// An asset's alarms at the view time, summarised; the alarms plugin keeps it current and
/// views (materials, badges, outliner) read it.
#[derive(Component, Clone, Debug, Default, PartialEq)]
pub(crate) struct AssetAlarms {
    /// The most urgent alarm that is active or waits for an acknowledge, if any.
    pub(crate) worst: Option<AlarmSummary>,
    /// Alarms of this asset that are active (acknowledged or not).
    pub(crate) active: u32,
    /// Alarms of this asset waiting for an acknowledge (active or returned).
    pub(crate) unacknowledged: u32,
}

/// The scene's alarms: the engine plus what the adapter remembers between frames.
#[derive(Resource)]
pub(crate) struct Alarms {
    /// Journals and operator actions of every configured alarm.
    pub(crate) engine: AlarmEngine,
    /// Per alarm, journal entries already turned into timeline markers.
    marked: Vec<usize>,
    /// Per engine asset, the summary last written (so unchanged assets cost no allocation).
    shown: Vec<AssetAlarmCounts>,
    /// Something changed since the summaries were last written.
    stale: bool,
}

impl Alarms {
    /// Alarms for the scene's `[[alarms]]` over `store`.
    pub(crate) fn new(
        scene: &twinscope_core::scene::Scene,
        store: &mut twinscope_core::store::SignalStore,
    ) -> Self {
        let engine = AlarmEngine::new(scene.alarms.clone(), store);
        Self {
            marked: vec![0; engine.len()],
            shown: vec![AssetAlarmCounts::default(); engine.assets().len()],
            engine,
            stale: true,
        }
    }

    /// The engine's index of the asset tagged `tag`, if it has alarms.
    fn asset_index(&self, tag: &str) -> Option<AlarmAsset> {
        let index = self
            .engine
            .assets()
            .iter()
            .position(|a| a.as_str() == tag)?;
        Some(AlarmAsset(index as u32))
    }

    /// Records an operator action at `view` (the cursor time; live: now).
    pub(crate) fn act(&mut self, alarm: usize, view: &ViewTime, action: OperatorAction) {
        self.engine.act(alarm, view.time, action);
        self.stale = true;
    }

    /// Shelves an alarm for `duration_ns` from the view time.
    pub(crate) fn shelve(&mut self, alarm: usize, view: &ViewTime, duration_ns: i64) {
        let until = view.time.0.saturating_add(duration_ns.max(0));
        self.act(alarm, view, OperatorAction::Shelve { until });
    }
}

/// Which engine asset an asset entity is (inserted with [`AssetAlarms`] on bound assets).
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AlarmAsset(pub u32);

/// Adds alarm evaluation: journals follow new samples in the history stage; each bound asset
/// gets its [`AssetAlarms`] as it is bound and has it rewritten at the view time.
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<panel::AlarmPanelState>()
        .add_observer(attach_asset_alarms)
        .add_systems(
            Update,
            (create_alarms, update_journals)
                .chain()
                .in_set(Stage::History),
        )
        .add_systems(Update, write_asset_alarms.in_set(Evaluate::Alarms));
}

/// Builds the engine once the scene and store exist (they are inserted before the plugins run
/// in the app, but tests may add them later), and indexes assets bound before it existed.
fn create_alarms(
    mut commands: Commands,
    alarms: Option<Res<Alarms>>,
    scene: Option<Res<ActiveScene>>,
    store: Option<ResMut<Store>>,
    bound: Query<(Entity, &PlantAsset), With<AssetBinding>>,
) {
    if alarms.is_some() {
        return;
    }
    let (Some(scene), Some(mut store)) = (scene, store) else {
        return;
    };
    let alarms = Alarms::new(&scene.scene, &mut store.bypass_change_detection().0);
    for (entity, asset) in &bound {
        if let Some(index) = alarms.asset_index(&asset.tag) {
            commands.entity(entity).insert(index);
        }
    }
    commands.insert_resource(alarms);
}

/// Gives every bound asset an [`AssetAlarms`] (badges and materials read it) and, when it has
/// alarms, its [`AlarmAsset`] index.
fn attach_asset_alarms(
    add: On<Add, AssetBinding>,
    mut commands: Commands,
    alarms: Option<Res<Alarms>>,
    assets: Query<&PlantAsset>,
) {
    let mut entity = commands.entity(add.entity);
    entity.insert(AssetAlarms::default());
    let index = alarms.zip(assets.get(add.entity).ok());
    if let Some(index) = index.and_then(|(alarms, asset)| alarms.asset_index(&asset.tag)) {
        entity.insert(index);
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
