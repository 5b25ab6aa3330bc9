//! Lint rules (stub; being written).
use crate::diag::Diagnostics;
use crate::model::Model;

pub fn lint(_model: &Model) -> Diagnostics {
    Diagnostics::default()
}
