//! The `headsup` command: a thin layer over the library (see `cli`).

#![warn(clippy::too_many_lines)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
