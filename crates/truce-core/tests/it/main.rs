//! Integration tests of the core: one binary, modules by subject.

mod acled;
mod agreement;
mod broken;
mod bulletin;
mod compliance;
mod incidents;
mod jsonl;
mod places;
mod registry;
mod ucdp;
mod zones;

use std::path::{Path, PathBuf};
use truce_core::{AgreementBundle, Problems, SourceFile};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Reads a file of the repository as a source named by its repository path.
pub fn source(rel: &str) -> SourceFile {
    let text = std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    SourceFile::new(rel, text)
}

/// Loads an agreement whose companions live in `dir`, with the main file given as text.
pub fn load_with(dir: &str, main: SourceFile) -> Result<AgreementBundle, Problems> {
    let dir = dir.to_owned();
    truce_core::load(main, move |name| {
        let rel = format!("{dir}/{name}");
        std::fs::read_to_string(root().join(&rel))
            .map(|t| SourceFile::new(rel, t))
            .map_err(|e| e.to_string())
    })
}

/// The nk-2020 agreement as shipped.
pub fn nk2020() -> AgreementBundle {
    match load_with(
        "agreements/nk-2020",
        source("agreements/nk-2020/agreement.toml"),
    ) {
        Ok(b) => b,
        Err(p) => panic!("nk-2020 does not load:\n{p}"),
    }
}
