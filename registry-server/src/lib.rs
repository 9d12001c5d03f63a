//! mxcert-registry: the MxOS certification registry.
//!
//! Vendors register signing keys and submit signed reports; automated checks run on every
//! submission; Foundation reviewers approve or reject; approval issues a certificate signed by the
//! registry's own key; the public lists certified systems. Every action is audited.
//!
//! Layout: [`cli`] (the `mxcert-registry` command line, called by a thin `main.rs`), [`config`],
//! [`server`] (router, limits, graceful shutdown; started from a bound listener), [`routes`] (one
//! file per API resource), [`workflow`] (who may do what to a submission, certificate, key, token
//! or membership: the rules beneath both the JSON routes and the [`web`] portal), [`urls`] (every
//! link the registry hands out), [`auth`] (tokens, roles, failure rate limits), [`client_addr`] (the
//! client's address behind trusted proxies, for every per-address limit), [`ingest`] (envelope ->
//! verified report -> index rows), [`review`] (automated checks, lifecycle, diffs), [`signing`]
//! (the registry key, certificates and revocations), [`plans`] (the plans the registry knows),
//! [`store`] (the database behind one handle, SQLite or PostgreSQL) and [`error`] (the one API
//! error type). The public side — certified systems, device compatibility, "does my machine
//! work?", the partner directory and open data — is [`public`] (plain async functions over the
//! store, shared by the JSON routes and the web portal), with [`ratelimit`] (public POSTs),
//! [`metrics`] (`/metrics`) and [`hwnames`] (`pci.ids`/`usb.ids` for naming devices). [`notify`]
//! tells systemd when the service is ready and when it stops (`Type=notify`). Operations: [`backup`] (online
//! backup, restore and the check of every stored signature) and [`published`] (the published
//! mark, kept outside the database, that stops a restored database from reissuing numbers).
//! [`witness`] asks the transparency log's witnesses for cosignatures (C2SP `tlog-witness`).
//!
//! This crate must not depend on the `mxcert` CLI crate; shared formats come from `mxcert-core`.

pub mod auth;
pub mod backup;
pub mod cli;
pub mod client_addr;
pub mod config;
pub mod error;
pub mod extract;
pub mod heavy;
pub mod hwnames;
pub mod ingest;
pub mod log_export;
pub mod metrics;
pub mod notify;
pub mod plans;
pub mod public;
pub mod published;
pub mod ratelimit;
pub mod review;
pub mod routes;
pub mod server;
pub mod signing;
pub mod state;
pub mod store;
pub mod urls;
pub mod web;
pub mod witness;
pub mod workflow;
