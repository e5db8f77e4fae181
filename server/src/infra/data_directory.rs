//! The data directory must exist and take writes before anything is stored in it.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("the data directory {path} is not usable: {source} (set SAWDA_DATA to a writable directory)")]
pub struct DataDirectoryError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

pub fn ensure_writable(path: &Path) -> Result<(), DataDirectoryError> {
    let fail = |source| DataDirectoryError { path: path.to_path_buf(), source };
    std::fs::create_dir_all(path).map_err(fail)?;
    let probe = path.join(format!(".write-check-{}", std::process::id()));
    std::fs::write(&probe, b"ok").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_missing_directory() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("a/b");
        ensure_writable(&path).unwrap();
        assert!(path.is_dir());
        assert_eq!(std::fs::read_dir(&path).unwrap().count(), 0, "the probe file is removed");
    }

    #[test]
    fn a_file_in_the_way_is_a_clear_error() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let error = ensure_writable(&file.join("data")).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("is not usable"), "{message}");
        assert!(message.contains("SAWDA_DATA"), "{message}");
    }
}
