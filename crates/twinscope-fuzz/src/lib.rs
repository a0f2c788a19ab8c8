//! Seeded-mutation fuzzing of twinscope's parsers (the targets live in
//! `twinscope_core::fuzz`).
//!
//! Input number `i` of a campaign is a pure function of (campaign seed, target, `i`): a seed
//! input with one to eight stacked mutations (bit flips, interesting bytes and integers,
//! deletions, insertions of the format's own tokens, duplicated and repeated ranges for deep
//! nesting, splices of two seeds). So a crash found in a block of a million inputs is found
//! again by its number alone, and the supervisor (`main.rs`) can bisect a block whose child
//! process died without keeping any input.

use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use twinscope_core::fuzz::{Scratch, Target};

/// Inputs never grow past this, so a run of repeats cannot exhaust memory by itself.
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// SplitMix64: tiny, fast, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    /// A generator for input `index` of `target` in campaign `seed`.
    pub fn for_input(seed: u64, target: Target, index: u64) -> Rng {
        let salt = target
            .name()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
        let mut rng = Rng(seed ^ salt ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        rng.next_u64();
        rng
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// Bytes that tend to sit on parser edges.
const INTERESTING_BYTES: [u8; 12] = [
    0, 0xff, 0x7f, 0x80, b'0', b'9', b'"', b'\n', b'\\', b'[', b'{', b'-',
];

/// Integers that tend to sit on length and offset edges (written little-endian).
const INTERESTING_INTS: [u64; 9] = [
    0,
    1,
    0x7f,
    0xff,
    0xffff,
    0x7fff_ffff,
    0xffff_ffff,
    0x7fff_ffff_ffff_ffff,
    u64::MAX,
];

/// Input number `index` of `target`'s campaign `seed`, made from `seeds`.
pub fn input(seed: u64, target: Target, index: u64, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut rng = Rng::for_input(seed, target, index);
    if seeds.is_empty() || rng.below(64) == 0 {
        let len = rng.below(256);
        return (0..len).map(|_| rng.next_u64() as u8).collect();
    }
    let mut data = seeds[rng.below(seeds.len())].clone();
    let rounds = 1 + rng.below(8);
    for _ in 0..rounds {
        mutate_once(&mut rng, &mut data, seeds, target.dictionary());
    }
    data.truncate(MAX_INPUT_BYTES);
    data
}

/// One mutation of `data`, in place.
fn mutate_once(rng: &mut Rng, data: &mut Vec<u8>, seeds: &[Vec<u8>], dictionary: &[&[u8]]) {
    let len = data.len();
    let at = rng.below(len + 1);
    match rng.below(11) {
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            data[i] = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len())];
        }
        2 if len > 0 => {
            let i = rng.below(len);
            let n = (1 + rng.below(16)).min(len - i);
            data.drain(i..i + n);
        }
        3 => {
            let n = 1 + rng.below(8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            data.splice(at..at, bytes);
        }
        4 | 5 if !dictionary.is_empty() => {
            let token = dictionary[rng.below(dictionary.len())];
            data.splice(at..at, token.iter().copied());
        }
        6 if len > 0 => {
            let from = rng.below(len);
            let n = (1 + rng.below(64)).min(len - from);
            let copy = data[from..from + n].to_vec();
            data.splice(at..at, copy);
        }
        7 if !seeds.is_empty() => {
            let other = &seeds[rng.below(seeds.len())];
            let from = rng.below(other.len() + 1);
            data.truncate(at);
            data.extend_from_slice(&other[from..]);
        }
        8 if len >= 8 => {
            let width = [1usize, 2, 4, 8][rng.below(4)];
            let i = rng.below(len - width + 1);
            let value = INTERESTING_INTS[rng.below(INTERESTING_INTS.len())];
            data[i..i + width].copy_from_slice(&value.to_le_bytes()[..width]);
        }
        9 if len > 0 => {
            // Repeats: deep nesting and long runs, the inputs that find recursion limits.
            let from = rng.below(len);
            let n = (1 + rng.below(4)).min(len - from);
            let times = 1 << rng.below(14);
            let piece = data[from..from + n].to_vec();
            let repeated: Vec<u8> = piece
                .iter()
                .copied()
                .cycle()
                .take((n * times).min(MAX_INPUT_BYTES))
                .collect();
            data.splice(at.min(data.len())..at.min(data.len()), repeated);
        }
        _ if len > 1 => {
            let i = rng.below(len);
            let j = rng.below(len);
            data.swap(i, j);
        }
        _ => data.push(rng.next_u64() as u8),
    }
}

/// A panic caught while running one input.
#[derive(Debug, Clone, PartialEq)]
pub struct CaughtPanic {
    /// The input's number.
    pub index: u64,
    /// The panic's message and place.
    pub message: String,
}

/// What one block of inputs did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlockReport {
    /// Inputs run.
    pub ran: u64,
    /// Inputs the target accepted (the rest were refused with an error, as they should be).
    pub accepted: u64,
    /// Panics, each caught and the run continued.
    pub panics: Vec<CaughtPanic>,
}

/// The last panic's message, set by the hook [`run_block`] installs.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs inputs `start..start + count` of `target`'s campaign `seed` in this process, catching
/// panics. `before` is called with each input's number first (the supervisor's self-test uses
/// it to crash on purpose). Aborts and stack overflows end the process: run blocks in a child
/// (see the binary) to survive them.
pub fn run_block(
    target: Target,
    seed: u64,
    start: u64,
    count: u64,
    scratch: &Scratch,
    before: &mut dyn FnMut(u64),
) -> BlockReport {
    let seeds = target.seeds();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut slot) = LAST_PANIC.lock() {
            *slot = Some(info.to_string());
        }
    }));
    let mut report = BlockReport::default();
    for index in start..start.saturating_add(count) {
        before(index);
        let data = input(seed, target, index, &seeds);
        match std::panic::catch_unwind(AssertUnwindSafe(|| {
            twinscope_core::fuzz::run(target, &data, scratch)
        })) {
            Ok(accepted) => report.accepted += u64::from(accepted),
            Err(_) => {
                let message = LAST_PANIC
                    .lock()
                    .ok()
                    .and_then(|mut slot| slot.take())
                    .unwrap_or_else(|| "a panic without a message".to_owned());
                report.panics.push(CaughtPanic { index, message });
            }
        }
        report.ran += 1;
    }
    std::panic::set_hook(previous);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_a_function_of_their_number() {
        let seeds = Target::Csv.seeds();
        for index in [0, 1, 999_999] {
            assert_eq!(
                input(7, Target::Csv, index, &seeds),
                input(7, Target::Csv, index, &seeds)
            );
        }
        let distinct: std::collections::HashSet<Vec<u8>> =
            (0..200).map(|i| input(7, Target::Csv, i, &seeds)).collect();
        assert!(distinct.len() > 150, "{} distinct of 200", distinct.len());
    }
}
