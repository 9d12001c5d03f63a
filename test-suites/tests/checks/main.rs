//! Each check against real resources (temporary directories, real memory, real CPU, this
//! machine's /sys and /proc) and against fixture trees laid out like real sysfs, asserting on
//! status, messages, evidence and measurements. Sizes and durations are small so the suite
//! stays quick.

mod support;

mod audio;
mod camera;
mod command;
mod cpu_and_thermal;
mod devices;
mod hotplug;
mod input;
mod kernel;
mod manual;
mod memory;
mod network;
mod power;
mod presence;
mod runner_seam;
mod storage;
mod system;
mod wireless;
