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
