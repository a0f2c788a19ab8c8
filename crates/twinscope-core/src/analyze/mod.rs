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
    /// What was read, what could not be, and what had to be put in order.
    pub input: InputReport,
    /// Per signal, by id.
    pub signals: Vec<SignalResult>,
}

/// What reading the history found: every sample that was not analysed is counted here, with
/// the places of the first problems, so nothing is dropped without a word.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct InputReport {
    /// Samples read from the file.
    pub samples_read: u64,
    /// Samples that came out of time order within their signal (they are sorted, and used).
    pub out_of_order: u64,
    /// Samples dropped: a time already taken by the signal, or a value that is not finite.
    pub dropped: u64,
    /// CSV rows skipped whole (bad time, no usable cell).
    pub skipped_rows: u64,
    /// CSV cells skipped in otherwise good rows.
    pub skipped_cells: u64,
    /// MCAP chunks skipped as damaged.
    pub damaged_chunks: u64,
    /// Messages in them, where known.
    pub damaged_messages: u64,
    /// The first problems, each naming its place (`line 12, column …`, `offset …`).
    pub problems: Vec<String>,
}

impl InputReport {
    /// Nothing skipped, dropped or damaged (sorting is not a loss).
    fn clean(&self) -> bool {
        self.dropped == 0
            && self.skipped_rows == 0
            && self.skipped_cells == 0
            && self.damaged_chunks == 0
            && self.problems.is_empty()
    }
}

/// Problems listed by place in the JSON and on stdout; the rest are only counted.
const LISTED_PROBLEMS: usize = 20;

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

/// What `analyze` says, and whether everything in the file was used.
#[derive(Debug, Clone)]
pub struct AnalyzeOutcome {
    /// The report for stdout.
    pub text: String,
    /// Nothing was skipped, dropped or damaged.
    pub clean: bool,
}

/// Runs the backtest and writes `args.out`; returns the report for stdout and whether
/// everything was used (the command exits 1 otherwise).
pub fn run(args: &AnalyzeOptions) -> anyhow::Result<AnalyzeOutcome> {
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
    let mut input = InputReport::default();
    let mut series: BTreeMap<SignalId, Vec<(Timestamp, f64)>> = BTreeMap::new();
    let mut samples_read = 0;
    read_history(&args.file, &mut input, &mut |batch: Vec<Sample>| {
        for sample in batch {
            if wanted.is_empty() || wanted.contains(&sample.signal) {
                samples_read += 1;
                let points = series.entry(sample.signal).or_default();
                points.push((sample.time, sample.value));
            }
        }
    })?;
    input.samples_read = samples_read;
    for want in &wanted {
        anyhow::ensure!(
            series.contains_key(want),
            "signal `{want}` has no samples in {}",
            args.file.display()
        );
    }
    anyhow::ensure!(
        !series.is_empty(),
        "{} holds no samples to analyse{}",
        args.file.display(),
        input
            .problems
            .first()
            .map_or(String::new(), |p| format!(" ({p})"))
    );
    let mut span: Option<(Timestamp, Timestamp)> = None;
    let mut signals = Vec::with_capacity(series.len());
    for (id, points) in series {
        let period = scene
            .as_ref()
            .and_then(|s| s.signal(&id))
            .map(|s| s.period_s);
        let config = settings
            .config_for(&id, period)
            .unwrap_or_else(|| ForecastConfig {
                horizon_s: settings.horizon_s,
                period_s: period,
                ..ForecastConfig::default()
            });
        let result = backtest(&id, points, config, &mut input);
        if let (Some(first), Some(last)) = (&result.first, &result.last) {
            span = Some(match span {
                Some((a, b)) => (a.min(*first), b.max(*last)),
                None => (*first, *last),
            });
        }
        signals.push(result.signal);
    }
    let result = AnalyzeResult {
        file: args.file.display().to_string(),
        horizon_s: settings.horizon_s,
        start: span.map(|(a, _)| crate::recording::format_utc(a)),
        end: span.map(|(_, b)| crate::recording::format_utc(b)),
        input,
        signals,
    };
    write_json(&args.out, &result)?;
    Ok(AnalyzeOutcome {
        text: report(&result, &args.out),
        clean: result.input.clean(),
    })
}

/// One signal's backtest and the span it covered.
struct Backtested {
    signal: SignalResult,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
}

/// Replays one signal's samples, in time order, through a tracker. Samples out of order are
/// sorted (and counted); a repeated time or a value that is not finite is dropped (and
/// counted).
fn backtest(
    id: &SignalId,
    mut points: Vec<(Timestamp, f64)>,
    config: ForecastConfig,
    input: &mut InputReport,
) -> Backtested {
    input.out_of_order += points.windows(2).filter(|w| w[1].0 < w[0].0).count() as u64;
    points.sort_by_key(|(time, _)| *time);
    let mut tracker = SignalTracker::new(TrackerConfig::new(config));
    let (mut samples, mut skipped) = (0, 0);
    let mut anomalies = Vec::new();
    for &(time, value) in &points {
        let after_last = tracker.forecaster.last().is_none_or(|(t, _)| time > t);
        if !after_last || !value.is_finite() {
            skipped += 1;
            continue;
        }
        samples += 1;
        tracker.update(time, value, &mut |event| {
            if let crate::forecast::TrackerEvent::Anomaly(w) = event {
                anomalies.push(w);
            }
        });
    }
    input.dropped += skipped;
    let mut windows: Vec<AnomalyOut> = anomalies.iter().map(AnomalyOut::from).collect();
    windows.extend(tracker.detector.open().map(AnomalyOut::from));
    Backtested {
        first: points.first().map(|p| p.0),
        last: points.last().map(|p| p.0),
        signal: SignalResult {
            signal: id.as_str().to_owned(),
            samples,
            skipped,
            horizon_s: tracker.forecaster.horizon_s(),
            period_s: tracker.forecaster.period_s(),
            params: tracker.forecaster.params(),
            accuracy: tracker.validator.accuracy().into(),
            anomalies: windows,
        },
    }
}

/// Streams the samples of a recording (`.mcap`) or CSV export (anything else) to `feed`, and
/// what could not be read to `input`.
fn read_history(
    path: &Path,
    input: &mut InputReport,
    feed: &mut dyn FnMut(Vec<Sample>),
) -> anyhow::Result<()> {
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
        let problems = reader.problems();
        input.damaged_chunks = problems.skipped_chunks() as u64;
        input.damaged_messages = problems.skipped_messages();
        let mut listed: Vec<String> = problems.skipped.iter().map(ToString::to_string).collect();
        if let Some(tail) = problems.truncated_tail.filter(|t| t.bytes > 0) {
            listed.push(format!(
                "offset {} ({} bytes): the file ends mid-write",
                tail.offset, tail.bytes
            ));
        }
        input.problems = listed.into_iter().take(LISTED_PROBLEMS).collect();
        return Ok(());
    }
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let options = crate::csv_import::CsvOptions::default();
    let summary = crate::csv_import::import_csv(
        std::io::BufReader::new(file),
        &options,
        &mut |batch| {
            feed(batch);
            Ok(())
        },
        &mut |_| {},
    )
    .with_context(|| format!("{}", path.display()))?;
    input.skipped_rows = summary.skipped_rows;
    input.skipped_cells = summary.skipped_cells;
    input.problems = summary
        .problems
        .iter()
        .take(LISTED_PROBLEMS)
        .map(ToString::to_string)
        .collect();
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
    let input = &result.input;
    if input.out_of_order > 0 {
        text.push_str(&format!(
            "{} samples were out of time order within their signal: sorted before analysis\n",
            input.out_of_order
        ));
    }
    if !input.clean() {
        text.push_str(&format!(
            "not analysed: {} samples dropped (repeated time or not a number), {} rows and {} \
             cells skipped, {} damaged chunks ({} messages)\n",
            input.dropped,
            input.skipped_rows,
            input.skipped_cells,
            input.damaged_chunks,
            input.damaged_messages
        ));
        for problem in &input.problems {
            text.push_str(&format!("  {}: {problem}\n", result.file));
        }
    }
    text.push_str(&format!("written to {}\n", out.display()));
    text
}
