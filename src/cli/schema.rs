//! `simulate schema`: the JSON Schema of scenario files.

use super::Failure;

/// Prints the schema, generated from the key table the parser uses.
pub(super) fn print_schema() -> Result<(), Failure> {
    let schema = serde_json::to_string_pretty(&crate::scenario::keys::schema()).map_err(Failure::other)?;
    say!("{schema}");
    Ok(())
}
