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
    /// Read live data from this MQTT broker (mqtt://host[:port]) using the scene's [[topics]],
    /// instead of the built-in simulator. Credentials, if needed, come from the environment:
    /// TWINSCOPE_MQTT_USERNAME and TWINSCOPE_MQTT_PASSWORD.
    #[arg(long, value_name = "URL")]
    mqtt: Option<String>,
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
    /// Run the demo-plant simulator as a standalone MQTT publisher (topics plant/TAG/quantity).
    PublishDemo {
        /// Broker to publish to, mqtt://host[:port].
        #[arg(long, value_name = "URL")]
        broker: String,
        /// Seed of the simulator.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Stop after this many seconds (default: run until interrupted).
        #[arg(long, value_name = "SECS")]
        duration: Option<f64>,
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

/// Broker settings from `--mqtt URL` plus credentials from the environment.
fn mqtt_config(url: &str) -> anyhow::Result<twinscope::sources::mqtt::MqttConfig> {
    let mut config = twinscope::sources::mqtt::MqttConfig::from_url(url)?;
    if let Ok(username) = std::env::var("TWINSCOPE_MQTT_USERNAME") {
        let password = std::env::var("TWINSCOPE_MQTT_PASSWORD").unwrap_or_default();
        config.credentials = Some((username, password));
    }
    Ok(config)
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
        Some(Command::PublishDemo {
            broker,
            seed,
            duration,
        }) => {
            let duration = match duration
                .map(std::time::Duration::try_from_secs_f64)
                .transpose()
            {
                Ok(duration) => duration,
                Err(_) => {
                    eprintln!("error: --duration must be a non-negative number of seconds");
                    return ExitCode::from(2);
                }
            };
            mqtt_config(&broker)
                .and_then(|config| {
                    twinscope::sources::publish_demo::publish_demo(&config, seed, duration)
                })
                .map(|published| {
                    println!("published {published} messages");
                    ExitCode::SUCCESS
                })
        }
        Some(Command::GenPlant { out, assets }) => twinscope::commands::gen_plant(&out, assets)
            .map(|bytes| {
                println!("wrote {} ({bytes} bytes)", out.display());
                ExitCode::SUCCESS
            }),
        None => {
            let mqtt = match cli.view.mqtt.as_deref().map(mqtt_config).transpose() {
                Ok(mqtt) => mqtt,
                Err(error) => {
                    eprintln!("error: {error}");
                    return ExitCode::from(2);
                }
            };
            let options = twinscope::app::ViewerOptions {
                mqtt,
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
