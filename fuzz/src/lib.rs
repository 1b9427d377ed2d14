//! A small mutation fuzzer that runs on stable Rust inside `cargo test`.
//!
//! cargo-fuzz needs nightly and libFuzzer, so gmux fuzzes with this instead: every target replays its
//! committed corpus (`corpus/<target>/`, one input per file), then mutates corpus inputs for a time budget
//! (bit flips, byte inserts and deletes, splices, truncation, repeated chunks, dictionary tokens, hostile
//! numbers, invalid UTF-8, CRLF/LF swaps, and the target's own structure-aware mutation). Without coverage
//! instrumentation the feedback is the target's own outcome signature: an input whose check reports a
//! signature not seen before joins the in-memory pool and is mutated further.
//!
//! Each input runs on a worker thread while the caller watches the clock, so a hang is reported with its
//! input instead of stalling the test run. Runs are reproducible: the same `GMUX_FUZZ_SEED` gives the same
//! sequence of inputs (only the budget decides how far it gets).

pub mod json;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// What a check says about one input: `Ok(signature)` when every property held, where the signature
/// summarises the outcome (which branch, how many parts, which error) so new behaviour can be told apart;
/// `Err(why)` when a property failed.
pub type Verdict = Result<u64, String>;

/// A target's check: runs the code under test on one input and checks its properties.
pub type Check = fn(&[u8]) -> Verdict;

/// A structure-aware mutation: `None` when the input is not in the format it understands.
pub type Mutator = fn(&mut StdRng, &[u8]) -> Option<Vec<u8>>;

/// One fuzz target.
#[derive(Clone, Copy)]
pub struct Target {
    /// The corpus folder's name and the `#[test]`'s name.
    pub name: &'static str,
    pub check: Check,
    /// Tokens that mean something to this format: inserted and swapped in by the mutator.
    pub dictionary: &'static [&'static [u8]],
    /// A mutation that understands the format (re-framing, editing a JSON node); `None` when it does not apply.
    pub structured: Option<Mutator>,
    /// Builds a fresh well-formed input, so the pool never narrows to a few shapes.
    pub generate: Option<fn(&mut StdRng) -> Vec<u8>>,
    /// Inputs are cut to this length; hostile sizes above it are the structured mutation's job.
    pub max_len: usize,
}

/// How long and from which seed to fuzz, from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `GMUX_FUZZ_SECS` (default 60): the mutation loop's budget per target, after the corpus replay.
    pub budget: Duration,
    /// `GMUX_FUZZ_SEED` (default: from the clock): printed with every failure so it can be replayed.
    pub seed: u64,
    /// `GMUX_FUZZ_SAVE=1`: write a failing input into the corpus. Off by default so tests never dirty the tree.
    pub save: bool,
    /// `GMUX_FUZZ_INPUT_CAP_SECS` (default 10): one input taking longer than this, plus 4 s per MiB of input
    /// (the tests run unoptimised), is a hang. Generous because the machine running the tests may be busy;
    /// real hangs do not finish at all, and a parser that is quadratic in its input blows through it.
    pub input_cap: Duration,
}

impl Settings {
    pub fn from_env() -> Settings {
        let secs = std::env::var("GMUX_FUZZ_SECS")
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .unwrap_or(60.0);
        let seed = std::env::var("GMUX_FUZZ_SEED")
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or_else(|| {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0);
                nanos ^ u64::from(std::process::id()).rotate_left(32)
            });
        let input_cap = std::env::var("GMUX_FUZZ_INPUT_CAP_SECS")
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .unwrap_or(10.0);
        Settings {
            budget: Duration::from_secs_f64(secs),
            seed,
            save: std::env::var("GMUX_FUZZ_SAVE").is_ok_and(|v| v == "1"),
            input_cap: Duration::from_secs_f64(input_cap),
        }
    }
}

/// What one target's run did.
#[derive(Debug, Clone)]
pub struct Report {
    pub target: &'static str,
    pub corpus_files: usize,
    /// Inputs checked: the corpus replay plus every mutated or generated input.
    pub inputs: u64,
    /// Inputs in the in-memory pool at the end (corpus plus inputs that showed a new signature).
    pub pool: usize,
    pub signatures: usize,
    pub elapsed: Duration,
    pub seed: u64,
}

impl Report {
    pub fn inputs_per_second(&self) -> f64 {
        self.inputs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fuzz {}: {} inputs ({:.0}/s), corpus {} files, pool {}, {} signatures, {:.1} s, seed {}",
            self.target,
            self.inputs,
            self.inputs_per_second(),
            self.corpus_files,
            self.pool,
            self.signatures,
            self.elapsed.as_secs_f64(),
            self.seed
        )
    }
}

/// `fuzz/corpus/<target>`.
pub fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target)
}

/// Every file of a target's corpus, sorted by name.
pub fn load_corpus(target: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let dir = corpus_dir(target);
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("reading {}: {e}", dir.display()))?;
        let path = entry.path();
        if path.is_file() {
            let data =
                std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
            files.push((entry.file_name().to_string_lossy().into_owned(), data));
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(format!("the corpus {} is empty", dir.display()));
    }
    Ok(files)
}

/// A stable 64-bit hash (the same in every run, unlike `RandomState`), for signatures and file names.
pub fn signature(value: impl Hash) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    value.hash(&mut h);
    h.finish()
}

struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The input being checked right now and since when, for the hang watch.
type Current = Arc<Mutex<Option<(Instant, Arc<Vec<u8>>)>>>;

/// How long one input may run: the base cap plus time in proportion to its size.
pub fn time_cap(base: Duration, input_len: usize) -> Duration {
    base + Duration::from_secs_f64(4.0 * input_len as f64 / (1024.0 * 1024.0))
}

enum Outcome {
    Done(Report),
    Failed { input: Arc<Vec<u8>>, why: String },
}

/// The most inputs the pool keeps, and the largest one it keeps: big hostile inputs are checked once.
const MAX_POOL: usize = 4096;
const MAX_POOLED_LEN: usize = 64 * 1024;

/// Replays the target's corpus, then fuzzes it for the budget. `Err` carries everything needed to
/// reproduce: the target, the seed, the input (escaped) and where it was saved if saving is on.
pub fn run(target: Target, settings: &Settings) -> Result<Report, String> {
    let corpus = load_corpus(target.name)?;
    let seed = settings.seed ^ signature(target.name);
    let current: Current = Arc::new(Mutex::new(None));
    let (done_tx, done_rx) = mpsc::channel();
    let worker_current = current.clone();
    let budget = settings.budget;
    let base_seed = settings.seed;
    std::thread::Builder::new()
        .name(format!("fuzz-{}", target.name))
        .spawn(move || {
            let outcome = fuzz_loop(target, corpus, seed, base_seed, budget, &worker_current);
            let _ = done_tx.send(outcome);
        })
        .map_err(|e| format!("starting the fuzz thread: {e}"))?;
    // Watch the worker: a finished run, or one input running past the cap.
    let outcome = loop {
        match done_rx.recv_timeout(Duration::from_millis(200)) {
            Ok(outcome) => break outcome,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(format!(
                    "fuzz {}: the worker thread died without a verdict (seed {})",
                    target.name, settings.seed
                ))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let stuck = current
                    .lock()
                    .ok()
                    .and_then(|c| c.as_ref().map(|(t, i)| (t.elapsed(), i.clone())));
                if let Some((running, input)) = stuck {
                    let cap = time_cap(settings.input_cap, input.len());
                    if running > cap {
                        // The worker is left running: a true hang never returns, and the test must still end.
                        break Outcome::Failed {
                            input,
                            why: format!(
                                "one input ran for more than {:.0} s (a hang)",
                                cap.as_secs_f64()
                            ),
                        };
                    }
                }
            }
        }
    };
    match outcome {
        Outcome::Done(report) => Ok(report),
        Outcome::Failed { input, why } => {
            // A failing check may describe a 10 MB value; the start says enough.
            let why: String = if why.len() > 8192 {
                format!("{}... (cut)", why.chars().take(8192).collect::<String>())
            } else {
                why
            };
            let saved = if settings.save {
                let path =
                    corpus_dir(target.name).join(format!("crash-{:016x}", signature(&*input)));
                match std::fs::write(&path, &*input) {
                    Ok(()) => format!("saved to {}", path.display()),
                    Err(e) => format!("could not save to {}: {e}", path.display()),
                }
            } else {
                "set GMUX_FUZZ_SAVE=1 to save it into the corpus".to_string()
            };
            Err(format!(
                "fuzz {} failed: {why}\nseed: GMUX_FUZZ_SEED={} ({saved})\ninput ({} bytes): {}",
                target.name,
                settings.seed,
                input.len(),
                escape_for_report(&input, 4096)
            ))
        }
    }
}

fn fuzz_loop(
    target: Target,
    corpus: Vec<(String, Vec<u8>)>,
    seed: u64,
    base_seed: u64,
    budget: Duration,
    current: &Current,
) -> Outcome {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut signatures = HashSet::new();
    let mut inputs = 0u64;
    let corpus_files = corpus.len();
    let mut pool: Vec<Arc<Vec<u8>>> = Vec::new();
    // Replay: every committed input must pass before anything is mutated.
    for (name, data) in corpus {
        let data = Arc::new(data);
        inputs += 1;
        match check_one(target.check, &data, current) {
            Ok(sig) => {
                signatures.insert(sig);
            }
            Err(why) => {
                return Outcome::Failed {
                    input: data,
                    why: format!("corpus file {name}: {why}"),
                }
            }
        }
        pool.push(data);
    }
    let loop_started = Instant::now();
    while loop_started.elapsed() < budget {
        for _ in 0..8 {
            let input = match target.generate {
                Some(generate) if rng.gen_ratio(1, 8) => generate(&mut rng),
                _ => {
                    let base = pool[rng.gen_range(0..pool.len())].clone();
                    mutate(&mut rng, &target, &pool, &base)
                }
            };
            let input = Arc::new(input);
            inputs += 1;
            match check_one(target.check, &input, current) {
                Ok(sig) => {
                    if signatures.insert(sig)
                        && pool.len() < MAX_POOL
                        && input.len() <= MAX_POOLED_LEN
                    {
                        pool.push(input);
                    }
                }
                Err(why) => return Outcome::Failed { input, why },
            }
        }
    }
    Outcome::Done(Report {
        target: target.name,
        corpus_files,
        inputs,
        pool: pool.len(),
        signatures: signatures.len(),
        elapsed: started.elapsed(),
        seed: base_seed,
    })
}

fn check_one(check: Check, input: &Arc<Vec<u8>>, current: &Current) -> Verdict {
    if let Ok(mut c) = current.lock() {
        *c = Some((Instant::now(), input.clone()));
    }
    let result = std::panic::catch_unwind(|| check(input));
    if let Ok(mut c) = current.lock() {
        *c = None;
    }
    match result {
        Ok(verdict) => verdict,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            Err(format!("the code under test panicked: {message}"))
        }
    }
}

/// Printable bytes as they are, the rest as `\xNN`, cut at `limit` bytes.
pub fn escape_for_report(input: &[u8], limit: usize) -> String {
    let mut out: String = input
        .iter()
        .take(limit)
        .flat_map(|b| std::ascii::escape_default(*b))
        .map(char::from)
        .collect();
    if input.len() > limit {
        out.push_str(&format!("... ({} more bytes)", input.len() - limit));
    }
    out
}

/// Numbers and words that break parsers: overflow, sign, float, special floats, empty.
pub const HOSTILE_NUMBERS: &[&[u8]] = &[
    b"-1",
    b"0",
    b"-0",
    b"1.5",
    b"1e999",
    b"-1e999",
    b"NaN",
    b"Infinity",
    b"4294967295",
    b"4294967296",
    b"18446744073709551615",
    b"18446744073709551616",
    b"99999999999999999999999999999999",
    b"9223372036854775807",
    b"9223372036854775808",
    b"-9223372036854775808",
    b"0x10",
    b"+1",
    b" 1 ",
    b"",
];

/// Byte sequences that are not UTF-8: a lone continuation byte, an overlong NUL, an encoded surrogate, a
/// cut-off sequence, bytes that never occur.
pub const INVALID_UTF8: &[&[u8]] = &[
    b"\x80",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"\xe2\x82",
    b"\xff\xfe",
    b"\xf4\x90\x80\x80",
];

fn mutate(rng: &mut StdRng, target: &Target, pool: &[Arc<Vec<u8>>], base: &[u8]) -> Vec<u8> {
    let mut data = base.to_vec();
    // Mostly small changes, sometimes a stack of them.
    let rounds = 1 + (rng.gen::<u32>().trailing_zeros() as usize).min(6);
    for _ in 0..rounds {
        if let Some(structured) = target.structured {
            if rng.gen_ratio(1, 3) {
                if let Some(next) = structured(rng, &data) {
                    data = next;
                    continue;
                }
            }
        }
        mutate_bytes(rng, target, pool, &mut data);
    }
    data.truncate(target.max_len);
    data
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a [u8]]) -> &'a [u8] {
    if items.is_empty() {
        return b"";
    }
    items[rng.gen_range(0..items.len())]
}

fn mutate_bytes(rng: &mut StdRng, target: &Target, pool: &[Arc<Vec<u8>>], data: &mut Vec<u8>) {
    let len = data.len();
    let pos = |rng: &mut StdRng, len: usize| rng.gen_range(0..=len);
    match rng.gen_range(0..14) {
        // Flip one bit.
        0 if len > 0 => {
            let i = rng.gen_range(0..len);
            data[i] ^= 1 << rng.gen_range(0..8);
        }
        // Set a byte to one that means something in text formats.
        1 if len > 0 => {
            const SPECIAL: &[u8] = b"\0\r\n\t \"'&;<>#:-{}[],\\/x0123456789\x7f\x80\xff";
            let i = rng.gen_range(0..len);
            data[i] = SPECIAL[rng.gen_range(0..SPECIAL.len())];
        }
        // Insert random bytes.
        2 => {
            let at = pos(rng, len);
            let n = rng.gen_range(1..=8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
            data.splice(at..at, bytes);
        }
        // Delete a range.
        3 if len > 0 => {
            let at = rng.gen_range(0..len);
            let n = rng.gen_range(1..=(len - at).min(64));
            data.drain(at..at + n);
        }
        // Repeat a chunk: long lines, many parts, many headers.
        4 if len > 0 => {
            let at = rng.gen_range(0..len);
            let n = rng.gen_range(1..=(len - at).min(256));
            let chunk = data[at..at + n].to_vec();
            let times = if rng.gen_ratio(1, 16) {
                rng.gen_range(2..2000)
            } else {
                rng.gen_range(2..8)
            };
            let room = target.max_len.saturating_sub(len) / n.max(1);
            let times = times.min(room.max(1));
            let repeated: Vec<u8> = chunk.iter().copied().cycle().take(n * times).collect();
            data.splice(at..at, repeated);
        }
        // Splice: the head of this input and the tail of another.
        5 if !pool.is_empty() => {
            let other = &pool[rng.gen_range(0..pool.len())];
            let cut = pos(rng, len);
            let from = rng.gen_range(0..=other.len());
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        // Truncate.
        6 if len > 0 => {
            let at = rng.gen_range(0..len);
            data.truncate(at);
        }
        // Insert a dictionary token.
        7 => {
            let at = pos(rng, len);
            let token = pick(rng, target.dictionary);
            data.splice(at..at, token.iter().copied());
        }
        // Overwrite a range with a dictionary token.
        8 if len > 0 => {
            let at = rng.gen_range(0..len);
            let n = rng.gen_range(1..=(len - at).min(16));
            let token = pick(rng, target.dictionary);
            data.splice(at..at + n, token.iter().copied());
        }
        // Replace a run of digits with a hostile number.
        9 => {
            let digits: Vec<usize> = (0..len).filter(|&i| data[i].is_ascii_digit()).collect();
            if digits.is_empty() {
                return;
            }
            let start = digits[rng.gen_range(0..digits.len())];
            let mut end = start;
            while end < len && data[end].is_ascii_digit() {
                end += 1;
            }
            let number = pick(rng, HOSTILE_NUMBERS);
            data.splice(start..end, number.iter().copied());
        }
        // Line endings: all CRLF to LF, all LF to CRLF, or one of them.
        10 => {
            let text = std::mem::take(data);
            *data = match rng.gen_range(0..3) {
                0 => replace_all(&text, b"\r\n", b"\n"),
                1 => replace_all(&replace_all(&text, b"\r\n", b"\n"), b"\n", b"\r\n"),
                _ => {
                    let lf: Vec<usize> = (0..text.len()).filter(|&i| text[i] == b'\n').collect();
                    let mut t = text;
                    if let Some(&i) = lf.get(rng.gen_range(0..lf.len().max(1))) {
                        if i > 0 && t[i - 1] == b'\r' {
                            t.remove(i - 1);
                        } else {
                            t.insert(i, b'\r');
                        }
                    }
                    t
                }
            };
        }
        // Invalid UTF-8.
        11 => {
            let at = pos(rng, len);
            let bytes = pick(rng, INVALID_UTF8);
            data.splice(at..at, bytes.iter().copied());
        }
        // Swap two chunks.
        12 if len > 2 => {
            let a = rng.gen_range(0..len / 2);
            let b = rng.gen_range(len / 2..len);
            let n = rng.gen_range(1..=(b - a).min(len - b).clamp(1, 32));
            for i in 0..n {
                data.swap(a + i, b + i);
            }
        }
        // Copy a chunk of the input somewhere else in it.
        _ if len > 0 => {
            let at = rng.gen_range(0..len);
            let n = rng.gen_range(1..=(len - at).min(128));
            let chunk = data[at..at + n].to_vec();
            let to = pos(rng, len);
            data.splice(to..to, chunk);
        }
        _ => data.push(rng.gen()),
    }
}

/// Every occurrence of `from` replaced with `to`.
pub fn replace_all(text: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if !from.is_empty() && text[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_all_swaps_line_endings() {
        assert_eq!(replace_all(b"a\r\nb\r\n", b"\r\n", b"\n"), b"a\nb\n");
        assert_eq!(replace_all(b"a\nb", b"\n", b"\r\n"), b"a\r\nb");
    }

    #[test]
    fn escape_for_report_keeps_text_and_escapes_bytes() {
        assert_eq!(escape_for_report(b"ok\r\n\xff", 100), "ok\\r\\n\\xff");
        assert_eq!(escape_for_report(b"abcdef", 2), "ab... (4 more bytes)");
    }

    #[test]
    fn mutation_is_reproducible_from_the_seed() {
        let target = Target {
            name: "t",
            check: |_| Ok(0),
            dictionary: &[b"tok"],
            structured: None,
            generate: None,
            max_len: 1024,
        };
        let pool = vec![Arc::new(b"hello 123 world\r\n".to_vec())];
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..200)
                .map(|_| mutate(&mut rng, &target, &pool, &pool[0]))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        assert!(run(7).iter().all(|m| m.len() <= 1024));
    }
}
