//! Bad rows, cells, headers and streams: reported with their place, never a panic.

use super::*;

#[test]
fn bad_rows_are_reported_with_their_lines_and_the_rest_is_used() {
    let rows: &[&[u8]] = &[
        b"time,TK-101.level,P-101.speed\n",   // line 1
        b"2026-11-20T10:00:00Z,1,2\n",        // line 2
        b"yesterday,1,2\n",                   // line 3: bad time
        b"2026-11-20T10:00:01Z,abc,3\n",      // line 4: bad value
        b"2026-11-20T10:00:02Z,4\n",          // line 5: short row
        b"2026-11-20T10:00:03Z,\xff\xfe,5\n", // line 6: value not UTF-8
        b"\xff,6,7\n",                        // line 7: time not UTF-8
        b"\n",                                // line 8: blank, not a row
        b"2026-11-20T10:00:04Z,\"8\nx\",9\n", // lines 9-10: quoted newline
        b"2026-11-20T10:00:05Z,10,11,12\n",   // line 11: long row
        b",1,2\n",                            // line 12: no time
        b"2026-11-20T10:00:06Z,NaN,abc\n",    // line 13: nothing usable
    ];
    let mut input = Vec::new();
    let mut starts = Vec::new();
    for row in rows {
        starts.push(input.len() as u64);
        input.extend_from_slice(row);
    }
    let run = import_with(&input, &CsvOptions::default()).unwrap();
    assert_eq!(
        run.problems(),
        vec![
            "line 3, column `time`: not a time: \"yesterday\"",
            "line 4, column `TK-101.level`: not a number: \"abc\"",
            "line 5: 2 fields, but the header has 3",
            "line 6, column `TK-101.level`: not valid UTF-8 (byte 0 of the field)",
            "line 7, column `time`: not valid UTF-8 (byte 0 of the field)",
            "line 9, column `TK-101.level`: not a number: \"8\\nx\"",
            "line 11: 4 fields, but the header has 3",
            "line 12, column `time`: no time",
            "line 13, column `P-101.speed`: not a number: \"abc\"",
        ]
    );
    let offsets: Vec<u64> = run.summary.problems.iter().map(|p| p.byte_offset).collect();
    // Rows 2.. of `rows` sit on lines 3.., except that the quoted row spans two lines.
    let expected: Vec<u64> = [2, 3, 4, 5, 6, 8, 9, 10, 11].map(|i| starts[i]).to_vec();
    assert_eq!(offsets, expected, "byte offsets are where the rows start");
    assert_eq!(run.summary.problems[0].byte_offset, 55);
    assert_eq!(
        run.samples(),
        vec![
            ("TK-101.level".to_owned(), T0, 1.0),
            ("P-101.speed".to_owned(), T0, 2.0),
            ("P-101.speed".to_owned(), T0 + S, 3.0),
            ("TK-101.level".to_owned(), T0 + 2 * S, 4.0),
            ("P-101.speed".to_owned(), T0 + 3 * S, 5.0),
            ("P-101.speed".to_owned(), T0 + 4 * S, 9.0),
            ("TK-101.level".to_owned(), T0 + 5 * S, 10.0),
            ("P-101.speed".to_owned(), T0 + 5 * S, 11.0),
        ]
    );
    assert_eq!(run.summary.rows, 10, "the blank line is not a row");
    assert_eq!(run.summary.skipped_rows, 4, "lines 3, 7, 12 and 13");
    assert_eq!(
        run.summary.skipped_cells, 5,
        "lines 4, 6, 9 and 13 (NaN, abc)"
    );
    assert_eq!(run.summary.problems_total, 9);
    assert_eq!(
        run.summary.problems[1].column.as_deref(),
        Some("TK-101.level")
    );
    assert_eq!(run.summary.problems[2].column, None);
}

#[test]
fn unnamed_columns_are_ignored_unless_they_hold_data() {
    let run = import("time,a,\n1,2,\n2,3, \n3,4,5\n");
    assert_eq!(run.samples().len(), 3);
    assert_eq!(
        run.problems(),
        vec!["line 4: field 3 has data but no name in the header"]
    );
    assert_eq!(run.summary.skipped_cells, 1);
}

#[test]
fn byte_order_mark_and_crlf() {
    let input = b"\xEF\xBB\xBFtime,a\r\n1,x\r\n2,3\r\n";
    let run = import_with(input, &CsvOptions::default()).unwrap();
    assert_eq!(run.samples(), vec![("a".to_owned(), 2 * S, 3.0)]);
    let problem = &run.summary.problems[0];
    assert_eq!(
        (problem.line, problem.byte_offset),
        (2, 11),
        "offsets count the BOM"
    );
    assert_eq!(input[11], b'1');
    assert_eq!(run.progress.last(), Some(&(input.len() as u64)));
}

#[test]
fn blank_lines_do_not_shift_lines_or_offsets() {
    let input = b"\r\n\ntime,a\r\n\r\n\r\n1,x\n\n\n2,y\r\r3,z";
    let run = import_with(input, &CsvOptions::default()).unwrap();
    let places: Vec<(u64, u64)> = run
        .summary
        .problems
        .iter()
        .map(|p| (p.line, p.byte_offset))
        .collect();
    // A lone `\r` ends a record too, but only `\n` starts a new line.
    assert_eq!(places, vec![(6, 15), (9, 21), (9, 26)]);
    assert_eq!(&input[15..18], b"1,x");
    assert_eq!(&input[21..24], b"2,y");
    assert_eq!(&input[26..29], b"3,z");
    let e = import_err(b"\n\ntime\n1\n", &CsvOptions::default());
    assert!(
        e.to_string().starts_with("line 3:"),
        "the header's line: {e}"
    );
}

#[test]
fn long_layout_signal_names_must_be_utf8() {
    let run = import_with(
        b"time,signal,value\n1,\xffa,1\n2,b,2\n",
        &CsvOptions::default(),
    )
    .unwrap();
    assert_eq!(run.samples(), vec![("b".to_owned(), 2 * S, 2.0)]);
    assert_eq!(
        run.problems(),
        vec!["line 2, column `signal`: not valid UTF-8 (byte 0 of the field)"]
    );
    assert_eq!(run.summary.skipped_rows, 1);
}

#[test]
fn problems_are_capped_but_counted() {
    let mut input = String::from("time,a\n");
    for i in 0..250 {
        input.push_str(&format!("{i},bad\n"));
    }
    let run = import(&input);
    assert_eq!(run.summary.problems.len(), MAX_PROBLEMS);
    assert_eq!(run.summary.problems_total, 250);
    assert_eq!(
        run.summary.problems[99].line, 101,
        "the first ones, in file order"
    );
    assert_eq!(run.summary.skipped_rows, 250);
}

#[test]
fn samples_arrive_in_batches_in_file_order() {
    let mut input = String::from("time,a,b,c\n");
    for i in 0..20_000 {
        input.push_str(&format!("{i},{i},{},{}\n", i + 1, i + 2));
    }
    let run = import(&input);
    let sizes: Vec<usize> = run.batches.iter().map(Vec::len).collect();
    let mut expected = vec![BATCH_SAMPLES; 14];
    expected.push(60_000 - 14 * BATCH_SAMPLES);
    assert_eq!(sizes, expected);
    assert_eq!(run.summary.samples, 60_000);
    let samples = run.samples();
    for (i, sample) in samples.iter().enumerate() {
        let row = (i / 3) as i64;
        let column = (i % 3) as i64;
        assert_eq!(
            (sample.1, sample.2),
            (row * S, (row + column) as f64),
            "sample {i}"
        );
    }
    assert!(run.summary.signals.values().all(|&n| n == 20_000));
    assert!(
        run.progress.len() >= 2,
        "progress during the import: {:?}",
        run.progress
    );
    assert!(run.progress.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(run.progress.last(), Some(&(input.len() as u64)));
}

#[test]
fn a_sink_error_stops_the_import() {
    let mut input = String::from("time,signal,value\n");
    for i in 0..10_000 {
        input.push_str(&format!("{i},a,{i}\n"));
    }
    let mut calls = 0;
    let result = import_csv(
        input.as_bytes(),
        &CsvOptions::default(),
        &mut |_batch| {
            calls += 1;
            if calls == 2 {
                anyhow::bail!("disk full");
            }
            Ok(())
        },
        &mut |_| {},
    );
    assert_eq!(calls, 2, "nothing is delivered after the error");
    let Err(CsvError::Sink { line, error }) = result else {
        panic!("expected a sink error: {result:?}")
    };
    assert_eq!(line, 8193, "the row that filled the second batch");
    assert_eq!(error.to_string(), "disk full");
    let e = CsvError::Sink { line, error };
    assert_eq!(e.to_string(), "stopped at line 8193: disk full");
}

#[test]
fn read_errors_are_fatal() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("cable unplugged"));
            }
            self.0 -= 1;
            let line = b"1,2\n";
            buf[..line.len()].copy_from_slice(line);
            Ok(line.len())
        }
    }
    let header_fails = import_csv(
        Failing(0),
        &CsvOptions::default(),
        &mut |_| Ok(()),
        &mut |_| {},
    );
    assert!(
        matches!(&header_fails, Err(CsvError::Read { line: 1, .. })),
        "{header_fails:?}"
    );
    let later = import_csv(
        std::io::Cursor::new(b"time,a\n".to_vec()).chain(Failing(3)),
        &CsvOptions::default(),
        &mut |_| Ok(()),
        &mut |_| {},
    );
    let Err(e) = later else {
        panic!("expected an error")
    };
    assert!(e.to_string().contains("cable unplugged"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..600)) {
        check_invariants(&input)?;
    }

    #[test]
    fn csv_like_input_never_panics(
        cells in proptest::collection::vec(
            proptest::collection::vec(
                prop_oneof![
                    Just("time".to_owned()),
                    Just("signal".to_owned()),
                    Just("value".to_owned()),
                    Just("".to_owned()),
                    Just("NaN".to_owned()),
                    Just("\"q,\n\"".to_owned()),
                    Just("\u{feff}".to_owned()),
                    Just("\r".to_owned()),
                    Just("1".to_owned()),
                    Just("2.5".to_owned()),
                    Just("2026-11-20T10:00:00Z".to_owned()),
                    Just("-9223372036854775808".to_owned()),
                    "[0-9.eE+-]{1,25}",
                    "[ -~]{0,12}",
                ],
                1..6,
            ),
            1..30,
        ),
        separator in prop_oneof![Just(","), Just(";"), Just("\t")],
        line_end in prop_oneof![Just("\n"), Just("\r\n"), Just("\n\n"), Just("\r"), Just("\r\n\r\n")],
    ) {
        let input: String = cells
            .iter()
            .map(|row| row.join(separator))
            .collect::<Vec<_>>()
            .join(line_end);
        check_invariants(input.as_bytes())?;
    }

    #[test]
    fn integer_epochs_are_exact(secs in -9_000_000_000i64..9_000_000_000, ms in 100_000_000_000i64..9_000_000_000_000) {
        prop_assert_eq!(parse_time(&secs.to_string()), Ok(Timestamp(secs * 1_000_000_000)));
        prop_assert_eq!(parse_time(&ms.to_string()), Ok(Timestamp(ms * 1_000_000)));
    }
}

/// Imports `input` under both layouts and checks the summary agrees with what arrived.
fn check_invariants(input: &[u8]) -> Result<(), TestCaseError> {
    for layout in [None, Some(CsvLayout::Wide), Some(CsvLayout::Long)] {
        let options = CsvOptions {
            layout,
            ..CsvOptions::default()
        };
        if let Ok(run) = import_with(input, &options) {
            let delivered: usize = run.batches.iter().map(Vec::len).sum();
            prop_assert_eq!(delivered as u64, run.summary.samples);
            prop_assert_eq!(
                run.summary.signals.values().sum::<u64>(),
                run.summary.samples
            );
            prop_assert!(
                run.batches
                    .iter()
                    .all(|b| !b.is_empty() && b.len() <= BATCH_SAMPLES)
            );
            prop_assert!(run.summary.skipped_rows <= run.summary.rows);
            prop_assert!(run.summary.problems.len() as u64 <= run.summary.problems_total);
            prop_assert!(run.summary.problems.len() <= MAX_PROBLEMS);
            prop_assert_eq!(run.summary.time_span.is_some(), run.summary.samples > 0);
            prop_assert!(
                run.progress
                    .last()
                    .is_some_and(|&b| b <= input.len() as u64)
            );
            for problem in &run.summary.problems {
                // Each problem points at the first byte of its row, on the line it names.
                let offset = usize::try_from(problem.byte_offset).unwrap_or(usize::MAX);
                prop_assert!(offset < input.len(), "{problem:?}");
                prop_assert!(!matches!(input[offset], b'\r' | b'\n'), "{problem:?}");
                let newlines = input[..offset].iter().filter(|&&b| b == b'\n').count();
                prop_assert_eq!(problem.line, newlines as u64 + 1, "{:?}", problem);
            }
        }
    }
    Ok(())
}
