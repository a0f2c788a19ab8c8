//! `twinscope check SCENE`: validate a scene against its model, no window.

use std::path::PathBuf;
use std::process::ExitCode;
use twinscope_core::scene::LoadedScene;

/// `check` arguments.
#[derive(clap::Args, Debug)]
pub(crate) struct CheckArgs {
    /// Scene file (TOML).
    scene: PathBuf,
}

/// Prints the report (to stderr when it has errors); exit 1 on errors.
pub(crate) fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let report = LoadedScene::load(&args.scene)?.check();
    let ok = !report.has_errors();
    if ok {
        print!("{}", report.render());
    } else {
        eprint!("{}", report.render());
    }
    Ok(super::exit_clean(ok))
}
