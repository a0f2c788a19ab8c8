//! The `twinscope` command line: the viewer by default, plus headless subcommands. Each
//! subcommand is one file under `cli/`; the headless ones start no Bevy app.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
