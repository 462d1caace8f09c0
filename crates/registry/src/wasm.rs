//! WebAssembly module checks with `wasmparser`: the module must validate, and every
//! function the manifest lists in `runtime.exports` must be exported as a function.

use wasmparser::{ExternalKind, Parser, Payload, TypeRef, Validator};

use crate::package_problem::PackageProblem;

/// What the registry learned about a module.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WasmInfo {
    /// Names of exported functions, in module order.
    pub exports: Vec<String>,
    /// `(module, name)` of every imported function.
    pub imports: Vec<(String, String)>,
    /// Module size in bytes.
    pub size: usize,
}

/// Validates `bytes` as a core WebAssembly module (components are refused) and checks
/// that each name in `declared_exports` is an exported function.
///
/// Problem codes: `invalid_wasm` (does not parse or validate, or is a component),
/// `missing_export` (one per missing or non-function export). Problems name the field
/// `runtime.entry` or `runtime.exports`.
pub fn check_wasm(
    bytes: &[u8],
    declared_exports: &[String],
) -> Result<WasmInfo, Vec<PackageProblem>> {
    let invalid = |msg: String| vec![PackageProblem::new("runtime.entry", "invalid_wasm", msg)];
    if !wasmparser::Parser::is_core_wasm(bytes) {
        return Err(invalid(if wasmparser::Parser::is_component(bytes) {
            "the entry is a WebAssembly component; only core modules are supported".to_string()
        } else {
            "the entry is not a WebAssembly module (bad magic number or version)".to_string()
        }));
    }
    if let Err(e) = Validator::new().validate_all(bytes) {
        return Err(invalid(format!("the module does not validate: {e}")));
    }
    let mut exports = Vec::new();
    let mut other_exports = Vec::new();
    let mut imports = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| invalid(format!("the module does not parse: {e}")))?;
        match payload {
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(|e| invalid(format!("bad export section: {e}")))?;
                    if export.kind == ExternalKind::Func {
                        exports.push(export.name.to_string());
                    } else {
                        other_exports.push(export.name.to_string());
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(|e| invalid(format!("bad import section: {e}")))?;
                    if matches!(import.ty, TypeRef::Func(_)) {
                        imports.push((import.module.to_string(), import.name.to_string()));
                    }
                }
            }
            _ => {}
        }
    }
    let problems: Vec<PackageProblem> = declared_exports
        .iter()
        .filter(|d| !exports.contains(d))
        .map(|d| {
            let why = if other_exports.contains(d) {
                "is exported but is not a function"
            } else {
                "is not exported by the module"
            };
            PackageProblem::new(
                "runtime.exports",
                "missing_export",
                format!("declared export `{d}` {why}"),
            )
        })
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(WasmInfo {
        exports,
        imports,
        size: bytes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::HELLO_WASM;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn hand_written_module_matches_wat() {
        assert_eq!(
            HELLO_WASM,
            wat::parse_str(r#"(module (func (export "run")))"#).unwrap()
        );
        let info = check_wasm(HELLO_WASM, &names(&["run"])).unwrap();
        assert_eq!(info.exports, ["run"]);
        assert_eq!(info.size, HELLO_WASM.len());
    }

    #[test]
    fn lists_exports_and_imports() {
        let m = wat::parse_str(
            r#"(module
                (import "trellis" "log" (func $log (param i32 i32)))
                (import "trellis" "kv_get" (func (param i32) (result i32)))
                (memory (export "memory") 1)
                (func (export "run") (result i32) i32.const 0)
                (func (export "describe")))"#,
        )
        .unwrap();
        let info = check_wasm(&m, &names(&["run", "describe"])).unwrap();
        assert_eq!(info.exports, ["run", "describe"]);
        assert_eq!(
            info.imports,
            [
                ("trellis".to_string(), "log".to_string()),
                ("trellis".to_string(), "kv_get".to_string())
            ]
        );
    }

    #[test]
    fn missing_exports_are_each_reported() {
        let m = wat::parse_str(r#"(module (memory (export "handle") 1) (func (export "run")))"#)
            .unwrap();
        let ps = check_wasm(&m, &names(&["run", "handle", "describe"])).unwrap_err();
        assert_eq!(ps.len(), 2);
        assert!(ps
            .iter()
            .all(|p| p.code == "missing_export" && p.field == "runtime.exports"));
        assert!(ps[0]
            .detail
            .contains("`handle` is exported but is not a function"));
        assert!(ps[1].detail.contains("`describe` is not exported"));
    }

    #[test]
    fn invalid_modules() {
        for bad in [&b"not wasm"[..], b"\0asm\x01\0\0\0\x01\xff", b""] {
            let ps = check_wasm(bad, &names(&["run"])).unwrap_err();
            assert_eq!(ps[0].code, "invalid_wasm", "{bad:?}");
        }
        // Parses but does not validate: the function returns nothing yet leaves an i32.
        // (wat encodes without type-checking.)
        let m = wat::parse_str(r#"(module (func (export "run") i32.const 1))"#).unwrap();
        let ps = check_wasm(&m, &names(&["run"])).unwrap_err();
        assert_eq!(ps[0].code, "invalid_wasm");
        assert!(
            ps[0].detail.contains("does not validate"),
            "{}",
            ps[0].detail
        );
        let component = wat::parse_str("(component)").unwrap();
        let ps = check_wasm(&component, &names(&["run"])).unwrap_err();
        assert!(ps[0].detail.contains("component"));
    }
}
