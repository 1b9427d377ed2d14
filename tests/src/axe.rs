//! The accessibility engine in the browser tests: Deque's axe-core, installed by `cargo xtask setup` (pinned, from
//! npm, into `target/axe-core/`), injected into the page under test through WebDriver and run there.
//!
//! Extension pages have a strict content security policy (`script-src 'self'`), so a `<script>` element with
//! axe's source would be refused; a WebDriver script runs on the driver's authority instead, in the page's own
//! window, and the `axe` it defines stays there until the next navigation. Checked in Chromium and Firefox.
//!
//! The rules run are WCAG 2.0, 2.1 and 2.2 at levels A and AA, axe's best practices (one `h1`, landmarks), and
//! label-in-name (WCAG 2.5.3), which axe still counts as experimental.
//! Mail shown in the reader's sandboxed frames is the sender's markup, not gmux's, so frames are not entered.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::{paths, ExtensionBrowser, HarnessError, Result};

/// How bad a violation is, as axe rates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    Minor,
    Moderate,
    Serious,
    Critical,
}

impl Impact {
    fn from_axe(word: &str) -> Impact {
        match word {
            "minor" => Impact::Minor,
            "moderate" => Impact::Moderate,
            "serious" => Impact::Serious,
            // axe leaves the impact out only for rules it cannot rate; treat the unknown as the worst.
            _ => Impact::Critical,
        }
    }
}

/// One rule broken on the page, with the elements that break it.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// axe's rule id, e.g. `color-contrast`.
    pub rule: String,
    pub impact: Impact,
    /// axe's one-line description of what the rule asks.
    pub help: String,
    /// Each failing element: its CSS selector, its markup (cut short) and axe's explanation.
    pub nodes: Vec<ViolationNode>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ViolationNode {
    pub target: String,
    pub html: String,
    pub summary: String,
}

/// What axe found on one page in one state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AxeReport {
    pub violations: Vec<Violation>,
}

impl AxeReport {
    /// The violations rated `impact` or worse.
    pub fn at_least(&self, impact: Impact) -> Vec<&Violation> {
        self.violations
            .iter()
            .filter(|v| v.impact >= impact)
            .collect()
    }

    /// The violations whose rule is not in `accepted`.
    pub fn except(&self, accepted: &[&str]) -> Vec<&Violation> {
        self.violations
            .iter()
            .filter(|v| !accepted.contains(&v.rule.as_str()))
            .collect()
    }

    /// The violations as lines a person can act on: rule, impact, what it asks, and each element.
    pub fn describe(violations: &[&Violation]) -> String {
        let mut out = String::new();
        for v in violations {
            out.push_str(&format!("- {} ({:?}): {}\n", v.rule, v.impact, v.help));
            for node in &v.nodes {
                out.push_str(&format!(
                    "    {}\n      {}\n      {}\n",
                    node.target,
                    node.html,
                    node.summary.replace('\n', "\n      ")
                ));
            }
        }
        out
    }
}

/// The WCAG levels gmux meets (2.2 AA and everything under it), and axe's best practices.
const TAGS: [&str; 6] = [
    "wcag2a",
    "wcag2aa",
    "wcag21a",
    "wcag21aa",
    "wcag22aa",
    "best-practice",
];

/// Where `cargo xtask setup` puts axe-core's script (`GMUX_AXE_JS` names another).
pub fn axe_script_path() -> PathBuf {
    std::env::var_os("GMUX_AXE_JS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            paths::workspace_root().join("target/axe-core/node_modules/axe-core/axe.min.js")
        })
}

/// axe-core's source, read once per test process.
fn axe_source() -> Result<&'static str> {
    static SOURCE: OnceLock<String> = OnceLock::new();
    if let Some(source) = SOURCE.get() {
        return Ok(source);
    }
    let path = axe_script_path();
    let text = std::fs::read_to_string(&path).map_err(|_| HarnessError::ToolMissing {
        what: "axe-core (target/axe-core)",
    })?;
    Ok(SOURCE.get_or_init(|| text))
}

/// Runs axe on the current document; resolves to the violations in a plain shape.
const RUN: &str = r#"
return window.axe.run(document, arguments[0]).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact || '', help: v.help,
  nodes: v.nodes.map(n => ({ target: n.target.map(String).join(' '), html: (n.html || '').slice(0, 240),
    summary: n.failureSummary || '' })) })));
"#;

fn parse(value: &Value) -> Result<AxeReport> {
    let list = value
        .as_array()
        .ok_or_else(|| HarnessError::Unexpected(format!("axe answered {value}")))?;
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let violations = list
        .iter()
        .map(|v| Violation {
            rule: s(&v["id"]),
            impact: Impact::from_axe(v["impact"].as_str().unwrap_or_default()),
            help: s(&v["help"]),
            nodes: v["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| ViolationNode {
                    target: s(&n["target"]),
                    html: s(&n["html"]),
                    summary: s(&n["summary"]),
                })
                .collect(),
        })
        .collect();
    Ok(AxeReport { violations })
}

impl ExtensionBrowser {
    /// Runs axe-core on the page shown now (the top document) and returns what it found. Wait for the state you
    /// mean to check first: axe sees the page as it is at that moment.
    pub fn axe_check(&self) -> Result<AxeReport> {
        let present = self
            .session
            .execute("return typeof window.axe === 'object';", &[])?;
        if present != Value::Bool(true) {
            let script = format!("{}\n;return typeof window.axe === 'object';", axe_source()?);
            let injected = self.session.execute(&script, &[])?;
            if injected != Value::Bool(true) {
                return Err(HarnessError::Unexpected(format!(
                    "axe-core did not load into the page: {injected}"
                )));
            }
        }
        let options = json!({
            "runOnly": {"type": "tag", "values": TAGS},
            // WCAG 2.5.3 (label in name) is still "experimental" in axe, so it runs only when named.
            "rules": {"label-content-name-mismatch": {"enabled": true}},
            "iframes": false,
            "resultTypes": ["violations"],
        });
        parse(&self.session.execute(RUN, &[options])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(answer: Value, expected: Result<Vec<(&str, Impact, usize)>, ()>) {
        let got = parse(&answer).map(|r| {
            r.violations
                .iter()
                .map(|v| (v.rule.clone(), v.impact, v.nodes.len()))
                .collect::<Vec<_>>()
        });
        match (got, expected) {
            (Ok(got), Ok(want)) => assert_eq!(
                got,
                want.iter()
                    .map(|(r, i, n)| (r.to_string(), *i, *n))
                    .collect::<Vec<_>>()
            ),
            (Err(_), Err(())) => {}
            (got, want) => panic!("{answer}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn axe_answers_are_read_with_their_impact() {
        check(json!([]), Ok(vec![]));
        check(
            json!([
                {"id": "color-contrast", "impact": "serious", "help": "contrast",
                 "nodes": [{"target": "#add-account", "html": "<button>", "summary": "2.99:1"}]},
                {"id": "region", "impact": "moderate", "help": "landmarks", "nodes": []},
                {"id": "odd", "help": "no impact", "nodes": []},
            ]),
            Ok(vec![
                ("color-contrast", Impact::Serious, 1),
                ("region", Impact::Moderate, 0),
                ("odd", Impact::Critical, 0),
            ]),
        );
        check(json!({"error": "axe is not defined"}), Err(()));
    }

    #[test]
    fn impacts_are_filtered_by_their_rank() {
        let report = parse(&json!([
            {"id": "a", "impact": "minor", "help": "", "nodes": []},
            {"id": "b", "impact": "serious", "help": "", "nodes": []},
            {"id": "c", "impact": "critical", "help": "", "nodes": []},
        ]))
        .unwrap();
        let rules = |v: Vec<&Violation>| v.iter().map(|v| v.rule.clone()).collect::<Vec<_>>();
        assert_eq!(rules(report.at_least(Impact::Serious)), ["b", "c"]);
        assert_eq!(rules(report.except(&["b"])), ["a", "c"]);
    }
}
