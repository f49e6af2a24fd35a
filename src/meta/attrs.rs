//! Metadata attributes with MintPy's key names (`WAVELENGTH`, `LENGTH`, `REF_Y`, ...).

use std::collections::BTreeMap;

/// String-valued metadata, keyed by MintPy attribute names. Values are kept as text (as MintPy
/// writes them) and parsed on access.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attributes {
    map: BTreeMap<String, String>,
}

/// A required attribute is missing or does not parse.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AttrError {
    /// The key is absent.
    #[error("metadata key {0} is missing")]
    Missing(String),
    /// The value is not a number.
    #[error("metadata key {key} = '{value}' is not a number")]
    NotNumber {
        /// Key.
        key: String,
        /// Offending value.
        value: String,
    },
}

impl AttrError {
    /// The key the error is about.
    pub fn key(&self) -> &str {
        match self {
            AttrError::Missing(k) | AttrError::NotNumber { key: k, .. } => k,
        }
    }
}

impl Attributes {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to the text of `value`.
    pub fn set(&mut self, key: impl Into<String>, value: impl ToString) {
        self.map.insert(key.into(), value.to_string());
    }

    /// Removes a key, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.map.remove(key)
    }

    /// The raw text of a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(|s| s.as_str())
    }

    /// Whether the key is present.
    pub fn contains(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// A key parsed as a floating-point number.
    pub fn get_f64(&self, key: &str) -> Result<f64, AttrError> {
        let v = self
            .get(key)
            .ok_or_else(|| AttrError::Missing(key.to_string()))?;
        v.trim().parse::<f64>().map_err(|_| AttrError::NotNumber {
            key: key.to_string(),
            value: v.to_string(),
        })
    }

    /// A key parsed as a number, if present and numeric.
    pub fn get_f64_opt(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(|v| v.trim().parse::<f64>().ok())
    }

    /// Copies every key of `other` into `self`, overwriting.
    pub fn extend(&mut self, other: &Attributes) {
        for (k, v) in &other.map {
            self.map.insert(k.clone(), v.clone());
        }
    }

    /// All keys and values in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl FromIterator<(String, String)> for Attributes {
    fn from_iter<T: IntoIterator<Item = (String, String)>>(iter: T) -> Self {
        Attributes {
            map: iter.into_iter().collect(),
        }
    }
}
