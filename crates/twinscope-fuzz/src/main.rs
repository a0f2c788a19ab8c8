//! `twinscope-fuzz`: runs fuzz campaigns against twinscope's parsers.
//!
//! The supervisor runs blocks of inputs in child processes (itself, with `--child`), so an
//! abort, a stack overflow, a runaway allocation (each child runs under `prlimit --as`) or a
//! hang only ends that child: the block is then bisected by input number down to the input
//! that did it, which is saved, and the campaign goes on after it.

use anyhow::Context;
use clap::Parser;
use std::io::{BufRead, BufReader, Write as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use twinscope_core::fuzz::{Scratch, Target};

/// Fuzz twinscope's parsers with seeded mutations.
#[derive(Parser, Debug)]
#[command(name = "twinscope-fuzz")]
struct Args {
    /// Targets to fuzz (scene, mqtt, mcap, csv, expr); all when none is given.
    #[arg(long = "target", value_name = "NAME")]
    targets: Vec<String>,
    /// Inputs per target.
    #[arg(long, default_value_t = 100_000)]
    inputs: u64,
    /// Campaign seed: the same seed and numbers give the same inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// First input number (to resume or to rerun one input with `--inputs 1`).
    #[arg(long, default_value_t = 0)]
    start: u64,
    /// Inputs per child process.
    #[arg(long, default_value_t = 5_000)]
    block: u64,
    /// Where crashing inputs are saved.
    #[arg(long, default_value = "target/fuzz-findings")]
    out: PathBuf,
    /// Address-space limit of each child, MiB (needs `prlimit`; 0: none).
    #[arg(long, default_value_t = 4096)]
    memory_mib: u64,
    /// Seconds a block of inputs may take before it counts as a hang.
    #[arg(long, default_value_t = 300)]
    block_timeout: u64,
    /// Child mode: run one block in this process and report on stdout.
    #[arg(long, hide = true)]
    child: bool,
    /// Self-test: the child aborts at this input number, to prove crashes are found.
    #[arg(long, hide = true)]
    abort_at: Option<u64>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let targets = if args.targets.is_empty() {
        Target::ALL.to_vec()
    } else {
        args.targets
            .iter()
            .map(|name| {
                Target::from_name(name).with_context(|| {
                    format!("--target {name}: not one of scene, mqtt, mcap, csv, expr")
                })
            })
            .collect::<anyhow::Result<_>>()?
    };
    if args.child {
        return child(&args, targets[0]);
    }
    let mut failed = false;
    println!("TARGET  INPUTS      ACCEPTED  PANICS  CRASHES  HANGS  INPUTS/S");
    for target in targets {
        let totals = supervise(&args, target)?;
        failed |= totals.findings() > 0;
        println!(
            "{:<6}  {:>9}  {:>7.1} %  {:>6}  {:>7}  {:>5}  {:>8.0}",
            target.name(),
            totals.ran,
            100.0 * totals.accepted as f64 / totals.ran.max(1) as f64,
            totals.panics,
            totals.crashes,
            totals.hangs,
            totals.ran as f64 / totals.seconds.max(1e-9)
        );
    }
    if failed {
        anyhow::bail!("findings saved in {}", args.out.display());
    }
    Ok(())
}

/// Runs one block here and reports each panic and the totals on stdout.
fn child(args: &Args, target: Target) -> anyhow::Result<()> {
    let scratch_dir = std::env::temp_dir().join(format!("twinscope-fuzz-{}", std::process::id()));
    let scratch = Scratch::new(&scratch_dir).context("cannot make the scratch folder")?;
    let abort_at = args.abort_at;
    let report = twinscope_fuzz::run_block(
        target,
        args.seed,
        args.start,
        args.inputs,
        &scratch,
        &mut |index| {
            if abort_at == Some(index) {
                std::process::abort();
            }
        },
    );
    let _ = std::fs::remove_dir_all(&scratch_dir);
    let mut out = std::io::stdout().lock();
    for panic in &report.panics {
        writeln!(
            out,
            "panic {} {}",
            panic.index,
            panic.message.replace('\n', " ")
        )?;
    }
    writeln!(out, "done {} {}", report.ran, report.accepted)?;
    Ok(())
}

/// A campaign's counts.
#[derive(Default)]
struct Totals {
    ran: u64,
    accepted: u64,
    panics: u64,
    crashes: u64,
    hangs: u64,
    seconds: f64,
}

impl Totals {
    fn findings(&self) -> u64 {
        self.panics + self.crashes + self.hangs
    }
}

/// How one child run ended.
enum ChildEnd {
    /// It ran every input: (ran, accepted, panics as (index, message)).
    Done(u64, u64, Vec<(u64, String)>),
    /// It died (signal or error exit) before finishing.
    Crashed(String),
    /// It ran past the block timeout and was killed.
    Hung,
}

fn supervise(args: &Args, target: Target) -> anyhow::Result<Totals> {
    let started = Instant::now();
    let mut totals = Totals::default();
    let end = args.start.saturating_add(args.inputs);
    let mut next = args.start;
    while next < end {
        let count = args.block.max(1).min(end - next);
        run_range(args, target, next, count, &mut totals)?;
        next += count;
        eprintln!(
            "{}: {}/{} inputs, {:.0}/s, {} finding(s)",
            target.name(),
            next - args.start,
            args.inputs,
            (next - args.start) as f64 / started.elapsed().as_secs_f64().max(1e-9),
            totals.findings()
        );
    }
    totals.seconds = started.elapsed().as_secs_f64();
    Ok(totals)
}

/// Runs `start..start + count` in a child; on a crash or hang, bisects to the input.
fn run_range(
    args: &Args,
    target: Target,
    start: u64,
    count: u64,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    match spawn_child(args, target, start, count)? {
        ChildEnd::Done(ran, accepted, panics) => {
            totals.ran += ran;
            totals.accepted += accepted;
            for (index, message) in panics {
                totals.panics += 1;
                save_finding(args, target, index, "panic", &message)?;
            }
        }
        end if count == 1 => {
            totals.ran += 1;
            let (kind, detail) = match end {
                ChildEnd::Hung => {
                    totals.hangs += 1;
                    ("hang", format!("ran past {} s", args.block_timeout))
                }
                ChildEnd::Crashed(why) => {
                    totals.crashes += 1;
                    ("crash", why)
                }
                ChildEnd::Done(..) => unreachable!("matched above"),
            };
            save_finding(args, target, start, kind, &detail)?;
        }
        _ => {
            let half = count / 2;
            run_range(args, target, start, half, totals)?;
            run_range(args, target, start + half, count - half, totals)?;
        }
    }
    Ok(())
}

fn spawn_child(args: &Args, target: Target, start: u64, count: u64) -> anyhow::Result<ChildEnd> {
    let exe = std::env::current_exe().context("cannot find this program")?;
    let mut command = if args.memory_mib > 0 && which("prlimit") {
        let mut command = Command::new("prlimit");
        command
            .arg(format!("--as={}", args.memory_mib * 1024 * 1024))
            .arg("--")
            .arg(&exe);
        command
    } else {
        Command::new(&exe)
    };
    command
        .args(["--child", "--target", target.name()])
        .args(["--seed", &args.seed.to_string()])
        .args(["--start", &start.to_string()])
        .args(["--inputs", &count.to_string()]);
    if let Some(at) = args.abort_at {
        command.args(["--abort-at", &at.to_string()]);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start a fuzzing child")?;
    let stdout = child.stdout.take().context("child stdout")?;
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });
    let stderr = child.stderr.take().context("child stderr")?;
    let errors = std::thread::spawn(move || {
        let lines: Vec<String> = BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .collect();
        lines
            .into_iter()
            .rev()
            .take(3)
            .collect::<Vec<_>>()
            .join(" / ")
    });
    let deadline = Instant::now() + Duration::from_secs(args.block_timeout);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let lines = reader.join().unwrap_or_default();
    let stderr_tail = errors.join().unwrap_or_default();
    let Some(status) = status else {
        return Ok(ChildEnd::Hung);
    };
    let mut panics = Vec::new();
    for line in &lines {
        if let Some(rest) = line.strip_prefix("panic ") {
            let (index, message) = rest.split_once(' ').unwrap_or((rest, ""));
            panics.push((index.parse().unwrap_or(start), message.to_owned()));
        }
        if let Some(rest) = line.strip_prefix("done ")
            && status.success()
        {
            let mut numbers = rest.split(' ').map(|n| n.parse().unwrap_or(0));
            let (ran, accepted) = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
            return Ok(ChildEnd::Done(ran, accepted, panics));
        }
    }
    Ok(ChildEnd::Crashed(format!("{status}: {stderr_tail}")))
}

/// Saves a finding's input as `<target>-<kind>-<index>.bin` and says so on stderr.
fn save_finding(
    args: &Args,
    target: Target,
    index: u64,
    kind: &str,
    detail: &str,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let data = twinscope_fuzz::input(args.seed, target, index, &target.seeds());
    let path = args
        .out
        .join(format!("{}-{kind}-{index}.bin", target.name()));
    std::fs::write(&path, &data).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!(
        "{}: {kind} at input {index} ({} bytes, saved as {}): {detail}",
        target.name(),
        data.len(),
        path.display()
    );
    Ok(())
}

/// Whether `program` is on the PATH.
fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}
