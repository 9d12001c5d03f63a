#![no_main]
//! The lspci importer on arbitrary bytes: never a panic; what it imports round-trips.

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run(data, mxcert_core::import::Format::Lspci));
