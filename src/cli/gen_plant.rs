//! `twinscope gen-plant`: the demo plant model (or a large synthetic one) as GLB.

use std::path::PathBuf;
use std::process::ExitCode;

/// `gen-plant` arguments.
#[derive(clap::Args, Debug)]
pub(crate) struct GenPlantArgs {
    /// Output file.
    #[arg(long, default_value = "assets/plants/demo_plant.glb")]
    out: PathBuf,
    /// Generate a synthetic plant with this many assets instead of the demo plant.
    #[arg(long, value_name = "N")]
    assets: Option<usize>,
}

/// Writes the model; prints its size.
pub(crate) fn run(args: GenPlantArgs) -> anyhow::Result<ExitCode> {
    let bytes = twinscope_core::plantgen::write_plant_file(&args.out, args.assets)?;
    println!("wrote {} ({bytes} bytes)", args.out.display());
    Ok(ExitCode::SUCCESS)
}
