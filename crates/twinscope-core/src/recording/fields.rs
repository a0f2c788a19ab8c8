//! A guard in front of the mcap crate's record parser: it allocates whatever a length field
//! claims before reading the bytes, so one damaged length in a metadata record (4 GB, found by
//! the fuzzer) made `info` and replay try a 4 GB allocation and abort where memory is limited.
//! Every length-prefixed field is checked to fit inside its record first.

use mcap::records::{Record, op};

/// A field of an MCAP record body, as far as sizes go.
#[derive(Clone, Copy)]
enum Field {
    Fixed(u64),
    /// u32 length, then that many bytes (strings, fixed-width maps and arrays, schema data).
    Prefixed32,
    /// u64 length, then that many bytes (chunk records, attachment data).
    Prefixed64,
    /// u32 byte length, then string → string entries.
    StringMap,
}

use Field::{Fixed, Prefixed32, Prefixed64, StringMap};

/// The fields of each record the parser allocates for (others hold only fixed fields or a
/// trailing body the parser borrows).
fn layout(opcode: u8) -> &'static [Field] {
    const U16: Field = Fixed(2);
    const U32: Field = Fixed(4);
    const U64: Field = Fixed(8);
    match opcode {
        op::HEADER => &[Prefixed32, Prefixed32],
        op::SCHEMA => &[U16, Prefixed32, Prefixed32, Prefixed32],
        op::CHANNEL => &[U16, U16, Prefixed32, Prefixed32, StringMap],
        op::CHUNK => &[U64, U64, U64, U32, Prefixed32, Prefixed64],
        op::MESSAGE_INDEX => &[U16, Prefixed32],
        op::CHUNK_INDEX => &[U64, U64, U64, U64, Prefixed32, U64, Prefixed32, U64, U64],
        op::ATTACHMENT => &[U64, U64, Prefixed32, Prefixed32, Prefixed64, U32],
        op::ATTACHMENT_INDEX => &[U64, U64, U64, U64, U64, Prefixed32, Prefixed32],
        op::STATISTICS => &[U64, U16, U32, U32, U32, U32, U64, U64, Prefixed32],
        op::METADATA => &[Prefixed32, StringMap],
        op::METADATA_INDEX => &[U64, U64, Prefixed32],
        op::SUMMARY_OFFSET => &[Fixed(1), U64, U64],
        _ => &[],
    }
}

/// Whether every field of `body` (an `opcode` record without its opcode and length) fits in it.
fn fits(opcode: u8, body: &[u8]) -> bool {
    let mut rest = body;
    layout(opcode)
        .iter()
        .all(|field| take_field(&mut rest, *field).is_some())
}

/// Takes one field off the front of `rest`; `None` if it claims more than is there.
fn take_field(rest: &mut &[u8], field: Field) -> Option<()> {
    match field {
        Fixed(n) => take(rest, n).map(drop),
        Prefixed32 => {
            let n = u32::from_le_bytes(take(rest, 4)?.try_into().ok()?);
            take(rest, u64::from(n)).map(drop)
        }
        Prefixed64 => {
            let n = u64::from_le_bytes(take(rest, 8)?.try_into().ok()?);
            take(rest, n).map(drop)
        }
        StringMap => {
            let n = u32::from_le_bytes(take(rest, 4)?.try_into().ok()?);
            let mut entries = take(rest, u64::from(n))?;
            while !entries.is_empty() {
                take_field(&mut entries, Prefixed32)?;
                take_field(&mut entries, Prefixed32)?;
            }
            Some(())
        }
    }
}

fn take<'a>(rest: &mut &'a [u8], n: u64) -> Option<&'a [u8]> {
    let n = usize::try_from(n).ok()?;
    if n > rest.len() {
        return None;
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Some(head)
}

/// [`mcap::parse_record`] after checking that no length field points past the record.
pub(super) fn parse_record(opcode: u8, body: &[u8]) -> Result<Record<'_>, String> {
    if !fits(opcode, body) {
        return Err(format!(
            "a length field in a record of type {opcode:#04x} points past its end"
        ));
    }
    mcap::parse_record(opcode, body).map_err(|e| e.to_string())
}

/// The records of a run of whole records (a summary section), framed but not yet parsed:
/// `(opcode, body)` each, so a caller can skip the kinds it does not need without parsing them.
pub(super) fn framed(mut bytes: &[u8]) -> impl Iterator<Item = Result<(u8, &[u8]), String>> {
    std::iter::from_fn(move || {
        let (&opcode, after) = bytes.split_first()?;
        let framed = after
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .and_then(|len| usize::try_from(len).ok())
            .and_then(|len| Some((len, after.get(8..8usize.checked_add(len)?)?)));
        let Some((len, body)) = framed else {
            bytes = &[];
            return Some(Err(format!(
                "a record of type {opcode:#04x} runs past the end of its section"
            )));
        };
        bytes = &after[8 + len..];
        Some(Ok((opcode, body)))
    })
}

/// [`framed`] records, each checked, then parsed.
pub(super) fn records(bytes: &[u8]) -> impl Iterator<Item = Result<Record<'_>, String>> {
    framed(bytes).map(|framed| framed.and_then(|(opcode, body)| parse_record(opcode, body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes written as (u32 length field, then the bytes), in order: lengths may lie.
    fn prefixed(parts: &[(u32, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (length, bytes) in parts {
            out.extend_from_slice(&length.to_le_bytes());
            out.extend_from_slice(bytes);
        }
        out
    }

    /// A metadata record whose name claims 4 GB: refused before mcap allocates for it.
    #[test]
    fn a_length_past_the_record_is_refused_before_parsing() {
        let body = prefixed(&[(0xffff_fff0, b"twinscope")]);
        assert!(parse_record(op::METADATA, &body).is_err());
        // A metadata map entry whose value claims more than the map holds.
        let body = prefixed(&[(4, b"name"), (12, b""), (3, b"key"), (0x7fff_ffff, b"v")]);
        assert!(!fits(op::METADATA, &body));
    }

    #[test]
    fn whole_records_pass() {
        let body = prefixed(&[(4, b"name"), (12, b""), (1, b"k"), (3, b"val")]);
        match parse_record(op::METADATA, &body) {
            Ok(Record::Metadata(m)) => assert_eq!(m.metadata["k"], "val"),
            other => panic!("{other:?}"),
        }
        let mut section = vec![op::METADATA];
        section.extend_from_slice(&(body.len() as u64).to_le_bytes());
        section.extend_from_slice(&body);
        section.push(op::DATA_END);
        section.extend_from_slice(&4u64.to_le_bytes());
        section.extend_from_slice(&0u32.to_le_bytes());
        let parsed: Vec<_> = records(&section).collect();
        assert_eq!(parsed.len(), 2);
        assert!(parsed.iter().all(Result::is_ok), "{parsed:?}");
        section.truncate(section.len() - 2);
        assert!(records(&section).last().is_some_and(|r| r.is_err()));
    }
}
