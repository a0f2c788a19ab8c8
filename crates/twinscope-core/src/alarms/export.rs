//! Alarm history as CSV: every journal transition of every alarm, in time order.

use super::engine::AlarmEngine;
use super::machine::Transition;
use std::io::Write;

/// The CSV header.
pub(crate) const CSV_HEADER: [&str; 10] = [
    "time",
    "alarm",
    "asset",
    "area",
    "priority",
    "from",
    "to",
    "value",
    "cause",
    "operator_action",
];

/// One transition with the alarm it belongs to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExportRow {
    /// The alarm index.
    pub alarm: usize,
    /// The transition.
    pub transition: Transition,
}

/// Every transition of every alarm, in time order (alarms in configuration order at equal
/// times).
pub fn export_rows(engine: &AlarmEngine) -> Vec<ExportRow> {
    let mut rows: Vec<ExportRow> = (0..engine.len())
        .flat_map(|alarm| {
            engine
                .journal(alarm)
                .iter()
                .map(move |&transition| ExportRow { alarm, transition })
        })
        .collect();
    rows.sort_by_key(|row| (row.transition.time, row.alarm));
    rows
}

/// Writes the alarm history as CSV (RFC 3339 UTC times); returns the number of rows.
pub fn write_csv(engine: &AlarmEngine, out: impl Write) -> csv::Result<usize> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_HEADER)?;
    let rows = export_rows(engine);
    for row in &rows {
        let spec = engine.spec(row.alarm);
        let t = &row.transition;
        let time = chrono::DateTime::from_timestamp_nanos(t.time)
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        let value = if t.value.is_nan() {
            String::new()
        } else {
            t.value.to_string()
        };
        let action = if t.cause.is_operator_action() {
            t.cause.name()
        } else {
            ""
        };
        writer.write_record([
            time.as_str(),
            spec.label.as_str(),
            spec.asset.as_deref().unwrap_or(""),
            spec.area.as_str(),
            spec.priority.name(),
            t.from.name(),
            t.to.name(),
            value.as_str(),
            t.cause.name(),
            action,
        ])?;
    }
    writer.flush()?;
    Ok(rows.len())
}
