//! One module per check kind (the six presence checks share [`presence`], which is a table).
//! [`run_check`] dispatches a typed check to its module.

pub mod audio_playback_capture;
pub mod bluetooth_scan;
pub mod camera_capture;
pub mod command;
pub mod cpu_stress;
pub mod device_present;
pub mod devices_drivers;
pub mod display_outputs;
pub mod graphics_render;
pub mod input_keys;
pub mod kernel_firmware_errors;
pub mod kernel_taint;
pub mod manual;
pub mod memory_pattern;
pub mod network_interfaces;
pub mod network_throughput;
pub mod platform_firmware;
pub mod power_battery;
pub mod power_reboot;
pub mod power_suspend;
pub mod presence;
pub mod server_ipmi;
pub mod storage_health;
pub mod storage_hotplug;
pub mod storage_rw_verify;
pub mod thermal_zones;
pub mod virt_kvm;
pub mod wifi_connect;

use mxcert_core::plan::Check;

use crate::{Context, Outcome};

/// Runs one automated check. Manual checks need a person: without a [`crate::Prompter`] they are
/// recorded as skipped (see [`manual::run`], which the runner calls for them).
pub fn run_check(check: &Check, ctx: &Context) -> Outcome {
    let inventory = ctx.inventory.clone();
    run_check_with(check, ctx, &move || Ok(inventory.clone()))
}

/// [`run_check`], with a way to take the inventory again (`power.suspend` compares it before
/// and after each resume); the runner's check process gives its probe of the context's root.
pub fn run_check_with(
    check: &Check,
    ctx: &Context,
    probe: &dyn Fn() -> Result<mxcert_core::inventory::Inventory, String>,
) -> Outcome {
    use presence::Kind;
    match check {
        Check::DevicesDrivers(p) => devices_drivers::run(p, ctx),
        Check::DevicePresent(p) => device_present::run(p, ctx),
        Check::KernelTaint(p) => kernel_taint::run(p, ctx),
        Check::KernelFirmwareErrors(p) => kernel_firmware_errors::run(p, ctx),
        Check::CpuStress(p) => cpu_stress::run(p, ctx),
        Check::MemoryPattern(p) => memory_pattern::run(p, ctx),
        Check::StorageRwVerify(p) => storage_rw_verify::run(p, ctx),
        Check::StorageHealth(p) => storage_health::run(p, ctx),
        Check::NetworkInterfaces(p) => network_interfaces::run(p, ctx),
        Check::NetworkThroughput(p) => network_throughput::run(p, ctx),
        Check::PowerBattery(p) => power_battery::run(p, ctx),
        Check::PowerSuspend(p) => power_suspend::run_selected(p, ctx, probe),
        Check::PowerReboot(p) => power_reboot::run(p, ctx),
        Check::GraphicsPresent(p) => presence::run(Kind::Graphics, p, ctx),
        Check::AudioPresent(p) => presence::run(Kind::Audio, p, ctx),
        Check::InputPresent(p) => presence::run(Kind::Input, p, ctx),
        Check::CameraPresent(p) => presence::run(Kind::Camera, p, ctx),
        Check::BluetoothPresent(p) => presence::run(Kind::Bluetooth, p, ctx),
        Check::WifiPresent(p) => presence::run(Kind::Wifi, p, ctx),
        Check::ThermalZones(p) => thermal_zones::run(p, ctx),
        Check::StorageHotplug(p) => storage_hotplug::run(p, ctx),
        Check::BluetoothScan(p) => bluetooth_scan::run(p, ctx),
        Check::WifiConnect(p) => wifi_connect::run(p, ctx),
        Check::InputKeys(p) => input_keys::run(p, ctx),
        Check::AudioPlaybackCapture(p) => audio_playback_capture::run(p, ctx),
        Check::CameraCapture(p) => camera_capture::run(p, ctx),
        Check::DisplayOutputs(p) => display_outputs::run(p, ctx),
        Check::GraphicsRender(p) => graphics_render::run(p, ctx),
        Check::PlatformFirmware(p) => platform_firmware::run(p, ctx),
        Check::VirtKvm(p) => virt_kvm::run(p, ctx),
        Check::ServerIpmi(p) => server_ipmi::run(p, ctx),
        Check::Command(p) => command::run(p, ctx),
        Check::Manual(_) => manual::not_interactive(),
    }
}
