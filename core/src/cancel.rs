//! Stopping long work from outside. `core` has no clock, so a caller that wants an import to
//! stop (its request was abandoned, or its deadline passed) hands it a function that says so
//! (typically reading a flag and a clock); the importers and [`crate::devices::try_build`] call it
//! every batch of lines or records and give up with [`Cancelled`].

/// How many lines or records are handled between two looks at the flag.
pub const BATCH: usize = 256;

/// The work was stopped by its caller's flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("failed to finish: stopped by the caller (request abandoned or past its deadline)")]
pub struct Cancelled;

/// A caller's "stop now?" function, or none.
#[derive(Clone, Copy, Default)]
pub struct Cancel<'a>(pub Option<&'a (dyn Fn() -> bool + Sync)>);

impl std::fmt::Debug for Cancel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Cancel(caller's)"
        } else {
            "Cancel(never)"
        })
    }
}

impl<'a> Cancel<'a> {
    /// Stops when `stop` says so.
    pub fn when(stop: &'a (dyn Fn() -> bool + Sync)) -> Cancel<'a> {
        Cancel(Some(stop))
    }

    /// `Err` once the caller's function says stop.
    pub fn check(self) -> Result<(), Cancelled> {
        match self.0 {
            Some(stop) if stop() => Err(Cancelled),
            _ => Ok(()),
        }
    }

    /// [`Cancel::check`] on every [`BATCH`]th item (`i` counts items from 0).
    pub fn check_every(self, i: usize) -> Result<(), Cancelled> {
        if i % BATCH == 0 {
            self.check()
        } else {
            Ok(())
        }
    }
}
