//! Azure Files naming rules, checked before a request is sent so a bad name gets a clear
//! message at once (the service's answer would be 400 `InvalidResourceName`).

/// Why a file or directory name is not allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty, or only dots/spaces.
    #[error("a name cannot be empty")]
    Empty,
    /// Over 255 characters.
    #[error("a name can have at most 255 characters")]
    TooLong,
    /// One of `" \ / : | < > * ?` or a control character.
    #[error("a name cannot contain \" \\ / : | < > * ? or control characters")]
    InvalidCharacter,
    /// `.`, `..`, or a reserved device name (CON, PRN, AUX, NUL, COM1–9, LPT1–9).
    #[error("that name is reserved")]
    Reserved,
}

/// Checks one path component.
pub fn check_name(name: &str) -> Result<(), NameError> {
    const RESERVED: [&str; 6] = ["CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$"];
    if name.trim().is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().count() > 255 {
        return Err(NameError::TooLong);
    }
    if name == "." || name == ".." {
        return Err(NameError::Reserved);
    }
    if name
        .chars()
        .any(|c| matches!(c, '"' | '\\' | '/' | ':' | '|' | '<' | '>' | '*' | '?') || c < ' ' || c == '\u{81}')
    {
        return Err(NameError::InvalidCharacter);
    }
    let upper = name.to_ascii_uppercase();
    let device = (upper.starts_with("COM") || upper.starts_with("LPT"))
        && upper.len() == 4
        && upper.as_bytes()[3].is_ascii_digit()
        && upper.as_bytes()[3] != b'0';
    if device || RESERVED.contains(&upper.as_str()) {
        return Err(NameError::Reserved);
    }
    Ok(())
}

/// Whether `name` is one of azfx's own temporary files (`.azfx-….part`: a transfer
/// still arriving, or one a killed transfer left for its resume). Never content: not
/// listed as a file, not downloaded, uploaded or copied, only removed with its folder.
pub fn is_temporary(name: &str) -> bool {
    // The share compares names without case, so `.AZFX-….PART` is the same file.
    let name = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    name.strip_prefix(".azfx-").and_then(|rest| rest.strip_suffix(".part")).is_some_and(|tag| !tag.is_empty())
}

/// A name compared without case, as Azure Files and NTFS compare them: each character
/// replaced by its upper case when that is one character (NTFS's up-case table maps
/// character to character, so `ß` stays `ß`).
pub fn fold_case(name: &str) -> String {
    name.chars()
        .map(|c| {
            let mut upper = c.to_uppercase();
            match (upper.next(), upper.next()) {
                (Some(one), None) => one,
                _ => c,
            }
        })
        .collect()
}

/// `dir/name`; `name` at the share root (`dir` empty) and `dir` itself for an empty
/// `name`. Paths inside a share are `/`-separated without leading or trailing slashes.
pub fn join(dir: &str, name: &str) -> String {
    match (dir.is_empty(), name.is_empty()) {
        (true, _) => name.to_owned(),
        (false, true) => dir.to_owned(),
        (false, false) => format!("{dir}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(check_name("report 2024.txt"), Ok(()));
        assert_eq!(check_name("a:b"), Err(NameError::InvalidCharacter));
        assert_eq!(check_name("COM1"), Err(NameError::Reserved));
        assert_eq!(check_name("COM10"), Ok(()));
        assert_eq!(check_name(".."), Err(NameError::Reserved));
        assert_eq!(check_name(&"x".repeat(256)), Err(NameError::TooLong));
        assert_eq!(check_name("  "), Err(NameError::Empty));
    }
}
