//! [`pack_dir`]: builds a deterministic `.tar.gz` from a plugin directory, for the
//! publisher CLI.

use std::io;
use std::path::Path;

use tar::EntryType;

use crate::archive::MANIFEST_FILE;
use crate::package_problem::PackageProblem;

/// Builds a deterministic `.tar.gz` from a plugin directory: entries sorted by path,
/// mtime 0, mode 0644, uid/gid 0, no owner names; dotfiles/dot-directories and `target/`
/// directories are skipped. Symlinks are refused (`symlink`), as are other non-regular
/// files (`special_file`) and non-UTF-8 names (`non_utf8_path`); a missing `plugin.toml`
/// is reported as `missing_file` and unreadable files as `io_error`. The result is not
/// checked: pass it to [`crate::validate_package`] for that.
pub fn pack_dir(dir: &Path) -> Result<Vec<u8>, Vec<PackageProblem>> {
    let mut problems = Vec::new();
    let mut files = Vec::new();
    collect(dir, "", &mut files, &mut problems);
    files.sort();
    if !files.iter().any(|(rel, _)| rel == MANIFEST_FILE) {
        problems.push(PackageProblem::new(
            PackageProblem::archive_field(MANIFEST_FILE),
            "missing_file",
            format!("`{}` has no {MANIFEST_FILE}", dir.display()),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let io_err = |e: io::Error| {
        vec![PackageProblem::new(
            "package",
            "io_error",
            format!("could not build the archive: {e}"),
        )]
    };
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    let mut builder = tar::Builder::new(gz);
    for (rel, abs) in &files {
        let data = std::fs::read(abs).map_err(|e| {
            vec![PackageProblem::new(
                PackageProblem::archive_field(rel),
                "io_error",
                format!("could not read `{}`: {e}", abs.display()),
            )]
        })?;
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(EntryType::Regular);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        builder
            .append_data(&mut header, rel, data.as_slice())
            .map_err(io_err)?;
    }
    let gz = builder.into_inner().map_err(io_err)?;
    gz.finish().map_err(io_err)
}

fn collect(
    dir: &Path,
    prefix: &str,
    out: &mut Vec<(String, std::path::PathBuf)>,
    problems: &mut Vec<PackageProblem>,
) {
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) => {
            problems.push(PackageProblem::new(
                "package",
                "io_error",
                format!("could not read `{}`: {e}", dir.display()),
            ));
            return;
        }
    };
    for item in read {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                problems.push(PackageProblem::new(
                    "package",
                    "io_error",
                    format!("could not read `{}`: {e}", dir.display()),
                ));
                continue;
            }
        };
        let Some(name) = item.file_name().to_str().map(str::to_string) else {
            problems.push(PackageProblem::new(
                "package",
                "non_utf8_path",
                format!("`{}` has a name that is not UTF-8", item.path().display()),
            ));
            continue;
        };
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if name.starts_with('.') {
            continue;
        }
        let ft = match item.file_type() {
            Ok(ft) => ft,
            Err(e) => {
                problems.push(PackageProblem::new(
                    PackageProblem::archive_field(&rel),
                    "io_error",
                    e.to_string(),
                ));
                continue;
            }
        };
        if ft.is_symlink() {
            problems.push(PackageProblem::new(
                PackageProblem::archive_field(&rel),
                "symlink",
                format!("`{rel}` is a symbolic link; packages may only contain regular files"),
            ));
        } else if ft.is_dir() {
            if name != "target" {
                collect(&item.path(), &rel, out, problems);
            }
        } else if ft.is_file() {
            out.push((rel, item.path()));
        } else {
            problems.push(PackageProblem::new(
                PackageProblem::archive_field(&rel),
                "special_file",
                format!("`{rel}` is not a regular file"),
            ));
        }
    }
}
