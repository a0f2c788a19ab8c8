//! The byte stream under the CSV reader: header peeking, delimiter choice, and line numbers
//! and offsets that stay right across blank lines and CRLF.

use super::*;

/// The file's first line (and whatever else the first reads brought in), with a UTF-8 byte
/// order mark removed; returns the bytes and the length of the removed mark.
pub(super) fn peek_header(reader: &mut impl Read) -> std::io::Result<(Vec<u8>, u64)> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        bytes.extend_from_slice(&chunk[..n]);
        if chunk[..n].contains(&b'\n') || bytes.len() >= HEADER_PEEK_LIMIT {
            break;
        }
    }
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
        return Ok((bytes, BOM.len() as u64));
    }
    Ok((bytes, 0))
}

/// The delimiter to use: `requested`, or `;` / tab when `requested` is `,` and the header line
/// has no `,` but one of those.
pub(super) fn choose_delimiter(requested: u8, peeked: &[u8]) -> u8 {
    let line = peeked.split(|&b| b == b'\n').next().unwrap_or_default();
    if requested != b',' || line.contains(&b',') {
        return requested;
    }
    let count = |d: u8| line.iter().filter(|&&b| b == d).count();
    let (semicolons, tabs) = (count(b';'), count(b'\t'));
    if semicolons == 0 && tabs == 0 {
        requested
    } else if semicolons >= tabs {
        b';'
    } else {
        b'\t'
    }
}

/// Notes where the input has runs of line breaks, to place records exactly.
///
/// The csv crate gives each record the position where reading it began: just after the previous
/// record's terminator, or in the middle of a `\r\n`, so before any blank lines it skipped. This
/// reader sits under the csv reader and remembers the line-break runs it has not yet passed, so
/// [`LineBreaks::skip`] can move a position past them.
pub(super) struct LineBreaks<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// Runs of `\r` and `\n` not yet passed, in order.
    runs: VecDeque<BreakRun>,
}

/// A run of consecutive `\r` / `\n` bytes.
pub(super) struct BreakRun {
    start: u64,
    end: u64,
    newlines: u64,
    starts_with_newline: bool,
}

impl<R: Read> Read for LineBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &byte) in buf.iter().take(n).enumerate() {
            if byte != b'\r' && byte != b'\n' {
                continue;
            }
            let at = self.offset + i as u64;
            let newline = u64::from(byte == b'\n');
            match self.runs.back_mut() {
                Some(run) if run.end == at => {
                    run.end += 1;
                    run.newlines += newline;
                }
                _ => self.runs.push_back(BreakRun {
                    start: at,
                    end: at + 1,
                    newlines: newline,
                    starts_with_newline: newline == 1,
                }),
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R> LineBreaks<R> {
    pub(super) fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            runs: VecDeque::new(),
        }
    }

    /// Moves a record position (byte, line) reported by the csv crate past the line breaks
    /// there, to where the record's first byte is; forgets the runs before it.
    fn skip(&mut self, byte: u64, line: u64) -> (u64, u64) {
        while self.runs.front().is_some_and(|run| run.end <= byte) {
            self.runs.pop_front();
        }
        match self.runs.front() {
            Some(run) if run.start <= byte => {
                // The csv crate has consumed at most the run's first byte, and counted it.
                let counted = u64::from(byte > run.start && run.starts_with_newline);
                (run.end, line + run.newlines.saturating_sub(counted))
            }
            _ => (byte, line),
        }
    }
}

/// Where `record`, just read, starts in the file (`bom` bytes were removed in front); `fallback`
/// if the reader gave no position.
pub(super) fn record_start<R: Read>(
    csv: &mut csv::Reader<LineBreaks<R>>,
    record: &csv::ByteRecord,
    bom: u64,
    fallback: At,
) -> At {
    let Some(position) = record.position() else {
        return fallback;
    };
    let (byte, line) = csv.get_mut().skip(position.byte(), position.line());
    At {
        line,
        byte: byte + bom,
    }
}
