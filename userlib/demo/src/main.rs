//! `softaccel-demo [ELEMENTS]`: runs the demo workload and prints what
//! happened; exits non-zero if any result differs from the CPU's.

use std::process::ExitCode;

fn main() -> ExitCode {
    let elements = match std::env::args().nth(1).map(|s| s.parse::<usize>()) {
        None => softaccel_demo::DEFAULT_ELEMENTS,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: softaccel-demo [ELEMENTS]  (a positive element count)");
            return ExitCode::from(2);
        }
    };
    match softaccel_demo::run(elements) {
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
