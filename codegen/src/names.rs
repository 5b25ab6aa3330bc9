//! Name casing: specs use lower-kebab-case; each backend converts.

/// `bo-create` -> `BoCreate`.
pub fn pascal(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// `bo-create` -> `bo_create`.
pub fn snake(name: &str) -> String {
    name.replace('-', "_").to_ascii_lowercase()
}

/// `bo-create` -> `BO_CREATE`.
pub fn upper(name: &str) -> String {
    name.replace('-', "_").to_ascii_uppercase()
}

/// Is `name` lower-kebab-case: `[a-z][a-z0-9]*(-[a-z0-9]+)*`?
pub fn is_kebab(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casing() {
        assert_eq!(pascal("bo-create"), "BoCreate");
        assert_eq!(pascal("add-u32"), "AddU32");
        assert_eq!(snake("bo-create"), "bo_create");
        assert_eq!(upper("bo-create"), "BO_CREATE");
        assert!(is_kebab("crc32c"));
        assert!(is_kebab("max-engines"));
        assert!(!is_kebab("MaxEngines"));
        assert!(!is_kebab("max_engines"));
        assert!(!is_kebab("-x"));
        assert!(!is_kebab("x-"));
        assert!(!is_kebab("1x"));
    }
}
