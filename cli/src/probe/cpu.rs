//! Processor and memory: `/proc/cpuinfo` and `/proc/meminfo` (parsed by
//! [`mxcert_core::procfs`]), the highest clock from cpufreq, and SMBIOS processor data when
//! cpuinfo lacks it. The Raspberry Pi `Serial` line of cpuinfo is a board serial: withheld, and
//! used only for the machine id.

use mxcert_core::inventory::{Cpu, WithheldKind};
use mxcert_core::privacy::Withholding;
use mxcert_core::smbios::Processor;

use super::root::Root;

pub fn read(
    root: &Root,
    smbios: &[Processor],
    withholding: &mut Withholding,
    identifiers: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> (Option<Cpu>, Option<u64>) {
    let text = match root.read_attr("/proc/cpuinfo") {
        Ok(t) => t,
        Err(e) => {
            notes.push(format!("/proc/cpuinfo: {e}"));
            None
        }
    };
    let mut cpu = text.as_deref().and_then(mxcert_core::procfs::cpuinfo);
    if let Some(serial) = text.as_deref().and_then(|t| {
        t.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim() == "Serial")
            .map(|(_, v)| v.trim().to_owned())
    }) {
        withholding.withhold(WithheldKind::SerialNumber, "/proc/cpuinfo Serial", &serial);
        identifiers.push(serial);
    }
    let max_khz = root
        .read_attr("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u32>().ok());
    if let Some(first) = smbios.first() {
        let c = cpu.get_or_insert_with(Cpu::default);
        if c.model.is_none() {
            c.model = first.version.clone();
        }
        if c.vendor.is_none() {
            c.vendor = first.manufacturer.clone();
        }
        if c.max_mhz.is_none() {
            c.max_mhz = first.max_mhz;
        }
    }
    if let (Some(c), Some(khz)) = (cpu.as_mut(), max_khz) {
        c.max_mhz = Some(khz / 1000);
    }
    let total = match root.read_attr("/proc/meminfo") {
        Ok(Some(t)) => mxcert_core::procfs::mem_total_bytes(&t),
        Ok(None) => None,
        Err(e) => {
            notes.push(format!("/proc/meminfo: {e}"));
            None
        }
    };
    (cpu, total)
}
