//! C uapi header backend (stub; being written).
use super::GeneratedFile;
use crate::model::Model;

pub fn render(_model: &Model) -> Vec<GeneratedFile> {
    Vec::new()
}
