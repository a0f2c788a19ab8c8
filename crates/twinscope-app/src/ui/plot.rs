//! Inspector plots: each of the selected asset's signals around the cursor, with the cursor
//! line and, beyond the newest sample, the forecast with its interval bands. Dense history is reduced to a min and a max per pixel column, so spikes survive
//! zooming out (a common complaint about plots that just skip samples).

use super::PanelData;
use crate::plant::BoundSignal;
use bevy_egui::egui;
use egui_plot::{HoverPosition, Line, Plot, VLine};
use twinscope_core::history::SignalHistory;
use twinscope_core::signal::Timestamp;

/// Seconds of history shown before the cursor.
const BEFORE_S: f64 = 240.0;
/// Seconds shown after it (the future, when looking at the past).
const AFTER_S: f64 = 60.0;
/// Points per plot before min/max reduction kicks in.
const MAX_POINTS: usize = 600;

/// One small plot per bound signal with data; clicking a plot moves the cursor there.
pub(super) fn signal_plots(ui: &mut egui::Ui, data: &mut PanelData, signals: &[BoundSignal]) {
    let cursor = data.cursor.time();
    let window = (
        Timestamp(cursor.0 - (BEFORE_S * 1e9) as i64),
        Timestamp(cursor.0 + (AFTER_S * 1e9) as i64),
    );
    let mut seek = None;
    for signal in signals {
        let Some(history) = signal.index.and_then(|i| data.store.history(i)) else {
            continue;
        };
        if history.is_empty() {
            continue;
        }
        let points = plot_points(history, window, MAX_POINTS);
        let y_span = points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p[1]), hi.max(p[1]))
            });
        ui.label(
            egui::RichText::new(format!("{} [{}]", signal.id, signal.unit))
                .monospace()
                .small(),
        );
        let response = Plot::new(("signal-plot", signal.id.as_str()))
            .height(70.0)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .include_x(window.0.as_secs_f64())
            .include_x(window.1.as_secs_f64())
            .y_axis_min_width(36.0)
            .x_axis_formatter(|mark, _| clock_label(mark.value))
            .label_formatter(|hover| {
                let (HoverPosition::NearDataPoint { position, .. }
                | HoverPosition::Elsewhere { position }) = *hover;
                Some(format!("{}\n{:.3}", clock_label(position.x), position.y))
            })
            .show(ui, |plot| {
                if y_span.0 <= y_span.1 {
                    let forecasts = &data.forecasts;
                    crate::forecast::panel::plot_anomalies(plot, forecasts, signal, window, y_span);
                }
                plot.line(
                    Line::new(signal.id.as_str(), points)
                        .color(crate::widgets::rgb(twinscope_core::theme::PLOT_LINE_RGB)),
                );
                crate::forecast::panel::plot_forecast(plot, &data.forecasts, signal);
                plot.vline(
                    VLine::new("cursor", cursor.as_secs_f64())
                        .color(crate::widgets::rgb(twinscope_core::theme::CURSOR_RGB))
                        .width(1.5),
                );
            });
        if response.response.clicked()
            && let Some(pos) = response.response.interact_pointer_pos()
        {
            let x = response.transform.value_from_position(pos).x;
            seek = Some(Timestamp::from_secs_f64(x));
        }
    }
    if let Some(time) = seek {
        let bounds = data.bounds.0;
        data.cursor.seek(time, bounds);
    }
}

/// Local wall-clock label for a plot x value (seconds since the epoch).
fn clock_label(secs: f64) -> String {
    chrono::DateTime::from_timestamp_nanos(Timestamp::from_secs_f64(secs).0)
        .with_timezone(&chrono::Local)
        .format("%H:%M:%S")
        .to_string()
}

/// The samples in `window` as plot points (x in epoch seconds), starting from the value held
/// at the window's start, reduced to a min and max per bucket past `max_points`.
pub(crate) fn plot_points(
    history: &SignalHistory,
    window: (Timestamp, Timestamp),
    max_points: usize,
) -> Vec<[f64; 2]> {
    let mut points: Vec<[f64; 2]> = Vec::new();
    if let Some((time, value)) = history.latest_at(window.0) {
        points.push([time.as_secs_f64().max(window.0.as_secs_f64()), value]);
    }
    // One point for the value held at the start, then at most two per bucket.
    let buckets = (max_points.saturating_sub(1) / 2).max(1) as i64;
    let span = (window.1.0 - window.0.0).max(1);
    let mut bucket: Option<(i64, [f64; 2], [f64; 2], usize)> = None;
    let flush = |bucket: (i64, [f64; 2], [f64; 2], usize), points: &mut Vec<[f64; 2]>| {
        let (_, min, max, count) = bucket;
        if count == 1 || min == max {
            points.push(min);
        } else if min[0] <= max[0] {
            points.extend([min, max]);
        } else {
            points.extend([max, min]);
        }
    };
    for (time, value) in history.range(window.0..window.1) {
        let index = ((time.0 - window.0.0) as i128 * buckets as i128 / span as i128) as i64;
        let point = [time.as_secs_f64(), value];
        bucket = match bucket {
            Some((i, min, max, count)) if i == index => Some((
                i,
                if value < min[1] { point } else { min },
                if value > max[1] { point } else { max },
                count + 1,
            )),
            Some(done) => {
                flush(done, &mut points);
                Some((index, point, point, 1))
            }
            None => Some((index, point, point, 1)),
        };
    }
    if let Some(done) = bucket {
        flush(done, &mut points);
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: f64) -> Timestamp {
        Timestamp::from_secs_f64(s)
    }

    #[test]
    fn dense_history_keeps_each_buckets_extremes() {
        let mut history = SignalHistory::default();
        for i in 0..10_000 {
            let value = if i == 4321 { 100.0 } else { (i % 7) as f64 };
            history.insert(Timestamp(i * 1_000_000), value);
        }
        let points = plot_points(&history, (ts(0.0), ts(10.0)), 100);
        assert!(points.len() <= 100, "{} points", points.len());
        assert!(points.iter().any(|p| p[1] == 100.0), "the spike survives");
        assert!(points.iter().any(|p| p[1] == 0.0));
        assert!(points.windows(2).all(|w| w[0][0] <= w[1][0]), "time order");
    }

    #[test]
    fn sparse_history_starts_from_the_value_held_at_the_window_start() {
        let mut history = SignalHistory::default();
        history.insert(ts(1.0), 5.0);
        history.insert(ts(12.0), 6.0);
        history.insert(ts(30.0), 7.0);
        let points = plot_points(&history, (ts(10.0), ts(20.0)), 100);
        assert_eq!(points, vec![[10.0, 5.0], [12.0, 6.0]]);
    }
}
