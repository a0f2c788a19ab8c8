//! `twinscope analyze`: replays history (a recording or a historian CSV export) through the
//! same forecasters, validators and anomaly detectors the viewer runs
//! ([`crate::forecast::SignalTracker`]), and writes per-signal accuracy and the anomaly
//! windows found as JSON: how engineers calibrate a twin against historical outcomes.

use crate::anomaly::AnomalyWindow;
use crate::forecast::{ForecastConfig, ForecastSettings, SignalTracker, TrackerConfig};
use crate::signal::{Sample, SignalId, Timestamp};
use crate::validation::Accuracy;
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What to analyse, and where to write the result.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// A recording (.mcap) or a historian CSV export (.csv, wide or long layout).
    pub file: PathBuf,
    /// Analyse only these signals (default: every signal).
    pub signals: Vec<String>,
    /// Forecast horizon, e.g. `60s`, `5m` (default: the scene's, else 2 min).
    pub horizon: Option<String>,
    /// A scene file whose `[forecast]` settings and signal periods to use.
    pub scene: Option<PathBuf>,
    /// The JSON file to write.
    pub out: PathBuf,
}

/// The written result.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct AnalyzeResult {
    /// The file analysed.
    pub file: String,
    /// Forecast horizon used unless a scene gives a signal its own, seconds.
    pub horizon_s: f64,
    /// First and last sample analysed (RFC 3339 UTC), when any.
    pub start: Option<String>,
    /// See `start`.
    pub end: Option<String>,
    /// Per signal, by id.
    pub signals: Vec<SignalResult>,
}

/// One signal's backtest.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct SignalResult {
    /// The signal.
    pub signal: String,
    /// Samples taken (in time order).
    pub samples: u64,
    /// Samples ignored (not after the previous one, or not finite).
    pub skipped: u64,
    /// The horizon forecast, seconds.
    pub horizon_s: f64,
    /// Sample period used, seconds.
    pub period_s: Option<f64>,
    /// Final fitted parameters.
    pub params: crate::forecast::HoltParams,
    /// Forecast accuracy at the horizon.
    pub accuracy: AccuracyOut,
    /// Anomaly windows, in closing order (open ones last).
    pub anomalies: Vec<AnomalyOut>,
}

/// [`Accuracy`] flattened for the file.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct AccuracyOut {
    /// Forecasts scored.
    pub scored: u64,
    /// Mean absolute error.
    pub mae: f64,
    /// Persistence's mean absolute error on the same forecasts.
    pub persistence_mae: f64,
    /// `1 − mae / persistence_mae`.
    pub skill: f64,
    /// Share inside the 80 % interval.
    pub coverage_80: f64,
    /// Share inside the 95 % interval.
    pub coverage_95: f64,
    /// Accuracy degraded relative to its baseline at the end.
    pub drift: bool,
}

impl From<Accuracy> for AccuracyOut {
    fn from(a: Accuracy) -> Self {
        Self {
            scored: a.scored,
            mae: a.mae,
            persistence_mae: a.persistence_mae,
            skill: a.skill,
            coverage_80: a.coverage[0],
            coverage_95: a.coverage[1],
            drift: a.drift,
        }
    }
}

/// One anomaly window for the file.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct AnomalyOut {
    /// `level_shift`, `drift`, `spike` or `variance_change`.
    pub kind: crate::anomaly::AnomalyKind,
    /// Onset (RFC 3339 UTC).
    pub start: String,
    /// End.
    pub end: String,
    /// When it was detected.
    pub detected: String,
    /// Onset, ns since the epoch.
    pub start_ns: i64,
    /// End, ns since the epoch.
    pub end_ns: i64,
    /// Detection, ns since the epoch.
    pub detected_ns: i64,
    /// Strength (1 = at the threshold).
    pub score: f64,
    /// +1 up / noise grew, −1 down / noise fell.
    pub direction: i8,
    /// Still open at the end of the data.
    pub open: bool,
}

impl From<&AnomalyWindow> for AnomalyOut {
    fn from(w: &AnomalyWindow) -> Self {
        use crate::recording::format_utc;
        Self {
            kind: w.kind,
            start: format_utc(w.start),
            end: format_utc(w.end),
            detected: format_utc(w.detected),
            start_ns: w.start.0,
            end_ns: w.end.0,
            detected_ns: w.detected.0,
            score: w.score,
            direction: w.direction,
            open: w.open,
        }
    }
}

/// One signal's replay state.
struct Replayed {
    tracker: SignalTracker,
    samples: u64,
    skipped: u64,
    anomalies: Vec<AnomalyWindow>,
}

/// Runs the backtest and writes `args.out`; returns the one-paragraph report for stdout.
pub fn run(args: &AnalyzeOptions) -> anyhow::Result<String> {
    let horizon_s = match &args.horizon {
        Some(text) => {
            let ns = crate::cursor::parse_duration_ns(text)
                .map_err(|e| anyhow::anyhow!("--horizon `{text}`: {e}"))?;
            anyhow::ensure!(ns > 0, "--horizon must be positive");
            Some(ns as f64 / 1e9)
        }
        None => None,
    };
    let scene = match &args.scene {
        Some(path) => Some(crate::scene::Scene::load(path)?),
        None => None,
    };
    let mut settings = scene
        .as_ref()
        .map_or_else(ForecastSettings::default, |s| s.forecast.clone());
    if let Some(h) = horizon_s {
        settings.horizon_s = h;
        for o in &mut settings.signals {
            o.horizon_s = None;
        }
    }
    let wanted: Vec<SignalId> = args.signals.iter().map(SignalId::new).collect();
    let mut replayed: BTreeMap<SignalId, Replayed> = BTreeMap::new();
    let mut span: Option<(Timestamp, Timestamp)> = None;
    let mut feed = |batch: Vec<Sample>| {
        for sample in batch {
            if !wanted.is_empty() && !wanted.contains(&sample.signal) {
                continue;
            }
            if !replayed.contains_key(&sample.signal) {
                {
                    let period = scene
                        .as_ref()
                        .and_then(|s| s.signal(&sample.signal))
                        .map(|s| s.period_s);
                    let config = settings
                        .config_for(&sample.signal, period)
                        .unwrap_or_else(|| ForecastConfig {
                            horizon_s: settings.horizon_s,
                            period_s: period,
                            ..ForecastConfig::default()
                        });
                    replayed.insert(
                        sample.signal.clone(),
                        Replayed {
                            tracker: SignalTracker::new(TrackerConfig::new(config)),
                            samples: 0,
                            skipped: 0,
                            anomalies: Vec::new(),
                        },
                    );
                }
            }
            let Some(entry) = replayed.get_mut(&sample.signal) else {
                continue;
            };
            let in_order = entry
                .tracker
                .forecaster
                .last()
                .is_none_or(|(t, _)| sample.time > t);
            if !in_order || !sample.value.is_finite() {
                entry.skipped += 1;
                continue;
            }
            entry.samples += 1;
            span = Some(match span {
                Some((a, b)) => (a.min(sample.time), b.max(sample.time)),
                None => (sample.time, sample.time),
            });
            let anomalies = &mut entry.anomalies;
            entry
                .tracker
                .update(sample.time, sample.value, &mut |event| {
                    if let crate::forecast::TrackerEvent::Anomaly(w) = event {
                        anomalies.push(w);
                    }
                });
        }
    };
    read_history(&args.file, &mut feed)?;
    for want in &wanted {
        anyhow::ensure!(
            replayed.contains_key(want),
            "signal `{want}` has no samples in {}",
            args.file.display()
        );
    }
    let signals: Vec<SignalResult> = replayed
        .into_iter()
        .map(|(id, r)| {
            let mut anomalies: Vec<AnomalyOut> = r.anomalies.iter().map(AnomalyOut::from).collect();
            anomalies.extend(r.tracker.detector.open().map(AnomalyOut::from));
            SignalResult {
                signal: id.as_str().to_owned(),
                samples: r.samples,
                skipped: r.skipped,
                horizon_s: r.tracker.forecaster.horizon_s(),
                period_s: r.tracker.forecaster.period_s(),
                params: r.tracker.forecaster.params(),
                accuracy: r.tracker.validator.accuracy().into(),
                anomalies,
            }
        })
        .collect();
    let result = AnalyzeResult {
        file: args.file.display().to_string(),
        horizon_s: settings.horizon_s,
        start: span.map(|(a, _)| crate::recording::format_utc(a)),
        end: span.map(|(_, b)| crate::recording::format_utc(b)),
        signals,
    };
    write_json(&args.out, &result)?;
    Ok(report(&result, &args.out))
}

/// Streams the samples of a recording (`.mcap`) or CSV export (anything else) to `feed`.
fn read_history(path: &Path, feed: &mut dyn FnMut(Vec<Sample>)) -> anyhow::Result<()> {
    let is_mcap = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("mcap"));
    if is_mcap {
        let mut reader = crate::recording::reader::RecordingReader::open(path)?;
        reader.for_each_batch::<crate::recording::RecordingError>(
            &mut |_, _| {},
            &mut |batch| {
                feed(batch);
                Ok(())
            },
        )?;
        return Ok(());
    }
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let options = crate::csv_import::CsvOptions::default();
    crate::csv_import::import_csv(
        std::io::BufReader::new(file),
        &options,
        &mut |batch| {
            feed(batch);
            Ok(())
        },
        &mut |_| {},
    )
    .with_context(|| format!("{}", path.display()))?;
    Ok(())
}

fn write_json(out: &Path, result: &AnalyzeResult) -> anyhow::Result<()> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(result)?;
    std::fs::write(out, text).with_context(|| format!("cannot write {}", out.display()))
}

/// One line per signal: samples, skill, coverage, anomalies.
fn report(result: &AnalyzeResult, out: &Path) -> String {
    let mut text = String::new();
    for s in &result.signals {
        let a = &s.accuracy;
        text.push_str(&format!(
            "{}: {} samples, {} forecasts scored at {:.0} s, MAE {:.4} vs persistence {:.4} (skill {:+.2}), coverage 80% {:.0}% / 95% {:.0}%, {} anomalies\n",
            s.signal,
            s.samples,
            a.scored,
            s.horizon_s,
            a.mae,
            a.persistence_mae,
            a.skill,
            a.coverage_80 * 100.0,
            a.coverage_95 * 100.0,
            s.anomalies.len()
        ));
    }
    text.push_str(&format!("written to {}\n", out.display()));
    text
}
