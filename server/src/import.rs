//! `trellis import FILE.jsonl --namespace NS [--demo] [--owner USER]`: loads a
//! plugin catalogue (see `trellis_platform::registry::import`) into the
//! configured database and prints what it did.

use std::fmt::Write as _;
use std::path::Path;

use trellis_platform::registry::import::{self, ImportOptions, ImportSummary};
use trellis_platform::AppState;

/// Runs the import and returns the report to print, or the error sentence.
pub async fn run(state: &AppState, file: &Path, opts: &ImportOptions) -> Result<String, String> {
    if opts.namespace.trim().is_empty() {
        return Err("--namespace: name the namespace to import into".into());
    }
    match import::import_file(state, file, opts).await {
        Ok(summary) => Ok(report(file, &summary)),
        Err(e) => {
            // Never print the internals of an unexpected failure as if they were the reason.
            if e.code == trellis_types::ErrorCode::Internal {
                tracing::error!(error = ?e, "import failed");
                Err(format!(
                    "importing {} failed on our side; the log has the details",
                    file.display()
                ))
            } else {
                Err(e.detail)
            }
        }
    }
}

/// Lines with skipped versions shown (all are counted).
const SHOWN_WARNINGS: usize = 10;

/// The summary as printed.
pub fn report(file: &Path, s: &ImportSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "imported {} into namespace `{}`{} in {:.2} s",
        file.display(),
        s.namespace,
        if s.namespace_created {
            " (created)"
        } else {
            ""
        },
        s.elapsed.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "  plugins: {} created, {} updated, {} unchanged, {} lines skipped",
        s.created, s.updated, s.unchanged, s.skipped
    );
    let _ = writeln!(
        out,
        "  versions: {} written, {} normalised (v1.2 -> 1.2.0), {} skipped (not SemVer)",
        s.versions, s.versions_normalised, s.versions_skipped
    );
    for p in &s.problems {
        let _ = writeln!(out, "  line {}: skipped: {}", p.line, p.message);
    }
    if s.skipped > s.problems.len() {
        let _ = writeln!(
            out,
            "  … and {} more skipped lines",
            s.skipped - s.problems.len()
        );
    }
    for w in s.warnings.iter().take(SHOWN_WARNINGS) {
        let _ = writeln!(out, "  line {}: {}", w.line, w.message);
    }
    if s.warnings.len() > SHOWN_WARNINGS {
        let _ = writeln!(
            out,
            "  … and more lines with versions skipped ({} versions in all)",
            s.versions_skipped
        );
    }
    out
}
