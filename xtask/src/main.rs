//! gmux automation. `cargo xtask <command>`; see `cargo xtask help`.

mod bench;
mod demo;
mod dist;
mod install;
mod locales;
mod package;
mod package_checks;
mod setup;
mod test;
mod wasm_size;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

const HELP: &str = "\
cargo xtask <command>

  setup            install what building and testing need (Rust targets, wasm-bindgen-cli, geckodriver,
                   and on Debian as root: chromium, chromium-driver, firefox-esr, gnome-keyring, dbus, xvfb,
                   python3-venv, npm, musl-tools, mingw-w64, clang, llvm, wine64)
  dist [--release] build the extension into dist/chrome and dist/firefox (--release: store build, zipped)
  package [--check] build what people install into dist/packages: the .deb, a static Linux tarball, the
                   Windows zip of gmux-host, and the Chrome and Firefox store packages (--check: build
                   them and run the package checks of `test`)
  test [ARGS..]    run every test: unit, integration, the browser tests in Chromium and Firefox, and the
                   packages (the .deb installed and purged, Windows under Wine, a macOS cargo check)
  demo             run gmux on its built-in demo
  install          build in release, put gmux-host in ~/.local/bin and write its manifest for every browser found
  uninstall        undo install (accounts stay in the keyring until removed)
  bench            run every benchmark; writes BENCHMARKS.md and target/bench/bench.json
  sizes            what each wasm module of the last dist weighs, and what it is made of (by crate, the
                   largest functions)
";

fn main() {
    if let Err(e) = real_main() {
        eprintln!("xtask: error: {e:#}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = args
        .split_first()
        .map(|(c, r)| (c.as_str(), r))
        .unwrap_or(("help", &[]));
    match cmd {
        "setup" => setup::ensure_all(),
        "dist" => dist::dist(&dist::DistOptions {
            release: rest.iter().any(|a| a == "--release"),
        }),
        // The package checks of `cargo xtask test` alone, for working on the packages.
        "package" if rest == ["--check"] => package_checks::check_only(),
        "package" => package::package(rest),
        "test" => test::test(rest),
        "demo" => demo::demo(rest),
        "bench" => bench::bench(rest),
        "sizes" => {
            for line in dist::size_report()?
                .into_iter()
                .chain(dist::contributors_report()?)
            {
                println!("{line}");
            }
            Ok(())
        }
        "install" => install::install(),
        "uninstall" => install::uninstall(),
        "help" | "--help" | "-h" => {
            eprint!("{HELP}");
            Ok(())
        }
        other => bail!("unknown command {other:?}\n\n{HELP}"),
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

pub fn cargo_path() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

pub fn cargo() -> Command {
    let mut c = Command::new(cargo_path());
    c.current_dir(workspace_root());
    c
}

/// Runs a command to completion with inherited output; a non-zero exit is an error naming the command.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("could not start {:?}", cmd.get_program()))?;
    if !status.success() {
        bail!("{:?} failed ({status})", cmd);
    }
    Ok(())
}
