//! The fuzz campaign's short CI run, and proof that the supervisor finds what kills a child.

use std::process::Command;
use twinscope_core::fuzz::{Scratch, Target};

/// Inputs per target on every `cargo test`: a few seconds in all. Campaigns run millions by
/// hand (README "Fuzzing").
const CI_INPUTS: u64 = 3_000;

#[test]
fn every_target_survives_a_short_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = Scratch::new(dir.path()).unwrap();
    // Campaign seed 1 is the one the long runs used; CI runs the numbers after them, so each
    // run covers new inputs rather than the same ones again.
    let start = 10_000_000;
    for target in Target::ALL {
        let report = twinscope_fuzz::run_block(target, 1, start, CI_INPUTS, &scratch, &mut |_| {});
        assert_eq!(report.ran, CI_INPUTS);
        assert!(
            report.panics.is_empty(),
            "{}: {} panic(s), first: {:?}",
            target.name(),
            report.panics.len(),
            report.panics.first()
        );
        assert!(
            report.accepted > 0,
            "{}: no input was accepted: the mutations never reach past the first check",
            target.name()
        );
        eprintln!(
            "{}: {} inputs, {} accepted",
            target.name(),
            report.ran,
            report.accepted
        );
    }
}

#[test]
fn a_child_that_aborts_is_bisected_to_its_input_which_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_twinscope-fuzz"))
        .args(["--target", "csv", "--inputs", "300", "--block", "100"])
        .args(["--abort-at", "137", "--out"])
        .arg(dir.path())
        .output()
        .expect("the fuzzer runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !output.status.success(),
        "a finding fails the run\n{stderr}"
    );
    assert!(stderr.contains("csv: crash at input 137"), "{stderr}");
    assert!(
        dir.path().join("csv-crash-137.bin").is_file(),
        "the input is saved"
    );
    // The other 299 inputs still ran.
    let row: Vec<&str> = stdout
        .lines()
        .find(|line| line.starts_with("csv "))
        .map(|line| line.split_whitespace().collect())
        .unwrap_or_default();
    assert_eq!(row.get(1), Some(&"300"), "{stdout}");
    assert_eq!(row.get(5), Some(&"1"), "one crash: {stdout}");
}

/// Campaign seed 1's MCAP inputs that once aborted under a memory limit: a damaged length field
/// made the mcap crate allocate 4 GB before reading (a metadata record's name, a channel's
/// topic). Each must now run clean in a child limited to 1 GiB of address space.
#[test]
fn mcap_inputs_that_once_aborted_run_clean_under_a_memory_limit() {
    if Command::new("prlimit").arg("--version").output().is_err() {
        panic!("prlimit (util-linux) is needed to limit the children's memory");
    }
    let dir = tempfile::tempdir().unwrap();
    for index in [10_046u64, 10_309, 10_399, 10_463, 10_622] {
        let output = Command::new(env!("CARGO_BIN_EXE_twinscope-fuzz"))
            .args(["--target", "mcap", "--inputs", "1", "--memory-mib", "1024"])
            .args(["--start", &index.to_string(), "--out"])
            .arg(dir.path())
            .output()
            .expect("the fuzzer runs");
        assert!(
            output.status.success(),
            "input {index}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
