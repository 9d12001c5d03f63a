use mxcert_core::plan::params::{StorageHealth, StorageRwVerify};
use mxcert_core::report::Status;
use mxcert_suites::checks::{storage_health, storage_rw_verify};

use crate::support::{ctx, inventory, live, on_reference_vm, Tree};

fn entries(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_file_is_written_synced_read_back_verified_and_removed() {
    let t = tempfile::tempdir().unwrap();
    let p = StorageRwVerify {
        size_mib: 4,
        ..StorageRwVerify::default()
    };
    let out = storage_rw_verify::run(&p, &live(t.path()));
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("4 MiB written, read back and verified in 1 place(s)")
    );
    assert!(out.measurement("write_throughput").unwrap() > 0.0);
    assert!(out.measurement("read_throughput").unwrap() > 0.0);
    assert!(out
        .evidence_text("targets")
        .unwrap()
        .starts_with("scratch: wrote 4 MiB at "));
    assert!(
        entries(t.path()).is_empty(),
        "left behind: {:?}",
        entries(t.path())
    );
}

#[test]
fn a_chosen_path_must_be_a_directory_and_nothing_is_left_on_failure() {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let p = StorageRwVerify {
        size_mib: 1,
        path: Some(file.to_string_lossy().into_owned()),
        all_filesystems: false,
    };
    let out = storage_rw_verify::run(&p, &live(t.path()));
    assert_eq!(out.status, Status::Fail);
    assert!(out
        .message
        .unwrap()
        .contains("is not a directory; only directories are tested, never device nodes"));

    let p = StorageRwVerify {
        size_mib: 1,
        path: Some("/nonexistent/mxcert".into()),
        all_filesystems: false,
    };
    let out = storage_rw_verify::run(&p, &live(t.path()));
    assert_eq!(out.status, Status::Fail);
    assert_eq!(entries(t.path()), vec!["not-a-dir"]);
}

#[test]
fn every_writable_local_filesystem_is_tested_from_the_mount_table() {
    let tree = Tree::new();
    tree.file(
        "/proc/self/mounts",
        "/dev/vda / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n/dev/vdb /srv ext4 ro 0 0\n/dev/vdc /data xfs rw 0 0\n",
    )
    .dir("/data");
    let scratch = tempfile::tempdir().unwrap();
    let c = ctx(inventory("laptop.json"), tree.root(), scratch.path());
    let p = StorageRwVerify {
        size_mib: 2,
        path: None,
        all_filesystems: true,
    };
    let out = storage_rw_verify::run(&p, &c);
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("2 MiB written, read back and verified in 3 place(s)")
    );
    for name in [
        "write_throughput@scratch",
        "write_throughput@/",
        "read_throughput@/data",
    ] {
        assert!(out.measurement(name).unwrap() > 0.0, "{name}");
    }
    assert!(entries(&tree.root().join("data")).is_empty());
    assert!(!entries(tree.root())
        .iter()
        .any(|e| e.starts_with(".mxcert-rw-")));
}

const NVME_OK: &str = r#"{"json_format_version":[1,0],"smartctl":{"version":[7,3],"exit_status":0},
"device":{"name":"/dev/nvme0n1","type":"nvme","protocol":"NVMe"},"model_name":"KIOXIA KXG80ZNV512G","serial_number":"X3PS10ABCDEF","firmware_version":"10410104",
"smart_status":{"passed":true,"nvme":{"value":0}},
"nvme_smart_health_information_log":{"critical_warning":0,"temperature":35,"available_spare":100,"available_spare_threshold":10,"percentage_used":3,"power_on_hours":2401,"media_errors":0,"num_err_log_entries":0},
"temperature":{"current":35}}"#;

const NVME_WORN: &str = r#"{"smartctl":{"exit_status":8},"device":{"name":"/dev/nvme0","protocol":"NVMe"},"model_name":"Old SSD",
"smart_status":{"passed":false,"nvme":{"value":4}},
"nvme_smart_health_information_log":{"critical_warning":4,"available_spare":5,"available_spare_threshold":10,"percentage_used":104,"media_errors":12}}"#;

const ATA_PENDING: &str = r#"{"device":{"name":"/dev/sda","protocol":"ATA"},"model_name":"WDC WD140EDFZ-11A0VA0","serial_number":"9RK1XXXX","smart_status":{"passed":true},
"ata_smart_attributes":{"table":[
{"id":5,"name":"Reallocated_Sector_Ct","value":100,"worst":100,"thresh":1,"when_failed":"","raw":{"value":8,"string":"8"}},
{"id":9,"name":"Power_On_Hours","value":100,"worst":100,"thresh":0,"when_failed":"","raw":{"value":1730,"string":"1730"}},
{"id":197,"name":"Current_Pending_Sector","value":100,"worst":100,"thresh":0,"when_failed":"","raw":{"value":2,"string":"2"}}]},
"temperature":{"current":32}}"#;

const USB_BRIDGE: &str = r#"{"smartctl":{"exit_status":1,"messages":[{"string":"/dev/sdb: Unknown USB bridge [0x0bda:0x9210 (0xf01)]","severity":"error"},{"string":"Please specify device type with the -d option.","severity":"information"}]}}"#;

#[test]
fn smartctl_health_data_is_read_without_serial_numbers() {
    let ok = storage_health::parse_smartctl(NVME_OK.as_bytes(), 100).unwrap();
    assert_eq!(ok.passed, Some(true));
    assert!(ok.problems.is_empty());
    assert_eq!(ok.percentage_used, Some(3));
    assert_eq!(
        ok.model.as_deref(),
        Some("KIOXIA KXG80ZNV512G (firmware 10410104)")
    );
    assert_eq!(
        ok.facts,
        [
            "3% of rated life used",
            "available spare 100% (threshold 10%)",
            "2401 power-on hours",
            "35 °C"
        ]
    );
    assert!(!format!("{ok:?}").contains("X3PS10ABCDEF"));

    let worn = storage_health::parse_smartctl(NVME_WORN.as_bytes(), 100).unwrap();
    assert_eq!(
        worn.problems,
        [
            "SMART overall-health self-assessment: FAILED",
            "NVMe critical warning 0x04",
            "104% of rated life used (the plan allows 100%)",
            "12 media and data integrity errors",
            "available spare 5% is below its threshold 10%"
        ]
    );
    let strict = storage_health::parse_smartctl(NVME_OK.as_bytes(), 2).unwrap();
    assert_eq!(
        strict.problems,
        ["3% of rated life used (the plan allows 2%)"]
    );

    let ata = storage_health::parse_smartctl(ATA_PENDING.as_bytes(), 100).unwrap();
    assert_eq!(ata.problems, ["Current_Pending_Sector: 2"]);
    assert!(ata
        .facts
        .contains(&"Reallocated_Sector_Ct: 8 (reallocated; watch it)".to_owned()));
    assert!(!format!("{ata:?}").contains("9RK1XXXX"));

    let err = storage_health::parse_smartctl(USB_BRIDGE.as_bytes(), 100).unwrap_err();
    assert_eq!(err, "/dev/sdb: Unknown USB bridge [0x0bda:0x9210 (0xf01)]; Please specify device type with the -d option.");
    assert!(storage_health::parse_smartctl(b"<html>", 100)
        .unwrap_err()
        .starts_with("smartctl output is not JSON"));
}

#[test]
fn emmc_wear_comes_from_sysfs_and_missing_tools_or_data_skip() {
    let tree = Tree::new();
    tree.dir("/sys/block/mmcblk0/device")
        .file("/sys/block/mmcblk0/device/life_time", "0x02 0x03\n")
        .file("/sys/block/mmcblk0/device/pre_eol_info", "0x01\n")
        .file("/sys/block/mmcblk0/device/name", "DA4064\n")
        .dir("/sys/block/loop0");
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("laptop.json"), tree.root(), t.path());
    let out = storage_health::run(&StorageHealth::default(), &c);
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(out.measurement("life_used@mmcblk0"), Some(20.0));
    assert_eq!(
        out.evidence_text("disks"),
        Some("mmcblk0 (mmc, DA4064): healthy; life-time estimate 0x02 0x03 (about 20–30% used)")
    );

    let tree = Tree::new();
    tree.dir("/sys/block/nvme0n1/device")
        .dir("/sys/block/vda/device");
    let c = ctx(inventory("laptop.json"), tree.root(), t.path());
    let p = StorageHealth {
        smartctl: "mxcert-no-such-smartctl".into(),
        ..StorageHealth::default()
    };
    let out = storage_health::run(&p, &c);
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("no disk's health data was readable: nvme0n1 (nvme): mxcert-no-such-smartctl not found (install smartmontools); vda (virtual): virtual disk: no health data exposed")
    );
}

#[test]
fn the_virtual_disk_of_this_machine_has_no_health_data() {
    if !on_reference_vm() {
        eprintln!("skipped: only the reference VM is known to have only a virtio disk");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let out = storage_health::run(&StorageHealth::default(), &live(t.path()));
    assert_eq!(out.status, Status::Skip);
    assert!(out
        .message
        .unwrap()
        .contains("vda (virtual): virtual disk: no health data exposed"));
}
