//! Measurements over time while a test runs: a thread that samples the machine once a second
//! with `sysinfo` (CPU busy percent, mean CPU frequency, memory in use, 1-minute load, hottest
//! temperature) until the runner stops it, and hands back the series for the test's result
//! (`samples`, [`mxcert_core::samples::Samples`]).
//!
//! It measures the whole machine, not only the check's processes: what a reviewer wants to see
//! is whether the machine throttled or ran hot while the test loaded it. A quantity the machine
//! does not report (frequency in some VMs, temperature without sensors) is left out rather than
//! recorded as zero. The series is bounded: at [`MAX_SAMPLES`] points it keeps every other point
//! and samples half as often from then on.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mxcert_core::samples::{Sample, Samples, MAX_SAMPLES};
use sysinfo::{Components, CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

/// Time between two samples at the start of a test.
pub const INTERVAL: Duration = Duration::from_secs(1);

/// A running sampler; [`Sampler::finish`] stops it and returns the series.
#[derive(Debug)]
pub struct Sampler {
    stop: Sender<()>,
    thread: Option<JoinHandle<Vec<Sample>>>,
}

impl Sampler {
    /// Starts sampling every `interval` (the runner uses [`INTERVAL`]).
    pub fn start(interval: Duration) -> Sampler {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("mxcert-sampler".into())
            .spawn(move || {
                let mut probe = Probe::new();
                let started = Instant::now();
                let mut points = Vec::new();
                let mut every = interval;
                // A stop (or a dropped sampler) ends the loop; only a timeout samples.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    points.push(probe.sample(started.elapsed()));
                    if points.len() >= MAX_SAMPLES {
                        let mut i = 0;
                        points.retain(|_| {
                            i += 1;
                            i % 2 == 1
                        });
                        every *= 2;
                    }
                }
                points
            })
            .ok();
        Sampler { stop, thread }
    }

    /// Stops sampling; the series, or `None` when the test ended before the first sample (or
    /// the thread could not start).
    pub fn finish(mut self) -> Option<Samples> {
        let _ = self.stop.send(());
        let points = self.thread.take()?.join().ok()?;
        (!points.is_empty()).then(|| Samples::from_points(&points))
    }
}

/// What one sample reads from.
struct Probe {
    system: System,
    components: Components,
}

impl Probe {
    fn new() -> Probe {
        let system = System::new_with_specifics(
            RefreshKind::nothing()
                .with_cpu(CpuRefreshKind::nothing().with_cpu_usage().with_frequency())
                .with_memory(MemoryRefreshKind::nothing().with_ram()),
        );
        Probe {
            system,
            components: Components::new_with_refreshed_list(),
        }
    }

    fn sample(&mut self, at: Duration) -> Sample {
        self.system
            .refresh_cpu_specifics(CpuRefreshKind::nothing().with_cpu_usage().with_frequency());
        self.system
            .refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
        self.components.refresh(false);
        let cpus = self.system.cpus();
        let mhz: u64 = cpus.iter().map(|c| c.frequency()).sum();
        let cpu_mhz = (mhz > 0 && !cpus.is_empty())
            .then(|| u32::try_from(mhz / cpus.len() as u64).unwrap_or(u32::MAX));
        let temperature_max_c = self
            .components
            .list()
            .iter()
            .filter_map(|c| c.temperature())
            .filter(|t| t.is_finite() && *t > -273.0)
            .reduce(f32::max);
        Sample {
            at_ms: u64::try_from(at.as_millis()).unwrap_or(u64::MAX),
            cpu_busy_percent: self.system.global_cpu_usage(),
            cpu_mhz,
            memory_used_mib: self.system.used_memory() / (1024 * 1024),
            load_1m: System::load_average().one as f32,
            temperature_max_c,
        }
    }
}
