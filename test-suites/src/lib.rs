//! mxcert-suites: the certification test plans (TOML files under `plans/`) and the checks they run.
