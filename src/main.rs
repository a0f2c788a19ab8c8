//! The `twinscope` command line: the viewer by default, plus headless subcommands.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Desktop 3D digital twin: plant models bound to live sensor data.
#[derive(Parser, Debug)]
#[command(
    name = "twinscope",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    view: ViewArgs,
}

#[derive(Args, Debug)]
struct ViewArgs {
    /// Scene file to open (default: the bundled demo plant).
    scene: Option<PathBuf>,
    /// Render the window, save a PNG here and exit (a `.json` of asset regions goes beside it).
    #[arg(long, value_name = "PNG")]
    screenshot: Option<PathBuf>,
    /// With --screenshot: frames to render after the plant is ready before capturing.
    #[arg(long, value_name = "N", default_value_t = 30, requires = "screenshot")]
    after_frames: u32,
    /// Seed of the built-in simulator, for reproducible runs.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Select this asset (plant tag) once the model is loaded.
    #[arg(long, value_name = "TAG")]
    select: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate a scene file against its model without opening a window.
    Check {
        /// Scene file (TOML).
        scene: PathBuf,
    },
    /// Generate the demo plant model (or a large synthetic one) as GLB.
    GenPlant {
        /// Output file.
        #[arg(long, default_value = "assets/plants/demo_plant.glb")]
        out: PathBuf,
        /// Generate a synthetic plant with this many assets instead of the demo plant.
        #[arg(long, value_name = "N")]
        assets: Option<usize>,
    },
}

/// The bundled demo scene: relative to the working directory, else to the source checkout.
fn default_scene() -> PathBuf {
    let relative = PathBuf::from("scenes/demo_plant.toml");
    if relative.exists() {
        relative
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Check { scene }) => twinscope::commands::check(&scene).map(|(report, ok)| {
            if ok {
                print!("{report}");
                ExitCode::SUCCESS
            } else {
                eprint!("{report}");
                ExitCode::from(1)
            }
        }),
        Some(Command::GenPlant { out, assets }) => twinscope::commands::gen_plant(&out, assets)
            .map(|bytes| {
                println!("wrote {} ({bytes} bytes)", out.display());
                ExitCode::SUCCESS
            }),
        None => {
            let options = twinscope::app::ViewerOptions {
                scene: cli.view.scene.unwrap_or_else(default_scene),
                screenshot: cli
                    .view
                    .screenshot
                    .map(|path| (path, cli.view.after_frames)),
                seed: cli.view.seed,
                select: cli.view.select,
            };
            twinscope::app::run_viewer(options).map(|exit| match exit {
                bevy::app::AppExit::Success => ExitCode::SUCCESS,
                bevy::app::AppExit::Error(code) => ExitCode::from(code.get()),
            })
        }
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::from(2)
    })
}
