//! Fixture inventories, fixture trees laid out like `/`, and contexts pointing at them.

use std::path::{Path, PathBuf};

use mxcert_core::inventory::Inventory;
use mxcert_suites::{Context, Options};
use tempfile::TempDir;

pub fn inventory(name: &str) -> Inventory {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/inventories")
        .join(name);
    Inventory::from_json(&std::fs::read(&path).unwrap()).unwrap()
}

/// A directory laid out like `/`, built file by file.
pub struct Tree {
    dir: TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    fn at(&self, system_path: &str) -> PathBuf {
        self.dir.path().join(system_path.trim_start_matches('/'))
    }

    /// Writes a file (creating its directories).
    pub fn file(&self, system_path: &str, content: &str) -> &Tree {
        let p = self.at(system_path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
        self
    }

    pub fn dir(&self, system_path: &str) -> &Tree {
        std::fs::create_dir_all(self.at(system_path)).unwrap();
        self
    }

    /// A device under /sys/devices with its driver bound: `devices/…/DEV` and
    /// `DEV/driver -> ../../bus/BUS/drivers/DRIVER`-style link (absolute inside the tree).
    pub fn device(&self, device_path: &str, driver: Option<&str>) -> &Tree {
        self.dir(device_path);
        if let Some(d) = driver {
            let target = self.at(&format!("/sys/bus/x/drivers/{d}"));
            std::fs::create_dir_all(&target).unwrap();
            std::os::unix::fs::symlink(target, self.at(&format!("{device_path}/driver"))).unwrap();
        }
        self
    }

    /// `link` to a path inside the tree (absolute, so it resolves wherever the tree is).
    pub fn link_in(&self, system_path: &str, target_system_path: &str) -> &Tree {
        let target = self.at(target_system_path);
        std::fs::create_dir_all(&target).unwrap();
        let p = self.at(system_path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, p).unwrap();
        self
    }
}

/// A context reading `root`, writing scratch files under `scratch`.
pub fn ctx(inventory: Inventory, root: &Path, scratch: &Path) -> Context {
    Context {
        inventory,
        root: root.to_path_buf(),
        scratch: scratch.to_path_buf(),
        options: Options::default(),
        is_root: false,
        timeout: None,
    }
}

/// A context on the live machine with the VM's recorded inventory.
pub fn live(scratch: &Path) -> Context {
    let mut c = ctx(inventory("firecracker-vm.json"), Path::new("/"), scratch);
    c.is_root = nix::unistd::geteuid().is_root();
    c
}

/// Whether this is the team's Firecracker VM (six virtio PCI devices, no DMI): some assertions
/// about what this machine has only hold there.
pub fn on_reference_vm() -> bool {
    std::fs::read_to_string("/sys/bus/pci/devices/0000:00:02.0/vendor")
        .is_ok_and(|v| v.trim() == "0x1af4")
        && !Path::new("/sys/class/dmi/id/sys_vendor").exists()
}
