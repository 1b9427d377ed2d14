//! `cargo xtask demo`: gmux on its built-in demo. The demo itself is `tests/src/bin/gmux-demo.rs`, beside the
//! browser harness it drives; this builds what it needs and runs it with a private Secret Service, so demo
//! accounts never land in the user's own keyring.

use anyhow::Result;

use crate::dist::{self, DistOptions};
use crate::{cargo, run, setup, workspace_root};

pub fn demo(args: &[String]) -> Result<()> {
    let firefox = args
        .windows(2)
        .any(|w| w[0] == "--browser" && w[1] == "firefox");
    setup::ensure_demo_tools(firefox)?;
    dist::dist(&DistOptions { release: false })?;
    run(cargo().args(["build", "-p", "gmux-host", "-p", "gmux-emulator", "--bins"]))?;
    run(cargo().args(["build", "-p", "gmux-e2e", "--bin", "gmux-demo"]))?;
    let root = workspace_root();
    let target = root.join("target/debug");
    let mut cmd = setup::with_keyring(target.join("gmux-demo"), &[]);
    cmd.args(args)
        .env("GMUX_HOST_BIN", target.join("gmux-host"))
        .env("GMUX_EMULATOR_BIN", target.join("gmux-emulator"))
        .env("GMUX_DIST_DIR", dist::dist_dir());
    run(&mut cmd)
}
