//! AFL++ harness for twinscope-core's fuzz targets (persistent mode).
//!
//! `twinscope-afl seeds DIR` writes each target's seeds to `DIR/<target>/`; under `cargo afl
//! fuzz` the target comes from `TWINSCOPE_FUZZ_TARGET` (scene, mqtt, mcap, csv, expr).

use twinscope_core::fuzz::{Scratch, Target};

fn main() {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("seeds") {
        let dir = std::path::PathBuf::from(args.next().expect("seeds DIR"));
        for target in Target::ALL {
            let folder = dir.join(target.name());
            std::fs::create_dir_all(&folder).expect("seed folder");
            for (i, seed) in target.seeds().iter().enumerate() {
                std::fs::write(folder.join(format!("seed-{i}")), seed).expect("seed file");
            }
        }
        return;
    }
    let name = std::env::var("TWINSCOPE_FUZZ_TARGET").expect("TWINSCOPE_FUZZ_TARGET");
    let target = Target::from_name(&name).expect("a target name");
    let scratch_dir = std::env::temp_dir().join(format!("twinscope-afl-{}", std::process::id()));
    let scratch = Scratch::new(&scratch_dir).expect("scratch folder");
    afl::fuzz!(|data: &[u8]| {
        twinscope_core::fuzz::run(target, data, &scratch);
    });
}
