//! TEMPORARY STUB: replaced by the lossless editor being written.
use crate::error::Result;
use std::path::{Path, PathBuf};
pub struct Condarc {
    _path: PathBuf,
    text: String,
}
impl Condarc {
    pub fn parse(path: &Path, text: &str) -> Result<Condarc> {
        Ok(Condarc {
            _path: path.into(),
            text: text.into(),
        })
    }
    pub fn load(path: &Path) -> Result<Condarc> {
        Self::parse(path, &std::fs::read_to_string(path).unwrap_or_default())
    }
    pub fn get_list(&self, _key: &str) -> Option<Vec<String>> {
        None
    }
    pub fn get_scalar(&self, _key: &str) -> Option<String> {
        None
    }
    pub fn set_list(&mut self, key: &str, items: &[String]) {
        self.text.push_str(&format!("{key}:\n"));
        for i in items {
            self.text.push_str(&format!("  - {i}\n"));
        }
    }
    pub fn set_scalar(&mut self, key: &str, value: &str) {
        self.text.push_str(&format!("{key}: {value}\n"));
    }
    pub fn render(&self) -> String {
        self.text.clone()
    }
}
pub fn edit<T>(path: &Path, change: impl FnOnce(&mut Condarc) -> Result<T>) -> Result<T> {
    let mut rc = Condarc::load(path)?;
    let r = change(&mut rc)?;
    std::fs::write(path, rc.render()).unwrap();
    Ok(r)
}
