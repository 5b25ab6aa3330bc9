use std::process::Command;

#[test]
fn crc_matches_the_spec_check_value() {
    assert_eq!(softaccel_demo::crc32c(0, b"123456789"), 0xe306_9283);
}

#[test]
fn the_workload_verifies() {
    for n in [1, 1000, 4096 + 3] {
        let r = softaccel_demo::run(n).unwrap();
        assert!(r.ok(), "{r}");
        assert!(r.checks.len() >= 4, "{r}");
        assert!(r.to_string().ends_with("OK"));
    }
}

#[test]
fn the_binary_runs_and_exits_zero() {
    let out = Command::new(env!("CARGO_BIN_EXE_softaccel-demo"))
        .arg("5000")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("a + b (u32): 5000 elements match"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("OK"), "{stdout}");
}

#[test]
fn a_bad_argument_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_softaccel-demo"))
        .arg("zero")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The README's main job: the demo through the real device node, with the
/// driver served over FUSE (as root with /dev/fuse, as CI runs).
#[test]
fn the_workload_verifies_through_the_device_node() {
    use softaccel_driver::{Device, DeviceConfig, node};
    if let Err(why) = node::check_available() {
        if std::env::var_os("UABI_ALLOW_NO_FUSE").is_some() {
            uabi_test_support::skipped("the_workload_verifies_through_the_device_node", &why);
            return;
        }
        panic!("the device node needs FUSE: {why} (set UABI_ALLOW_NO_FUSE=1 to skip)");
    }
    let mnt = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-node");
    let dev = Device::new(DeviceConfig::default()).unwrap();
    let n = node::spawn(&mnt, dev.clone()).unwrap();
    let r = softaccel_demo::run_on(5000, &softaccel_demo::Target::Node(n.device_path())).unwrap();
    assert!(r.ok(), "{r}");
    assert!(r.to_string().contains("device node"), "{r}");
    drop(n);
    assert_eq!(dev.counters().files, 0, "the node's file was not released");
}
