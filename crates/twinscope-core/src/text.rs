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

/// Reads a text file that must be UTF-8. Invalid bytes are an error naming the line, column
/// and byte offset of the first one, so a user can find it (a file saved as Latin-1, say).
pub fn read_utf8(path: &std::path::Path) -> std::io::Result<String> {
    read_utf8_at_most(path, u64::MAX)
}

/// [`read_utf8`] for files with a size limit: a bigger file is refused before it is read (and
/// a file that grows while being read stops at the limit), so a huge or endless input cannot
/// take the machine's memory.
pub fn read_utf8_at_most(path: &std::path::Path, max_bytes: u64) -> std::io::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let too_big = |size: String| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{} is {size}; files of up to {} are read",
                path.display(),
                self::bytes(max_bytes)
            ),
        )
    };
    let len = file.metadata()?.len();
    if len > max_bytes {
        return Err(too_big(self::bytes(len)));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_big("growing past the limit".to_owned()));
    }
    String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        let before = &error.as_bytes()[..offset];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        // The bytes before the bad one are valid UTF-8, so the column counts characters.
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{}:{line}:{column}: not valid UTF-8 (byte offset {offset}, byte 0x{:02x}); \
                 save the file as UTF-8",
                path.display(),
                error.as_bytes()[offset]
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_that_is_not_utf8_is_refused_at_its_line_and_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin1.toml");
        std::fs::write(&path, b"[scene]\nname = \"Caf\xe9\"\n").unwrap();
        let error = super::read_utf8(&path).unwrap_err().to_string();
        assert!(error.ends_with("latin1.toml:2:12: not valid UTF-8 (byte offset 19, byte 0xe9); save the file as UTF-8"), "{error}");
        std::fs::write(&path, "[scene]\nname = \"Café\"\n").unwrap();
        assert_eq!(
            super::read_utf8(&path).unwrap(),
            "[scene]\nname = \"Café\"\n"
        );
    }

    #[test]
    fn bytes_read_naturally() {
        assert_eq!(super::bytes(512), "512 B");
        assert_eq!(super::bytes(3276), "3.2 KiB");
        assert_eq!(super::bytes(1024 * 1024 * 3 / 2), "1.5 MiB");
    }
}
