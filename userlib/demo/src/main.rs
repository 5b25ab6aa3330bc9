//! `softaccel-demo [--device PATH] [ELEMENTS]`: runs the demo workload
//! and prints what happened; exits non-zero if any result differs from
//! the CPU's. Without `--device` the driver runs in this process; with
//! it, the workload goes through the device node at PATH (served by
//! `softaccel-driverd`).

use softaccel_demo::Target;
use std::process::ExitCode;

const USAGE: &str =
    "usage: softaccel-demo [--device PATH] [ELEMENTS]  (ELEMENTS: a positive element count)";

fn main() -> ExitCode {
    let mut target = Target::InProcess;
    let mut elements = softaccel_demo::DEFAULT_ELEMENTS;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--device" => match args.next() {
                Some(p) => target = Target::Node(p.into()),
                None => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            },
            n => match n.parse::<usize>() {
                Ok(n) if n > 0 => elements = n,
                _ => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            },
        }
    }
    match softaccel_demo::run_on(elements, &target) {
        Ok(report) => {
            println!("{report}");
            if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("softaccel-demo: {e}");
            ExitCode::FAILURE
        }
    }
}
