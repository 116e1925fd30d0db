//! `simulate`: the command line of muster. All the work is in the library.

fn main() -> std::process::ExitCode {
    muster::cli::main(std::env::args_os())
}
