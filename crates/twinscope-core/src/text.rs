//! Numbers as people read them, shared by the headless commands' reports and the app's panels.

/// `512 B`, `3.2 KiB`, `1.5 MiB`: sizes and rates for reports and status lines.
pub fn bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bytes_read_naturally() {
        assert_eq!(super::bytes(512), "512 B");
        assert_eq!(super::bytes(3276), "3.2 KiB");
        assert_eq!(super::bytes(1024 * 1024 * 3 / 2), "1.5 MiB");
    }
}
