//! `twinscope alarms`: a recording replayed through the scene's alarms, headless, every
//! transition written to CSV.

use std::path::Path;

/// `twinscope alarms`: replays a recording through the scene's alarms, headless, and writes
/// every alarm transition to a CSV. Returns the one-line report.
pub fn replay_to_csv(scene: &Path, replay: &Path, out: &Path) -> anyhow::Result<String> {
    use crate::alarms::{AlarmEngine, write_csv};
    use crate::store::{DEFAULT_GC_TIME_CAP, SignalStore};
    let scene = crate::scene::Scene::load(scene)?;
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
