//! Values as text: a fixed number of decimals per signal, so a column of readings does not
//! jitter in width as values change.

/// Decimals for a signal whose scene file gives no `precision`, from the width of its range:
/// 0 for ranges of 1000 or more, 1 for 10 or more, 2 below that.
pub fn default_precision(range: [f64; 2]) -> usize {
    let span = (range[1] - range[0]).abs();
    if span >= 1000.0 {
        0
    } else if span >= 10.0 {
        1
    } else {
        2
    }
}

/// `value` with `precision` decimals and its unit, e.g. `108.2 degC`; NaN and infinities are
/// written `NaN`, `∞` and `-∞`, and a value that rounds to zero never shows as `-0.0`.
pub fn format_value(value: f64, precision: usize, unit: &str) -> String {
    let mut number = if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "∞" } else { "-∞" }.to_owned()
    } else {
        format!("{value:.precision$}")
    };
    if number.starts_with('-') && number[1..].chars().all(|c| c == '0' || c == '.') {
        number.remove(0);
    }
    if unit.is_empty() {
        number
    } else {
        format!("{number} {unit}")
    }
}
