//! What the person running a plan sees. On a terminal: an overall progress bar with an ETA
//! (weighted by each test's expected duration) and a spinner for the running test, with each
//! finished test printed above them. Otherwise: one plain line per finished test. Both end with
//! the same summary table and, for every failed blocker, its name and why. Everything goes to
//! standard error; standard output is left for `--out -`.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use mxcert_core::plan::{Lang, Plan, Test};
use mxcert_core::report::{Report, Status, TestResult, Verdict};
use mxcert_suites::checks::manual::{Answer, Question};

use super::prompt;

/// The runner's view of the display.
pub trait Ui {
    /// The run starts (or resumes with `done` tests already finished).
    fn begin(&mut self, plan: &Plan, session: &Path, remaining: &[&Test], done: usize);
    /// A test starts; `label` names the instance (`id [device] (phase)`).
    fn test_started(&mut self, test: &Test, label: &str);
    /// Called while a test runs.
    fn tick(&mut self) {}
    /// A check waits for a person's action: the time left (`None` when the wait is over).
    fn countdown(&mut self, _left: Option<Duration>) {}
    fn test_finished(&mut self, test: &Test, result: &TestResult);
    fn notice(&mut self, text: &str);
    /// Asks a manual question; `None` when the person is gone (end of input).
    fn ask(&mut self, q: &Question<'_>, problem: Option<&str>) -> Option<(Answer, String)>;
    /// The run is over (finished or stopped): clear any progress display.
    fn end(&mut self);
}

/// The UI for this process: bars on a terminal, plain lines otherwise.
pub fn for_stderr(lang: Lang) -> Box<dyn Ui> {
    if std::io::stderr().is_terminal() {
        Box::new(TerminalUi::new(lang))
    } else {
        Box::new(PlainUi::new(lang))
    }
}

/// `⏳ 27 s left`, in the display's language.
fn countdown_text(left: Duration, lang: Lang) -> String {
    if lang == Lang::Es {
        format!("⏳ quedan {} s", left.as_secs())
    } else {
        format!("⏳ {} s left", left.as_secs())
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.2} s", ms as f64 / 1000.0)
}

/// `[ 3/9] pass    storage-rw (1.20 s): message`
fn result_line(position: usize, total: usize, r: &TestResult) -> String {
    let width = total.to_string().len();
    let message = r
        .message
        .as_deref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    format!(
        "[{position:>width$}/{total}] {:<7} {} ({}){message}",
        r.status.as_str(),
        r.label(),
        seconds(r.duration_ms)
    )
}

/// Counts shared by both displays.
#[derive(Debug, Default)]
struct Progress {
    done: usize,
    total: usize,
}

impl Progress {
    /// `mxcert: plan quick 1.0.0 — Quick check (8 tests, resuming after 2 finished); session DIR`
    fn header(&self, plan: &Plan, session: &Path, lang: Lang) -> String {
        let resuming = if self.done > 0 {
            format!(", resuming after {} finished", self.done)
        } else {
            String::new()
        };
        format!(
            "mxcert: plan {} {} — {} ({} tests{resuming}); session {}",
            plan.id,
            plan.version,
            plan.title.get(lang),
            self.total,
            session.display()
        )
    }
}

/// Plain lines, for logs and pipes.
#[derive(Debug)]
pub struct PlainUi {
    lang: Lang,
    progress: Progress,
}

impl PlainUi {
    pub fn new(lang: Lang) -> PlainUi {
        PlainUi {
            lang,
            progress: Progress::default(),
        }
    }
}

impl Ui for PlainUi {
    /// Every fifth second, and the last three.
    fn countdown(&mut self, left: Option<Duration>) {
        if let Some(l) = left.filter(|l| l.as_secs() % 5 == 0 || l.as_secs() <= 3) {
            eprintln!("  {}", countdown_text(l, self.lang));
        }
    }

    fn begin(&mut self, plan: &Plan, session: &Path, remaining: &[&Test], done: usize) {
        self.progress = Progress {
            done,
            total: done + remaining.len(),
        };
        eprintln!("{}", self.progress.header(plan, session, self.lang));
    }

    fn test_started(&mut self, _test: &Test, _label: &str) {}

    fn test_finished(&mut self, _test: &Test, result: &TestResult) {
        self.progress.done += 1;
        eprintln!(
            "{}",
            result_line(self.progress.done, self.progress.total, result)
        );
    }

    fn notice(&mut self, text: &str) {
        eprintln!("mxcert: {text}");
    }

    fn ask(&mut self, q: &Question<'_>, problem: Option<&str>) -> Option<(Answer, String)> {
        let stdin = std::io::stdin();
        prompt::ask(
            q,
            problem,
            self.lang,
            &mut stdin.lock(),
            &mut std::io::stderr(),
        )
    }

    fn end(&mut self) {}
}

/// Progress bars on a terminal.
#[derive(Debug)]
pub struct TerminalUi {
    lang: Lang,
    progress: Progress,
    multi: MultiProgress,
    overall: ProgressBar,
    current: ProgressBar,
}

impl TerminalUi {
    pub fn new(lang: Lang) -> TerminalUi {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(1));
        overall.set_style(
            ProgressStyle::with_template("{bar:32.cyan/blue} {msg} [{elapsed_precise}, ETA {eta}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let current = multi.add(ProgressBar::new_spinner());
        current.set_style(
            ProgressStyle::with_template("{spinner:.green} {msg} {elapsed} {prefix}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        TerminalUi {
            lang,
            progress: Progress::default(),
            multi,
            overall,
            current,
        }
    }

    fn weight(test: &Test) -> u64 {
        u64::try_from(test.expected_duration().as_millis())
            .unwrap_or(u64::MAX)
            .max(100)
    }

    fn set_message(&self) {
        self.overall.set_message(format!(
            "{}/{} tests",
            self.progress.done, self.progress.total
        ));
    }
}

impl Ui for TerminalUi {
    fn countdown(&mut self, left: Option<Duration>) {
        self.current.set_prefix(match left {
            Some(l) => countdown_text(l, self.lang),
            None => String::new(),
        });
    }

    fn begin(&mut self, plan: &Plan, session: &Path, remaining: &[&Test], done: usize) {
        self.progress = Progress {
            done,
            total: done + remaining.len(),
        };
        let _ = self
            .multi
            .println(self.progress.header(plan, session, self.lang));
        self.overall.set_length(
            remaining
                .iter()
                .map(|t| Self::weight(t))
                .sum::<u64>()
                .max(1),
        );
        self.set_message();
    }

    fn test_started(&mut self, test: &Test, label: &str) {
        self.current.reset_elapsed();
        self.current
            .set_message(format!("{label} — {}", test.title.get(self.lang)));
        self.current.enable_steady_tick(Duration::from_millis(100));
    }

    fn test_finished(&mut self, test: &Test, result: &TestResult) {
        self.progress.done += 1;
        let _ = self
            .multi
            .println(result_line(self.progress.done, self.progress.total, result));
        self.overall.inc(Self::weight(test));
        self.set_message();
        self.current.disable_steady_tick();
        self.current.set_message("");
    }

    fn notice(&mut self, text: &str) {
        let _ = self.multi.println(format!("mxcert: {text}"));
    }

    fn ask(&mut self, q: &Question<'_>, problem: Option<&str>) -> Option<(Answer, String)> {
        self.current.disable_steady_tick();
        let lang = self.lang;
        self.multi.suspend(|| {
            let stdin = std::io::stdin();
            prompt::ask(q, problem, lang, &mut stdin.lock(), &mut std::io::stderr())
        })
    }

    fn end(&mut self) {
        self.current.finish_and_clear();
        self.overall.finish_and_clear();
        let _ = self.multi.clear();
    }
}

fn clip(s: &str, n: usize) -> String {
    let first = s.lines().next().unwrap_or("");
    if first.chars().count() <= n {
        first.to_owned()
    } else {
        format!("{}…", first.chars().take(n - 1).collect::<String>())
    }
}

/// The end-of-run summary: a table of every result, the counts, the verdict, and each failed
/// blocker with why.
pub fn summary(report: &Report) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nPlan {} {} (sha256 {})",
        report.plan.id,
        report.plan.version,
        &report.plan.sha256[..report.plan.sha256.len().min(16)]
    );
    let idw = report
        .results
        .iter()
        .map(|r| r.label().chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        s,
        "{:<7}  {:<idw$}  {:<7}  {:>9}  MESSAGE",
        "STATUS", "TEST", "BLOCKER", "TIME"
    );
    for r in &report.results {
        let _ = writeln!(
            s,
            "{:<7}  {:<idw$}  {:<7}  {:>9}  {}",
            r.status.as_str(),
            r.label(),
            if r.blocker { "yes" } else { "no" },
            seconds(r.duration_ms),
            clip(r.message.as_deref().unwrap_or(""), 70)
        );
    }
    let c = &report.summary.counts;
    let _ = writeln!(
        s,
        "\n{} tests: {} pass, {} fail, {} skip, {} error, {} timeout",
        report.summary.total, c.pass, c.fail, c.skip, c.error, c.timeout
    );
    match report.summary.verdict {
        Verdict::Certifiable => {
            let _ = writeln!(s, "Verdict: CERTIFIABLE (every blocker passed)");
        }
        Verdict::NotCertifiable => {
            let _ = writeln!(s, "Verdict: NOT CERTIFIABLE; failed blockers:");
            for id in &report.summary.failed_blockers {
                let failed = report
                    .results
                    .iter()
                    .filter(|r| r.id == *id && r.blocker && r.status != Status::Pass);
                for r in failed {
                    let why = match (r.status, r.message.as_deref()) {
                        (Status::Skip, Some(m)) => format!("skipped: {m}"),
                        (_, Some(m)) => m.to_owned(),
                        (_, None) => "no reason given".into(),
                    };
                    let _ = writeln!(s, "  - {} ({}): {why}", r.label(), r.status);
                }
            }
        }
    }
    s
}

/// Writes the summary to standard error.
pub fn print_summary(report: &Report) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(summary(report).as_bytes());
}
