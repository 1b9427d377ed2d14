//! What each wasm module is made of, for the bench (issue 21): the code bytes per crate and the largest functions,
//! read from the module wasm-bindgen makes with the function names kept (the shipped one has them removed, so the
//! figures are the shipped code's). A `twiggy top`-like listing, small enough to need no tool: a wasm module is
//! sections; the code section holds one body per defined function, the `name` custom section their names.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;

/// One module's code, by function.
#[derive(Debug, Default, PartialEq)]
pub struct Contents {
    /// (name, body bytes) of each defined function.
    pub functions: Vec<(String, usize)>,
    /// Bytes of the data section (strings, tables, constants).
    pub data: usize,
}

fn leb(bytes: &[u8], at: &mut usize) -> Result<u64> {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let byte = *bytes.get(*at).context("the module ends inside a number")?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
        if shift > 63 {
            bail!("a number in the module is too long");
        }
    }
}

fn name(bytes: &[u8], at: &mut usize) -> Result<String> {
    let len = leb(bytes, at)? as usize;
    let text = bytes
        .get(*at..*at + len)
        .context("the module ends inside a name")?;
    *at += len;
    Ok(String::from_utf8_lossy(text).into_owned())
}

/// Reads the functions' sizes and names, and the data section's size.
pub fn contents(wasm: &[u8]) -> Result<Contents> {
    if wasm.get(..4) != Some(b"\0asm") {
        bail!("not a wasm module");
    }
    let mut at = 8;
    let mut imported = 0usize;
    let mut bodies = Vec::new();
    let mut names = BTreeMap::new();
    let mut data = 0;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at)? as usize;
        let end = at + size;
        let section = wasm
            .get(at..end)
            .context("a section runs past the module's end")?;
        let mut p = 0;
        match id {
            // Imports: functions imported take the first indices.
            2 => {
                for _ in 0..leb(section, &mut p)? {
                    name(section, &mut p)?;
                    name(section, &mut p)?;
                    let kind = section[p];
                    p += 1;
                    match kind {
                        0 => {
                            leb(section, &mut p)?;
                            imported += 1;
                        }
                        1 => {
                            p += 1;
                            let flags = leb(section, &mut p)?;
                            leb(section, &mut p)?;
                            if flags & 1 != 0 {
                                leb(section, &mut p)?;
                            }
                        }
                        2 => {
                            let flags = leb(section, &mut p)?;
                            leb(section, &mut p)?;
                            if flags & 1 != 0 {
                                leb(section, &mut p)?;
                            }
                        }
                        3 => p += 2,
                        4 => {
                            p += 1;
                            leb(section, &mut p)?;
                        }
                        other => bail!("an import of unknown kind {other}"),
                    }
                }
            }
            10 => {
                for _ in 0..leb(section, &mut p)? {
                    let len = leb(section, &mut p)? as usize;
                    bodies.push(len);
                    p += len;
                }
            }
            11 => data = size,
            0 if name(section, &mut p)? == "name" => {
                while p < section.len() {
                    let sub = section[p];
                    p += 1;
                    let len = leb(section, &mut p)? as usize;
                    if sub == 1 {
                        let mut q = p;
                        for _ in 0..leb(section, &mut q)? {
                            let index = leb(section, &mut q)? as usize;
                            names.insert(index, name(section, &mut q)?);
                        }
                    }
                    p += len;
                }
            }
            _ => {}
        }
        at = end;
    }
    let functions = bodies
        .into_iter()
        .enumerate()
        .map(|(i, len)| {
            let index = imported + i;
            let name = names
                .remove(&index)
                .unwrap_or_else(|| format!("function[{index}]"));
            (name, len)
        })
        .collect();
    Ok(Contents { functions, data })
}

const RUNTIME: &str = "(runtime and unnamed)";

/// The crate a function's code comes from, read from its name: demangled as wasm-bindgen leaves it
/// (`core[5930c8]::fmt::write::h…`, `<dlmalloc::Dlmalloc<…>>::malloc`) or mangled (`_ZN4core3fmt5write17h…E`):
/// the first path segment, or for `<T as Trait>` with a generic `T` the trait's crate. Names that are not Rust
/// paths (the allocator's `memcpy`, unnamed functions) are the runtime's.
pub fn crate_of(symbol: &str) -> String {
    let path = if symbol.starts_with("_ZN") {
        readable(symbol)
    } else {
        symbol.to_string()
    };
    let first = |text: &str| -> String {
        let text = text.trim_start_matches(['<', '&', '*']);
        let text = text.strip_prefix("mut ").unwrap_or(text);
        text.split([':', '[', '<', '>', ' ', ','])
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let mut krate = first(&path);
    if krate.len() <= 1 || krate.chars().next().is_some_and(char::is_uppercase) {
        krate = path
            .split_once(" as ")
            .map(|(_, trait_path)| first(trait_path))
            .unwrap_or_default();
    }
    let is_path = path.contains("::") && !krate.is_empty();
    if !is_path || !krate.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return RUNTIME.to_string();
    }
    krate
}

/// A readable function name: the path without hashes and crate disambiguators; a mangled one (`_ZN` +
/// length-prefixed parts) demangled first.
fn readable(symbol: &str) -> String {
    let path = match symbol.strip_prefix("_ZN") {
        Some(mut rest) => {
            let mut parts = Vec::new();
            while let Ok(len) = rest
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse::<usize>()
            {
                let digits = len.to_string().len();
                let Some(part) = rest.get(digits..digits + len) else {
                    break;
                };
                parts.push(part.to_string());
                rest = &rest[digits + len..];
            }
            parts
                .join("::")
                .replace("..", "::")
                .replace("$LT$", "<")
                .replace("$GT$", ">")
                .replace("$u20$", " ")
                .replace("$RF$", "&")
                .replace("$C$", ",")
                .trim_start_matches('_')
                .to_string()
        }
        None => symbol.to_string(),
    };
    // `::h` and 16 hex digits at the end; `[` hex `]` after a crate's name.
    let mut out = String::with_capacity(path.len());
    let mut rest = path.as_str();
    while let Some(open) = rest.find('[') {
        let close = rest[open..].find(']').map(|c| open + c);
        match close {
            Some(close) if rest[open + 1..close].chars().all(|c| c.is_ascii_hexdigit()) => {
                out.push_str(&rest[..open]);
                rest = &rest[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    match out.rfind("::h") {
        Some(at)
            if out.len() - at == 19 && out[at + 3..].chars().all(|c| c.is_ascii_hexdigit()) =>
        {
            out.truncate(at)
        }
        _ => {}
    }
    out
}

/// Lines for the bench's report: the code per crate (the largest `crates`, with their share) and the largest
/// `functions`.
pub fn report(module: &str, c: &Contents, crates: usize, functions: usize) -> Vec<String> {
    let code: usize = c.functions.iter().map(|(_, n)| n).sum();
    let mut by_crate: BTreeMap<String, usize> = BTreeMap::new();
    for (symbol, len) in &c.functions {
        *by_crate.entry(crate_of(symbol)).or_default() += len;
    }
    let mut by_crate: Vec<_> = by_crate.into_iter().collect();
    by_crate.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let kb = |n: usize| n as f64 / 1024.0;
    let share = |n: usize| 100.0 * n as f64 / code.max(1) as f64;
    let mut lines = vec![format!(
        "{module}: code {:.1} KB in {} functions, data {:.1} KB (raw, before gzip); code by crate:",
        kb(code),
        c.functions.len(),
        kb(c.data)
    )];
    lines.push(format!(
        "  {}",
        by_crate
            .iter()
            .take(crates)
            .map(|(k, n)| format!("{k} {:.1} KB ({:.0}%)", kb(*n), share(*n)))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let mut largest: Vec<_> = c.functions.iter().collect();
    largest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    lines.push(format!(
        "  largest functions: {}",
        largest
            .iter()
            .take(functions)
            .map(|(s, n)| format!("{} {:.1} KB", readable(s), kb(*n)))
            .collect::<Vec<_>>()
            .join("; ")
    ));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leb_bytes(mut n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return out;
            }
            out.push(byte | 0x80);
        }
    }

    fn section(id: u8, body: Vec<u8>) -> Vec<u8> {
        let mut out = vec![id];
        out.extend(leb_bytes(body.len()));
        out.extend(body);
        out
    }

    fn text(s: &str) -> Vec<u8> {
        let mut out = leb_bytes(s.len());
        out.extend(s.as_bytes());
        out
    }

    /// A module with one imported function, two defined ones (bodies of 3 and 200 bytes), 5 bytes of data, and
    /// names for the import and the second body only.
    fn module() -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        let mut imports = vec![1];
        imports.extend(text("env"));
        imports.extend(text("f"));
        imports.extend([0, 0]);
        wasm.extend(section(2, imports));
        let mut code = vec![2];
        code.extend(leb_bytes(3));
        code.extend([0, 0, 0x0b]);
        code.extend(leb_bytes(200));
        code.extend(vec![0u8; 200]);
        wasm.extend(section(10, code));
        wasm.extend(section(11, vec![0; 5]));
        let mut names = text("name");
        let mut sub = vec![2];
        sub.extend(leb_bytes(0));
        sub.extend(text("imported"));
        sub.extend(leb_bytes(2));
        sub.extend(text("_ZN10serde_json2de5parse17h0123456789abcdefE"));
        names.push(1);
        names.extend(leb_bytes(sub.len()));
        names.extend(sub);
        wasm.extend(section(0, names));
        wasm
    }

    #[test]
    fn reads_each_defined_function_with_its_name_and_size() {
        let c = contents(&module()).unwrap();
        assert_eq!(
            c,
            Contents {
                functions: vec![
                    ("function[1]".to_string(), 3),
                    (
                        "_ZN10serde_json2de5parse17h0123456789abcdefE".to_string(),
                        200
                    ),
                ],
                data: 5,
            }
        );
        let report = report("pages", &c, 3, 1);
        assert_eq!(
            report[1],
            "  serde_json 0.2 KB (99%), (runtime and unnamed) 0.0 KB (1%)"
        );
        assert_eq!(
            report[2],
            "  largest functions: serde_json::de::parse 0.2 KB"
        );
        assert!(contents(b"not wasm").is_err());
        assert!(contents(&module()[..30]).is_err());
    }

    #[test]
    fn names_read_without_hashes_or_disambiguators() {
        assert_eq!(
            readable("core[c5930c85a12de822]::fmt::write::h0123456789abcdef"),
            "core::fmt::write"
        );
        assert_eq!(
            readable("_ZN10serde_json2de5parse17h0123456789abcdefE"),
            "serde_json::de::parse"
        );
        assert_eq!(readable("a[x]::c"), "a[x]::c");
        assert_eq!(readable("memcpy"), "memcpy");
    }

    #[test]
    fn a_function_belongs_to_the_crate_its_name_starts_with_or_to_its_self_type() {
        let cases = [
            ("_ZN4core3fmt5write17h0123456789abcdefE", "core"),
            (
                "_ZN14gmux_extension5pages5inbox4draw17h0123456789abcdefE",
                "gmux_extension",
            ),
            (
                "_ZN76_$LT$serde_json..de..Deserializer$LT$R$GT$$u20$as$u20$serde..Deserializer$GT$3any17h0123456789abcdefE",
                "serde_json",
            ),
            ("core[c5930c85a12de822]::num::flt2dec::strategy::dragon::format_shortest", "core"),
            (
                "gmux_extension::pages::inbox::draw::h0103d3ecfade02c6",
                "gmux_extension",
            ),
            (
                "<dlmalloc[e24a27700634d609]::dlmalloc::Dlmalloc<dlmalloc[e24a27700634d609]::sys::System>>::malloc",
                "dlmalloc",
            ),
            (
                "gmux_core::messages::_::<impl serde_core::ser::Serialize for gmux_core::messages::Intent>::serialize::h8f20b159b6c8f491",
                "gmux_core",
            ),
            ("<&T as core[c5930c85a12de822]::fmt::Display>::fmt::h0123456789abcdef", "core"),
            ("memcpy", "(runtime and unnamed)"),
            ("function[12]", "(runtime and unnamed)"),
            ("_ZNbroken", "(runtime and unnamed)"),
        ];
        for (symbol, krate) in cases {
            assert_eq!(crate_of(symbol), krate, "{symbol}");
        }
    }
}
