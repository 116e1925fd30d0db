//! `simulate init`: a commented template scenario that runs as written.

use std::path::PathBuf;

use clap::Args;

use super::Failure;

/// Options of `simulate init`.
#[derive(Debug, Args)]
pub(super) struct InitArgs {
    /// The file to create (it must not exist).
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// The scenario `simulate init` writes.
const TEMPLATE: &str = include_str!("template.toml");

/// Writes the template, never over an existing file.
pub(super) fn init(args: &InitArgs) -> Result<(), Failure> {
    let file = &args.file;
    let exists = || Failure::Input(format!("{} exists; choose another name (init never overwrites)", file.display()));
    if std::fs::symlink_metadata(file).is_ok() {
        return Err(exists());
    }
    crate::files::write_new_file(file, TEMPLATE.as_bytes()).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => exists(),
        _ => Failure::Other(format!("cannot write {}: {e}", file.display())),
    })?;
    say!("wrote {}; run it with: simulate {}", file.display(), file.display());
    Ok(())
}
