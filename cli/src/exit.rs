//! The documented exit codes of `mxcert`. Scripts rely on these; never renumber them.
//!
//! | code | name | meaning |
//! |---|---|---|
//! | 0 | `SUCCESS` | the command did what was asked (a `run` whose verdict is certifiable, a valid signature) |
//! | 1 | `FAILED` | the command ran and the answer is "no": a signature or certificate does not verify, a run is not certifiable, a plan does not validate |
//! | 2 | `USAGE` | the command line is wrong (unknown flag, missing argument), or a setting it needs is nowhere (no signing key, no API token: see `config.rs`) |
//! | 3 | `BAD_INPUT` | an input file or dump could not be read or is malformed; so is a configuration file (`/etc/mxcert/mxcert.toml`, `~/.config/mxcert/config.toml`: the message names the file and the line) or a token file |
//! | 4 | `REGISTRY` | the registry could not be reached or refused the request |
//! | 5 | `ENVIRONMENT` | the machine refused: an output file exists or cannot be written, a permission is missing, a token file is readable by its group or others |
//! | 6 | `LOG_FORK` | a transparency log showed a tree that does not extend one it showed before (`mxcert log verify`; both signed checkpoints are printed) |
//! | 130 | `INTERRUPTED` | stopped by Ctrl-C or SIGTERM; a resumable session is kept |

pub const SUCCESS: u8 = 0;
pub const FAILED: u8 = 1;
pub const USAGE: u8 = 2;
pub const BAD_INPUT: u8 = 3;
pub const REGISTRY: u8 = 4;
pub const ENVIRONMENT: u8 = 5;
pub const LOG_FORK: u8 = 6;
pub const INTERRUPTED: u8 = 130;
