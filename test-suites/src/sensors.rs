//! Temperatures: thermal zones with their trip points (`/sys/class/thermal`), hwmon sensors
//! (`/sys/class/hwmon`) and CPU thermal-throttle counters, all read through a root directory.
//! Read-only; shared by `cpu.stress` and `thermal.zones`.

use std::path::{Path, PathBuf};

use crate::root::{attr, attr_i64, dir_names, join};

/// A trip point of a thermal zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trip {
    /// `critical`, `hot`, `passive` or `active`.
    pub kind: String,
    /// Millidegrees Celsius.
    pub temp_mc: i64,
}

/// A thermal zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// e.g. `thermal_zone0`.
    pub name: String,
    /// The zone's `type`, e.g. `x86_pkg_temp`, `acpitz`.
    pub kind: String,
    path: PathBuf,
    pub trips: Vec<Trip>,
}

impl Zone {
    /// The current temperature in millidegrees Celsius.
    pub fn temp_mc(&self) -> Option<i64> {
        attr_i64(&self.path.join("temp"))
    }

    /// The lowest `critical` or `hot` trip point: reaching it means the platform would shut down
    /// or take emergency action.
    pub fn emergency_trip(&self) -> Option<&Trip> {
        self.trips
            .iter()
            .filter(|t| (t.kind == "critical" || t.kind == "hot") && t.temp_mc > 0)
            .min_by_key(|t| t.temp_mc)
    }

    /// `thermal_zone0 (x86_pkg_temp)`.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.kind)
    }
}

/// Every thermal zone with a readable temperature.
pub fn zones(root: &Path) -> Vec<Zone> {
    let dir = join(root, "/sys/class/thermal");
    dir_names(&dir)
        .into_iter()
        .filter(|n| n.starts_with("thermal_zone"))
        .filter_map(|name| {
            let path = dir.join(&name);
            attr_i64(&path.join("temp"))?;
            let trips = (0..32)
                .map_while(|i| {
                    let kind = attr(&path.join(format!("trip_point_{i}_type")))?;
                    let temp_mc = attr_i64(&path.join(format!("trip_point_{i}_temp")))?;
                    Some(Trip { kind, temp_mc })
                })
                .collect();
            Some(Zone {
                kind: attr(&path.join("type")).unwrap_or_else(|| "unknown".into()),
                name,
                path,
                trips,
            })
        })
        .collect()
}

/// Every hwmon temperature input as (`chip/tempN`, millidegrees Celsius).
pub fn hwmon_temps(root: &Path) -> Vec<(String, i64)> {
    let dir = join(root, "/sys/class/hwmon");
    let mut out = Vec::new();
    for hw in dir_names(&dir) {
        let path = dir.join(&hw);
        let chip = attr(&path.join("name")).unwrap_or_else(|| hw.clone());
        for f in dir_names(&path) {
            if let Some(sensor) = f
                .strip_prefix("temp")
                .and_then(|r| r.strip_suffix("_input"))
            {
                if let Some(v) = attr_i64(&path.join(&f)) {
                    out.push((format!("{chip}/temp{sensor}"), v));
                }
            }
        }
    }
    out
}

/// Sum of the CPUs' thermal throttle counters, when the platform exposes them.
pub fn throttle_count(root: &Path) -> Option<u64> {
    let dir = join(root, "/sys/devices/system/cpu");
    let mut total = None;
    for cpu in dir_names(&dir) {
        if !cpu.starts_with("cpu") || !cpu[3..].chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        for counter in ["core_throttle_count", "package_throttle_count"] {
            if let Some(v) = attr_i64(&dir.join(&cpu).join("thermal_throttle").join(counter)) {
                *total.get_or_insert(0u64) += u64::try_from(v).unwrap_or(0);
            }
        }
    }
    total
}

/// The highest temperature seen and the emergency trips reached, accumulated over samples.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Watch {
    /// (sensor label, °C) of the hottest reading so far.
    pub max: Option<(String, f64)>,
    /// Per zone: the highest reading, in °C.
    pub zone_max: Vec<(String, f64)>,
    /// Zones that reached an emergency trip point, with what they read.
    pub tripped: Vec<String>,
    pub samples: u32,
}

impl Watch {
    /// Reads every zone and hwmon sensor once.
    pub fn sample(&mut self, root: &Path, zones: &[Zone]) {
        self.samples += 1;
        let mut readings: Vec<(String, i64)> = Vec::new();
        for z in zones {
            let Some(t) = z.temp_mc() else { continue };
            readings.push((z.label(), t));
            let c = t as f64 / 1000.0;
            match self.zone_max.iter_mut().find(|(l, _)| *l == z.label()) {
                Some((_, m)) if c > *m => *m = c,
                Some(_) => {}
                None => self.zone_max.push((z.label(), c)),
            }
            if let Some(trip) = z.emergency_trip() {
                if t >= trip.temp_mc && !self.tripped.iter().any(|s| s.starts_with(&z.label())) {
                    self.tripped.push(format!(
                        "{} reached {:.1} °C, at or above its {} trip point of {:.1} °C",
                        z.label(),
                        c,
                        trip.kind,
                        trip.temp_mc as f64 / 1000.0
                    ));
                }
            }
        }
        readings.extend(hwmon_temps(root));
        for (label, t) in readings {
            let c = t as f64 / 1000.0;
            // Readings outside any plausible range are sensor glitches, not temperatures.
            if !(-40.0..=200.0).contains(&c) {
                continue;
            }
            if self.max.as_ref().is_none_or(|(_, m)| c > *m) {
                self.max = Some((label, c));
            }
        }
    }
}
