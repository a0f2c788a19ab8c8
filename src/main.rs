//! The `twinscope` command line: the viewer by default, plus headless subcommands. Each
//! subcommand is one file under `cli/`; the headless ones start no Bevy app.

// The doc comments under cli/ are clap's help text, written for a terminal (`host[:port]`,
// `[[topics]]`), not rustdoc links.
#![allow(rustdoc::broken_intra_doc_links)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
