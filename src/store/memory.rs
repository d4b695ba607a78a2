//! A store in memory, for the chain's unit tests: it can be made unreachable or read-only, and
//! its entries are shared with the test through an `Rc`.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use super::{Backend, Guard, Source, StoreError, StoreResult};

#[derive(Clone, Default)]
pub struct MemoryBackend {
    pub entries: Rc<RefCell<BTreeMap<String, String>>>,
    pub unreachable: Rc<Cell<bool>>,
    pub read_only: bool,
    pub name: String,
}

impl MemoryBackend {
    pub fn new(name: &str) -> Self {
        MemoryBackend {
            name: name.to_string(),
            ..MemoryBackend::default()
        }
    }

    pub fn read_only(name: &str) -> Self {
        MemoryBackend {
            read_only: true,
            ..MemoryBackend::new(name)
        }
    }

    pub fn with(self, user: &str, secret: &str) -> Self {
        self.entries
            .borrow_mut()
            .insert(user.to_string(), secret.to_string());
        self
    }

    pub fn get_now(&self, user: &str) -> Option<String> {
        self.entries.borrow().get(user).cloned()
    }

    pub fn users(&self) -> Vec<String> {
        self.entries.borrow().keys().cloned().collect()
    }

    fn reach(&self) -> StoreResult<()> {
        if self.unreachable.get() {
            return Err(StoreError::Unreachable {
                message: format!("{} is not there.", self.name),
                hint: "Start it.".into(),
            });
        }
        Ok(())
    }

    fn writable(&self) -> StoreResult<()> {
        self.reach()?;
        if self.read_only {
            return Err(StoreError::ReadOnly {
                store: self.name.clone(),
            });
        }
        Ok(())
    }
}

impl Backend for MemoryBackend {
    fn get(&self, user: &str) -> StoreResult<Option<String>> {
        self.reach()?;
        Ok(self.get_now(user))
    }

    fn set(&self, user: &str, secret: &str) -> StoreResult<()> {
        self.writable()?;
        self.entries
            .borrow_mut()
            .insert(user.to_string(), secret.to_string());
        Ok(())
    }

    fn delete(&self, user: &str) -> StoreResult<bool> {
        self.writable()?;
        Ok(self.entries.borrow_mut().remove(user).is_some())
    }

    fn describe(&self) -> String {
        format!("{} (in memory)", self.name)
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn lock(&self) -> StoreResult<Guard> {
        Ok(Guard::none())
    }

    fn check_writable(&self) -> StoreResult<()> {
        self.writable()
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn source(&self) -> Source {
        if self.read_only {
            Source::Environment
        } else {
            Source::Keyring
        }
    }
}
