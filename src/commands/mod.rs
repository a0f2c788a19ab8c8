//! Headless subcommands: `check`, `gen-plant`, `alarms` and `scenario`. No window, no GPU.

pub mod scenario;

use crate::core::scene::{Scene, check_scene, read_model_nodes};
use anyhow::Context;
use std::path::Path;

/// Validates a scene file against its model; returns the rendered report and whether it passed.
pub fn check(path: &Path) -> anyhow::Result<(String, bool)> {
    let scene = Scene::load(path)?;
    let nodes = read_model_nodes(&scene.model_path)
        .with_context(|| format!("{}: model `{}`", path.display(), scene.model_path.display()))?;
    let report = check_scene(&scene, &nodes);
    Ok((report.render(), !report.has_errors()))
}

/// Writes the demo plant (or a synthetic plant of `assets` assets) as GLB.
pub fn gen_plant(out: &Path, assets: Option<usize>) -> anyhow::Result<usize> {
    let bytes = match assets {
        Some(n) => crate::plantgen::synthetic_plant_glb(n)?,
        None => crate::plantgen::demo_plant_glb()?,
    };
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(bytes.len())
}

/// `twinscope alarms`: replays a recording through the scene's alarms, headless, and writes
/// every alarm transition to a CSV. Returns the one-line report.
pub fn alarms_csv(scene: &Path, replay: &Path, out: &Path) -> anyhow::Result<String> {
    use crate::core::alarms::{AlarmEngine, write_csv};
    use crate::core::store::{DEFAULT_GC_TIME_CAP, SignalStore};
    let scene = crate::core::scene::Scene::load(scene)?;
    let mut store = SignalStore::new(scene.signals.iter().map(|s| s.id.clone()));
    let mut engine = AlarmEngine::new(scene.alarms.clone(), &mut store);
    let mut reader = crate::recording::reader::RecordingReader::open(replay)?;
    // Journals are brought up to date batch by batch, so history may be evicted behind them.
    reader.for_each_batch::<crate::recording::RecordingError>(&mut |_, _| {}, &mut |batch| {
        store.ingest(batch);
        engine.update(&mut store);
        store.collect_garbage(DEFAULT_GC_TIME_CAP);
        Ok(())
    })?;
    if let Some((_, end)) = reader.time_span() {
        engine.settle(end);
    }
    let file = std::fs::File::create(out)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
    let rows = write_csv(&engine, std::io::BufWriter::new(file))?;
    Ok(format!(
        "{rows} transitions of {} alarms written to {}\n",
        engine.len(),
        out.display()
    ))
}
