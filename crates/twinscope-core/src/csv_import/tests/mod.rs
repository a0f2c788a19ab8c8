//! Layouts, detection, times, values and delimiters; bad input is in `bad_input`.

mod bad_input;

use super::*;
use proptest::prelude::*;

/// What one import delivered: the summary, the batches and the progress reports.
struct Run {
    summary: CsvSummary,
    batches: Vec<Vec<Sample>>,
    progress: Vec<u64>,
}

impl Run {
    fn samples(&self) -> Vec<(String, i64, f64)> {
        self.batches
            .iter()
            .flatten()
            .map(|s| (s.signal.to_string(), s.time.0, s.value))
            .collect()
    }

    fn problems(&self) -> Vec<String> {
        self.summary
            .problems
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}

fn import_with(input: &[u8], options: &CsvOptions) -> Result<Run, CsvError> {
    let mut batches = Vec::new();
    let mut progress = Vec::new();
    let summary = import_csv(
        input,
        options,
        &mut |batch| {
            batches.push(batch);
            Ok(())
        },
        &mut |bytes| progress.push(bytes),
    )?;
    Ok(Run {
        summary,
        batches,
        progress,
    })
}

fn import(input: &str) -> Run {
    import_with(input.as_bytes(), &CsvOptions::default())
        .unwrap_or_else(|e| panic!("import failed: {e}\n{input}"))
}

fn import_err(input: &[u8], options: &CsvOptions) -> CsvError {
    match import_with(input, options) {
        Ok(run) => panic!("expected an error, got {:?}", run.summary),
        Err(e) => e,
    }
}

/// 2026-11-20T10:00:00Z in nanoseconds.
const T0: i64 = 1_795_168_800_000_000_000;
const S: i64 = 1_000_000_000;

#[test]
fn wide_layout_one_column_per_signal() {
    let run = import(
        "time,TK-101.level, P-101.speed \n\
         2026-11-20T10:00:00Z,1.5,300\n\
         2026-11-20T10:00:01Z,,301\n\
         2026-11-20T10:00:02Z,-0.5,\n",
    );
    assert_eq!(run.summary.layout, CsvLayout::Wide);
    assert_eq!(
        run.samples(),
        vec![
            ("TK-101.level".to_owned(), T0, 1.5),
            ("P-101.speed".to_owned(), T0, 300.0),
            ("P-101.speed".to_owned(), T0 + S, 301.0),
            ("TK-101.level".to_owned(), T0 + 2 * S, -0.5),
        ],
        "header names are trimmed; empty cells give no sample"
    );
    assert_eq!(run.summary.rows, 3);
    assert_eq!(run.summary.samples, 4);
    assert_eq!(
        run.summary.signals,
        BTreeMap::from([
            (SignalId::new("P-101.speed"), 2),
            (SignalId::new("TK-101.level"), 2)
        ])
    );
    assert_eq!(run.summary.skipped_rows, 0);
    assert_eq!(run.summary.skipped_cells, 0, "sparse cells are not skipped");
    assert!(run.summary.problems.is_empty());
    assert_eq!(
        run.summary.time_span,
        Some((Timestamp(T0), Timestamp(T0 + 2 * S)))
    );
}

#[test]
fn wide_signal_ids_take_the_prefix() {
    let options = CsvOptions {
        signal_prefix: Some("P-101.".to_owned()),
        ..CsvOptions::default()
    };
    let run = import_with(b"ts,speed,current\n1795168800,1,2\n", &options).unwrap();
    assert_eq!(
        run.samples(),
        vec![
            ("P-101.speed".to_owned(), T0, 1.0),
            ("P-101.current".to_owned(), T0, 2.0)
        ]
    );
}

#[test]
fn long_layout_one_sample_per_row() {
    let run = import(
        "Timestamp,Tag,Value,Quality\n\
         2026-11-20T10:00:01Z,TK-101.level,2.5,good\n\
         2026-11-20T10:00:00Z, P-101.running ,true,good\n\
         2026-11-20T10:00:02Z,TK-101.level,1e3,bad\n",
    );
    assert_eq!(run.summary.layout, CsvLayout::Long);
    assert_eq!(
        run.samples(),
        vec![
            ("TK-101.level".to_owned(), T0 + S, 2.5),
            ("P-101.running".to_owned(), T0, 1.0),
            ("TK-101.level".to_owned(), T0 + 2 * S, 1000.0),
        ],
        "file order is kept even when times go backwards"
    );
    assert_eq!(
        run.summary.signals,
        BTreeMap::from([
            (SignalId::new("P-101.running"), 1),
            (SignalId::new("TK-101.level"), 2)
        ])
    );
    assert_eq!(
        run.summary.time_span,
        Some((Timestamp(T0), Timestamp(T0 + 2 * S)))
    );
    assert!(run.summary.problems.is_empty());
}

#[test]
fn long_layout_empty_and_nan_values_are_skipped_cells() {
    let run = import("time,signal,value\n1,a,\n2,a,NaN\n3,a,x\n4,,1\n5,a,7\n");
    assert_eq!(run.samples(), vec![("a".to_owned(), 5 * S, 7.0)]);
    assert_eq!(run.summary.rows, 5);
    assert_eq!(run.summary.skipped_rows, 4);
    assert_eq!(run.summary.skipped_cells, 3, "empty, NaN and `x`");
    assert_eq!(
        run.problems(),
        vec![
            "line 4, column `value`: not a number: \"x\" (signal `a`)".to_owned(),
            "line 5, column `signal`: no signal name".to_owned(),
        ]
    );
}

#[test]
fn layout_and_time_column_detection() {
    // (header + one row, forced layout, expected layout, expected time column name)
    let cases: &[(&str, Option<CsvLayout>, CsvLayout, &str)] = &[
        ("time,a,b\n1,2,3\n", None, CsvLayout::Wide, "time"),
        ("a,TIME,b\n2,1,3\n", None, CsvLayout::Wide, "TIME"),
        (
            "x,DateTime,value\n2,1,3\n",
            None,
            CsvLayout::Wide,
            "DateTime",
        ),
        ("stamp,a\n1,2\n", None, CsvLayout::Wide, "stamp"),
        ("date,name,value\n1,a,3\n", None, CsvLayout::Long, "date"),
        ("ts,id,value\n1,a,3\n", None, CsvLayout::Long, "ts"),
        (
            "time,signal,value\n1,a,3\n",
            Some(CsvLayout::Wide),
            CsvLayout::Wide,
            "time",
        ),
    ];
    for &(input, layout, expected, time_name) in cases {
        let options = CsvOptions {
            layout,
            ..CsvOptions::default()
        };
        let run =
            import_with(input.as_bytes(), &options).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(run.summary.layout, expected, "{input:?}");
        // The time column is the one whose cell holds 1 (one second after the epoch).
        let times: Vec<i64> = run.samples().iter().map(|s| s.1).collect();
        assert!(
            !times.is_empty() && times.iter().all(|&t| t == S),
            "{input:?}: time column `{time_name}` not used: {:?}",
            run.samples()
        );
    }
}

#[test]
fn the_time_column_can_be_named() {
    let options = CsvOptions {
        time_column: Some("Zeit".to_owned()),
        ..CsvOptions::default()
    };
    let run = import_with(b"a,zeit,time\n5,1,2\n", &options).unwrap();
    assert_eq!(
        run.samples(),
        vec![("a".to_owned(), S, 5.0), ("time".to_owned(), S, 2.0)],
        "matched case-insensitively; a column called `time` is then a signal"
    );
}

#[test]
fn a_missing_time_column_names_the_columns_seen() {
    let options = CsvOptions {
        time_column: Some("when".to_owned()),
        ..CsvOptions::default()
    };
    let e = import_err(b"time,TK-101.level\n1,2\n", &options);
    assert!(matches!(e, CsvError::TimeColumnNotFound { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "line 1: there is no time column `when`; the columns are `time`, `TK-101.level`"
    );
}

#[test]
fn long_layout_without_its_columns_is_an_error() {
    let long = CsvOptions {
        layout: Some(CsvLayout::Long),
        ..CsvOptions::default()
    };
    let e = import_err(b"time,tag,v\n1,a,2\n", &long);
    assert_eq!(
        e.to_string(),
        "line 1: the long layout needs a `value` column; the columns are `time`, `tag`, `v`"
    );
    let e = import_err(b"time,sensor,value\n1,a,2\n", &long);
    assert!(
        e.to_string()
            .contains("needs a `signal` (or `tag`, `name`, `id`) column"),
        "{e}"
    );
}

#[test]
fn duplicate_columns_are_an_error_naming_both() {
    let e = import_err(
        b"time,TK-101.level,P-101.speed, TK-101.level\n1,2,3,4\n",
        &CsvOptions::default(),
    );
    assert!(
        matches!(&e, CsvError::DuplicateColumn { name, first: 2, second: 4, .. } if name == "TK-101.level"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "line 1: columns 2 and 4 are both named `TK-101.level`"
    );
}

#[test]
fn fatal_header_errors() {
    let default = CsvOptions::default();
    assert!(matches!(import_err(b"", &default), CsvError::Empty));
    assert!(matches!(import_err(b"\n\r\n\n", &default), CsvError::Empty));
    assert_eq!(import_err(b"", &default).to_string(), "the file is empty");
    let e = import_err(b"1795168800,1.5,2\n1795168801,1.6,2\n", &default);
    assert!(matches!(e, CsvError::NoHeader { line: 1, .. }), "{e:?}");
    assert!(e.to_string().contains("`1795168800` is a time"), "{e}");
    assert!(matches!(
        import_err(b",,\n1,2,3\n", &default),
        CsvError::NoHeader { .. }
    ));
    let e = import_err(b"time\n1\n", &default);
    assert_eq!(
        e.to_string(),
        "line 1: no signal columns besides the time column `time`"
    );
    let e = import_err(b"time,ok,bad\xff\n1,2,3\n", &default);
    assert_eq!(
        e.to_string(),
        "line 1, column 3: the header name is not valid UTF-8"
    );
}

#[test]
fn time_formats() {
    let cases: &[(&str, i64)] = &[
        ("2026-11-20T10:00:00Z", T0),
        ("2026-11-20T10:00:00.123Z", T0 + 123_000_000),
        ("2026-11-20t10:00:00.000000001z", T0 + 1),
        ("2026-11-20T11:00:00+01:00", T0),
        ("2026-11-20 11:00:00+01:00", T0),
        ("2026-11-20T11:00:00.5+0100", T0 + S / 2),
        ("2026-11-20 05:00:00-05:00", T0),
        ("2026-11-20 10:00:00", T0),
        ("2026-11-20 10:00:00.25", T0 + S / 4),
        ("2026-11-20T10:00:00", T0),
        ("2026-11-20 10:00", T0),
        ("2026-11-20", T0 - 10 * 3600 * S),
        ("  2026-11-20T10:00:00Z ", T0),
        ("1795168800", T0),
        ("+1795168800", T0),
        ("1795168800.123456789", T0 + 123_456_789),
        ("1795168800.1234567899", T0 + 123_456_789),
        ("1795168800123", T0 + 123_000_000),
        ("1795168800123.456", T0 + 123_456_000),
        ("0", 0),
        ("0.5", S / 2),
        (".5", S / 2),
        ("-1.5", -3 * S / 2),
        ("1.7951688e9", T0),
        ("1.7951688e12", T0),
        ("100000000000", 100_000_000_000_000_000),
        ("9000000000", 9_000_000_000 * S),
    ];
    for &(text, nanos) in cases {
        assert_eq!(parse_time(text), Ok(Timestamp(nanos)), "{text:?}");
    }
    for (text, message) in [
        ("", "no time"),
        ("yesterday", "not a time: \"yesterday\""),
        ("2026-13-01T00:00:00Z", "not a time"),
        ("2026-11-20T25:00:00", "not a time"),
        ("1.2.3", "not a time"),
        ("-", "not a time"),
        ("NaN", "not a time"),
        ("inf", "not a time"),
        ("2026/11/20 10:00:00", "not a time"),
        ("9999-01-01T00:00:00Z", "time out of range"),
        ("10000000000000000000", "time out of range"),
        ("1795168800123456", "time out of range"),
        ("99999999999", "time out of range"),
        ("9300000000000", "time out of range"),
        ("1e300", "time out of range"),
    ] {
        match parse_time(text) {
            Err(e) => assert!(e.starts_with(message), "{text:?}: {e}"),
            Ok(t) => panic!("{text:?} parsed as {t:?}"),
        }
    }
}

#[test]
fn values() {
    let cases: &[(&str, bool, Cell)] = &[
        ("81.5", false, Cell::Value(81.5)),
        (" -0.5 ", false, Cell::Value(-0.5)),
        ("1e3", false, Cell::Value(1000.0)),
        ("+2", false, Cell::Value(2.0)),
        ("TRUE", false, Cell::Value(1.0)),
        ("false", false, Cell::Value(0.0)),
        ("", false, Cell::Empty),
        ("   ", false, Cell::Empty),
        ("NaN", false, Cell::Missing),
        ("nan", false, Cell::Missing),
        ("81,5", true, Cell::Value(81.5)),
        ("-1,25e2", true, Cell::Value(-125.0)),
        (
            "81,5",
            false,
            Cell::Bad("not a number: \"81,5\"".to_owned()),
        ),
        (
            "1,000,5",
            true,
            Cell::Bad("not a number: \"1,000,5\"".to_owned()),
        ),
        ("abc", false, Cell::Bad("not a number: \"abc\"".to_owned())),
        ("on", false, Cell::Bad("not a number: \"on\"".to_owned())),
        (
            "inf",
            false,
            Cell::Bad("not a finite number: \"inf\"".to_owned()),
        ),
        (
            "-1e400",
            false,
            Cell::Bad("not a finite number: \"-1e400\"".to_owned()),
        ),
    ];
    for (text, decimal_comma, expected) in cases {
        assert_eq!(&parse_value(text, *decimal_comma), expected, "{text:?}");
    }
    let Cell::Bad(message) = parse_value(&"x".repeat(10_000), false) else {
        panic!("not bad")
    };
    assert!(
        message.chars().count() < 70,
        "messages stay short: {message}"
    );
}

#[test]
fn delimiters_are_detected_from_the_header() {
    let semicolons = import("Zeit;TK-101.level;P-101.speed\n1;81,5;300\n");
    assert_eq!(
        semicolons.samples(),
        vec![
            ("TK-101.level".to_owned(), S, 81.5),
            ("P-101.speed".to_owned(), S, 300.0)
        ],
        "`;` files may use decimal commas"
    );
    let tabs = import("time\ta\tb\n1\t2\t3\n");
    assert_eq!(
        tabs.samples(),
        vec![("a".to_owned(), S, 2.0), ("b".to_owned(), S, 3.0)]
    );
    // The header has a comma, so `;` is just part of the name.
    let commas = import("time,a;b\n1,2\n");
    assert_eq!(commas.samples(), vec![("a;b".to_owned(), S, 2.0)]);
    let pipes = import_with(
        b"time|a\n1|2\n",
        &CsvOptions {
            delimiter: b'|',
            ..CsvOptions::default()
        },
    )
    .unwrap();
    assert_eq!(pipes.samples(), vec![("a".to_owned(), S, 2.0)]);
}
