//! `camera.capture` against `v4l2-ctl` answers. The format listing is constructed exactly per
//! v4l2-ctl's `--list-formats-ext` output (v4l-utils 1.22: `[0]: 'YUYV' (YUYV 4:2:2)`,
//! `Size: Discrete 640x480`, `Interval: Discrete 0.033s (30.000 fps)`), the frame-rate lines
//! per what it prints while streaming (`<<<<<<<<<<<<<<<<<<<<<<<<<<<<<< 30.00 fps`); frames are
//! generated YUYV bytes. This machine has no camera to record from.

use mxcert_core::plan::params::CameraCapture;
use mxcert_core::report::Status;
use mxcert_suites::checks::camera_capture::{self, formats, last_fps};
use mxcert_suites::runner_seam::{recording_name, RecordedRunner};
use mxcert_suites::Outcome;

use crate::support::{ctx, inventory, Tree};

const LISTING: &str = "ioctl: VIDIOC_ENUM_FMT\n\tType: Video Capture\n\n\t[0]: 'MJPG' (Motion-JPEG, compressed)\n\t\tSize: Discrete 1280x720\n\t\t\tInterval: Discrete 0.033s (30.000 fps)\n\t[1]: 'YUYV' (YUYV 4:2:2)\n\t\tSize: Discrete 320x240\n\t\t\tInterval: Discrete 0.033s (30.000 fps)\n\t\tSize: Discrete 640x480\n\t\t\tInterval: Discrete 0.033s (30.000 fps)\n\t\tSize: Discrete 160x120\n\t\t\tInterval: Discrete 0.033s (30.000 fps)\n";

fn camera() -> Tree {
    let t = Tree::new();
    t.file(
        "/sys/class/video4linux/video0/name",
        "Integrated Camera: Integrated C\n",
    )
    .file("/sys/class/video4linux/video0/index", "0\n")
    .file(
        "/sys/class/video4linux/video1/name",
        "Integrated Camera: Integrated C\n",
    )
    .file("/sys/class/video4linux/video1/index", "1\n");
    t
}

/// `frames` YUYV frames of w×h; each differs from the last unless `frozen`.
fn frames(w: usize, h: usize, n: usize, frozen: bool) -> Vec<u8> {
    (0..n)
        .flat_map(|i| {
            let k = if frozen { 0 } else { i };
            (0..w * h * 2).map(move |j| ((j * 31 + k * 7) % 251) as u8)
        })
        .collect()
}

fn run(p: &CameraCapture, frozen_at_640: bool, listing: Option<&str>) -> Outcome {
    run_hung(p, frozen_at_640, listing, false)
}

fn run_hung(p: &CameraCapture, frozen_at_640: bool, listing: Option<&str>, hung: bool) -> Outcome {
    let rec = tempfile::tempdir().unwrap();
    let put = |args: &[&str], ext: &str, bytes: &[u8]| {
        std::fs::write(
            rec.path()
                .join(format!("{}.{ext}", recording_name("v4l2-ctl", args))),
            bytes,
        )
        .unwrap();
    };
    if let Some(l) = listing {
        put(
            &["-d", "/dev/video0", "--list-formats-ext"],
            "stdout",
            l.as_bytes(),
        );
    }
    for (w, h) in [(640, 480), (320, 240)] {
        let set = format!("--set-fmt-video=width={w},height={h},pixelformat=YUYV");
        let count = format!("--stream-count={}", p.frames);
        let args = [
            "-d",
            "/dev/video0",
            &set,
            "--stream-mmap",
            &count,
            "--stream-to=-",
        ];
        put(
            &args,
            "stdout",
            &frames(w, h, p.frames as usize, frozen_at_640 && w == 640),
        );
        put(
            &args,
            "stderr",
            b"<<<<<<<<<<<<<<<<<<<<<<<< 29.97 fps\r<<<<<<<<<<<<<<<<<<<<<<<<<<<< 30.01 fps\n",
        );
        if hung && w == 640 {
            put(&args, "status", b"timeout");
        }
    }
    let tree = camera();
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), tree.root());
    camera_capture::run_with(p, &c, &RecordedRunner::new(rec.path()))
}

fn params() -> CameraCapture {
    CameraCapture {
        max_resolutions: 2,
        frames: 4,
        min_fps: 0,
    }
}

#[test]
fn the_listing_and_the_frame_rate_are_read_as_v4l2_ctl_prints_them() {
    let f = formats(LISTING);
    assert_eq!(f.len(), 2);
    assert_eq!(f[1].fourcc, "YUYV");
    assert_eq!(f[1].sizes, vec![(320, 240), (640, 480), (160, 120)]);
    assert_eq!(last_fps("<<<<< 29.97 fps\r<<<<< 30.01 fps\n"), Some(30.01));
    assert_eq!(last_fps("no rate"), None);
}

fn recorded(name: &str) -> String {
    std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/recorded/camera")
            .join(name),
    )
    .unwrap()
}

/// Listings printed by real cameras (origins in tests/fixtures/recorded/README.md).
#[test]
fn real_listings_old_and_new_with_driver_blocks_and_stepwise_sizes_are_read() {
    // A 4K UVC camera, listed with `-D` (the driver block comes first): MJPG then YUYV.
    let f = formats(&recorded("elp-4k-usb.txt"));
    assert_eq!(
        f.iter().map(|f| f.fourcc.as_str()).collect::<Vec<_>>(),
        ["MJPG", "YUYV"]
    );
    assert_eq!(f[0].sizes.len(), 11);
    assert_eq!(f[1].sizes.len(), 11);
    assert_eq!(f[1].sizes[0], (3840, 2160));
    assert_eq!(f[1].sizes[10], (320, 240));
    // A USB 2.0 camera on a Raspberry Pi: no blank line after the type.
    let f = formats(&recorded("usb2-camera.txt"));
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].sizes,
        vec![(640, 480), (352, 288), (320, 240), (176, 144), (160, 120)]
    );
    // An older v4l2-ctl (`Pixel Format:` lines, spaces for tabs) on a camera with stepwise
    // sizes: the largest size of each range.
    let f = formats(&recorded("pi-camera-stepwise.txt"));
    assert_eq!(
        f.iter().map(|f| f.fourcc.as_str()).collect::<Vec<_>>(),
        ["YU12", "YUYV", "RGB3", "JPEG", "H264", "MJPG"]
    );
    assert!(f.iter().all(|f| f.sizes == vec![(2592, 1944)]), "{f:?}");
    // Garbage gives no size and never panics.
    assert!(formats("[\u{0}'\nSize: Discrete x\nSize: Stepwise - \n'")
        .iter()
        .all(|f| f.sizes.is_empty()));
}

#[test]
fn frames_at_the_two_largest_resolutions_change_and_their_rate_is_measured() {
    let out = run(&params(), false, Some(LISTING));
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("Integrated Camera: Integrated C: frames captured and changing at 2 resolution(s)")
    );
    assert_eq!(out.measurement("fps@640x480"), Some(30.01));
    assert_eq!(out.measurement("fps@320x240"), Some(30.01));
    assert_eq!(
        out.evidence_text("captures"),
        Some("640x480 YUYV: 2457600 bytes captured, 30.01 fps\n320x240 YUYV: 614400 bytes captured, 30.01 fps")
    );
    let slow = run(
        &CameraCapture {
            min_fps: 60,
            ..params()
        },
        false,
        Some(LISTING),
    );
    assert_eq!(slow.status, Status::Fail);
    assert!(slow
        .message
        .unwrap()
        .starts_with("640x480 YUYV: 30.01 fps, slower than 60"));
}

#[test]
fn constant_frames_fail() {
    let out = run(&params(), true, Some(LISTING));
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("640x480 YUYV: the frames are constant (a frozen or covered sensor?)")
    );
}

#[test]
fn skip_paths_no_camera_no_tool() {
    let out = run(&params(), false, None);
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("v4l2-ctl is not installed (Debian package v4l-utils); install it to test the camera")
    );
    let empty = Tree::new();
    let c = ctx(inventory("firecracker-vm.json"), empty.root(), empty.root());
    let out = camera_capture::run(&params(), &c);
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("not applicable: no camera (/sys/class/video4linux is empty)")
    );
}

#[test]
fn a_capture_that_never_ends_is_a_failure_of_that_resolution() {
    let out = run_hung(&params(), false, Some(LISTING), true);
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("640x480: no 4 frames within 10 s")
    );
    assert!(out
        .evidence_text("captures")
        .unwrap()
        .starts_with("320x240 YUYV"));
}
