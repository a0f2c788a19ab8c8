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
    #[command(flatten)]
    source: SourceArgs,
    /// Open the MQTT connection panel at start.
    #[arg(long)]
    connection_panel: bool,
    /// Show the alarm list instead of the asset outliner at start.
    #[arg(long)]
    alarms: bool,
    /// Show the risk ranking instead of the asset outliner at start.
    #[arg(long)]
    risk: bool,
    /// Record every sample that arrives to this MCAP file (finished when the window closes).
    #[arg(long, value_name = "FILE.mcap")]
    record: Option<PathBuf>,
    /// Replay a recording (made by --record, `record` or `import`) instead of live data.
    #[arg(long, value_name = "FILE.mcap", conflicts_with_all = ["mqtt", "no_broker"])]
    replay: Option<PathBuf>,
    /// Open playing at this speed (0.1 to 1000; negative plays backwards), from --at.
    #[arg(long, value_name = "SPEED", allow_hyphen_values = true)]
    play: Option<f64>,
    /// Memory for history in MiB; past it the oldest data is evicted (each signal keeps its
    /// latest value).
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..))]
    history_mib: Option<u64>,
    /// Open with the time cursor paused at this time: start, end, -10m, 09:30 (local) or an
    /// RFC 3339 time.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    at: Option<String>,
    /// Select this asset (plant tag) once the model is loaded.
    #[arg(long, value_name = "TAG")]
    select: Option<String>,
    /// Run this what-if scenario at the opening cursor time (--at) once the model is loaded.
    #[arg(long, value_name = "NAME")]
    scenario: Option<String>,
    /// With --scenario: put the cursor this many seconds after the scenario's start once run.
    #[arg(long, value_name = "SECS", requires = "scenario")]
    scenario_t: Option<f64>,
}

/// What feeds the twin: the viewer and the headless recorder take the same flags.
#[derive(Args, Debug)]
struct SourceArgs {
    /// Seed of the built-in simulator, for reproducible runs.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Read live data from this MQTT broker (mqtt://host[:port] or mqtts://host[:port]) using
    /// the scene's [[topics]], instead of the embedded broker fed by the simulator.
    #[arg(long, value_name = "URL")]
    mqtt: Option<String>,
    #[command(flatten)]
    connection: MqttArgs,
    /// Port of the embedded broker (used when no broker is configured).
    #[arg(long, value_name = "PORT", default_value_t = twinscope::sources::broker::DEFAULT_PORT)]
    broker_port: u16,
    /// Address the embedded broker listens on; anything but loopback exposes an
    /// unauthenticated broker to the network.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    broker_listen: std::net::IpAddr,
    /// Feed the built-in simulator straight into the twin: no broker, no MQTT.
    #[arg(long, conflicts_with = "mqtt")]
    no_broker: bool,
    /// History the demo simulator makes up at start, so there is a past to scrub through
    /// (e.g. 1h, 30m; 0 for none). Default: 1h in the viewer, none for `record`. Not used
    /// with an external broker.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    backfill: Option<std::time::Duration>,
}

/// History the viewer's demo opens with.
const DEMO_BACKFILL: std::time::Duration = std::time::Duration::from_secs(3600);

/// Parses `90s`, `30m`, `1h`, `2h30m` or `0`.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    if text.trim() == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    let nanos = twinscope::core::cursor::parse_duration_ns(text)?;
    u64::try_from(nanos)
        .map(std::time::Duration::from_nanos)
        .map_err(|_| format!("`{text}` must not be negative"))
}

impl SourceArgs {
    /// These flags as the library's source options, with the command's default backfill.
    fn options(
        self,
        default_backfill: std::time::Duration,
    ) -> twinscope::sources::start::SourceOptions {
        twinscope::sources::start::SourceOptions {
            seed: self.seed,
            mqtt: self.connection.settings(self.mqtt),
            broker_listen: std::net::SocketAddr::new(self.broker_listen, self.broker_port),
            no_broker: self.no_broker,
            backfill: self.backfill.unwrap_or(default_backfill),
        }
    }
}

/// How to connect to a broker; each flag overrides the scene's `[mqtt]` key of the same name.
/// The user name comes from TWINSCOPE_MQTT_USERNAME (or `[mqtt] username`), the password from
/// TWINSCOPE_MQTT_PASSWORD or a password file, never from the scene itself.
#[derive(Args, Debug)]
struct MqttArgs {
    /// MQTT client id (a persistent session needs a stable one).
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// Keep-alive interval in seconds.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u16).range(5..))]
    keep_alive: Option<u16>,
    /// Keep the session across reconnects, so QoS 1 messages queued meanwhile arrive.
    #[arg(long)]
    persistent_session: bool,
    /// PEM CA file to verify the broker's certificate with (mqtts://), instead of the system
    /// roots.
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// PEM client certificate for mutual TLS (with --client-key).
    #[arg(long, value_name = "PEM", requires = "client_key")]
    client_cert: Option<PathBuf>,
    /// PEM private key of --client-cert.
    #[arg(long, value_name = "PEM", requires = "client_cert")]
    client_key: Option<PathBuf>,
    /// File whose first line is the password (also TWINSCOPE_MQTT_PASSWORD_FILE).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
}

impl MqttArgs {
    /// These flags as settings layered over the scene's `[mqtt]`.
    fn settings(self, broker: Option<String>) -> twinscope::core::scene::MqttSettings {
        twinscope::core::scene::MqttSettings {
            broker,
            client_id: self.client_id,
            keep_alive_s: self.keep_alive,
            persistent_session: self.persistent_session.then_some(true),
            ca_file: self.ca_file,
            client_cert: self.client_cert,
            client_key: self.client_key,
            password_file: self.password_file,
            ..Default::default()
        }
    }
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
        /// Broker to publish to, mqtt://host[:port] or mqtts://host[:port].
        #[arg(long, value_name = "URL")]
        broker: String,
        #[command(flatten)]
        connection: MqttArgs,
        /// Seed of the simulator.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Stop after this many seconds (default: run until interrupted).
        #[arg(long, value_name = "SECS")]
        duration: Option<f64>,
    },
    /// Record the scene's live source to an MCAP file, headless, until --duration or Ctrl-C.
    Record {
        /// Scene file whose source to record (default: the bundled demo plant).
        scene: Option<PathBuf>,
        #[command(flatten)]
        source: SourceArgs,
        /// The MCAP file to write.
        #[arg(long, value_name = "FILE.mcap")]
        out: PathBuf,
        /// Stop after this many seconds (default: until SIGINT/SIGTERM).
        #[arg(long, value_name = "SECS")]
        duration: Option<f64>,
        /// Overwrite --out if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Describe a recording: time span, signals, chunks, and anything damaged (exit 1).
    Info {
        /// The MCAP file.
        file: PathBuf,
        /// Read the summary only; do not decode every chunk to check it.
        #[arg(long)]
        quick: bool,
    },
    /// Import a historian CSV export (wide or long layout) into a recording; exit 1 if any row
    /// or cell was skipped.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// The MCAP file to write.
        #[arg(long, value_name = "FILE.mcap")]
        out: PathBuf,
        /// Layout: one column per signal (wide) or time,signal,value rows (long); default:
        /// detected from the header.
        #[arg(long, value_parser = ["wide", "long"])]
        layout: Option<String>,
        /// Name of the time column (default: time, timestamp, ts, datetime or date, else the
        /// first column).
        #[arg(long, value_name = "NAME")]
        time_column: Option<String>,
        /// Prepended to wide-layout column names to make signal ids (e.g. `P-101.`).
        #[arg(long, value_name = "P")]
        signal_prefix: Option<String>,
        /// Overwrite --out if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Replay a recording through the scene's alarms and write every alarm transition to CSV.
    Alarms {
        /// Scene file whose `[[alarms]]` to evaluate.
        scene: PathBuf,
        /// The recording (MCAP) to replay.
        #[arg(long, value_name = "FILE.mcap")]
        replay: PathBuf,
        /// The CSV file to write.
        #[arg(long, value_name = "FILE.csv")]
        out: PathBuf,
    },
    /// What-if scenarios: run one headless from the plant's state at a time and write a
    /// report, or list a scene's.
    #[command(subcommand)]
    Scenario(twinscope::commands::scenario::ScenarioCommand),
    /// Backtest forecasts and anomaly detection on history; write accuracy and anomalies as JSON.
    Analyze(twinscope::analyze::AnalyzeArgs),
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
        Some(Command::PublishDemo {
            broker,
            connection,
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
            let settings = connection.settings(Some(broker));
            twinscope::sources::mqtt::MqttConfig::from_settings(&settings, |key| {
                std::env::var(key).ok()
            })
            .map_err(anyhow::Error::from)
            .and_then(|config| {
                let never = std::sync::atomic::AtomicBool::new(false);
                let sim = twinscope::core::sim::DemoSimulator::new(
                    seed,
                    twinscope::core::signal::Timestamp::now(),
                );
                twinscope::sources::publish_demo::publish_demo(&config, sim, duration, &never)
            })
            .map(|published| {
                println!("published {published} messages");
                ExitCode::SUCCESS
            })
        }
        Some(Command::Record {
            scene,
            source,
            out,
            duration,
            force,
        }) => {
            let Ok(duration) = duration
                .map(std::time::Duration::try_from_secs_f64)
                .transpose()
            else {
                eprintln!("error: --duration must be a non-negative number of seconds");
                return ExitCode::from(2);
            };
            let options = twinscope::recording::cli::RecordOptions {
                scene: scene.unwrap_or_else(default_scene),
                source: source.options(std::time::Duration::ZERO),
                out,
                duration,
                force,
            };
            twinscope::recording::cli::record(&options).map(|report| {
                print!("{report}");
                ExitCode::SUCCESS
            })
        }
        Some(Command::Info { file, quick }) => twinscope::recording::cli::info(&file, !quick)
            .map_err(anyhow::Error::from)
            .map(|report| {
                print!("{}", report.text);
                if report.clean {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }),
        Some(Command::Import {
            file,
            out,
            layout,
            time_column,
            signal_prefix,
            force,
        }) => {
            use twinscope::sources::csv_import::{CsvLayout, CsvOptions};
            let options = twinscope::recording::import::ImportOptions {
                csv: file,
                out,
                csv_options: CsvOptions {
                    layout: layout.map(|l| {
                        if l == "long" {
                            CsvLayout::Long
                        } else {
                            CsvLayout::Wide
                        }
                    }),
                    time_column,
                    signal_prefix,
                    ..CsvOptions::default()
                },
                force,
            };
            twinscope::recording::import::import(&options).map(|report| {
                print!("{}", report.text);
                for problem in &report.problems {
                    eprintln!("{problem}");
                }
                if report.clean {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            })
        }
        Some(Command::Alarms { scene, replay, out }) => {
            twinscope::commands::alarms_csv(&scene, &replay, &out).map(|report| {
                print!("{report}");
                ExitCode::SUCCESS
            })
        }
        Some(Command::Scenario(command)) => {
            twinscope::commands::scenario::scenario(command).map(|report| {
                print!("{report}");
                ExitCode::SUCCESS
            })
        }
        Some(Command::Analyze(args)) => twinscope::analyze::run(&args).map(|report| {
            print!("{report}");
            ExitCode::SUCCESS
        }),
        Some(Command::GenPlant { out, assets }) => twinscope::commands::gen_plant(&out, assets)
            .map(|bytes| {
                println!("wrote {} ({bytes} bytes)", out.display());
                ExitCode::SUCCESS
            }),
        None => {
            let view = cli.view;
            let options = twinscope::app::ViewerOptions {
                source: view.source.options(DEMO_BACKFILL),
                connection_panel: view.connection_panel,
                alarm_panel: view.alarms,
                risk_panel: view.risk,
                record: view.record,
                replay: view.replay,
                at: view.at,
                history_mib: view.history_mib,
                play: view.play,
                scene: view.scene.unwrap_or_else(default_scene),
                screenshot: view.screenshot.map(|path| (path, view.after_frames)),
                select: view.select,
                scenario: view.scenario.map(|name| (name, view.scenario_t)),
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
