//! Encryption at rest of sensitive fields (DATA-1): AES-256-GCM with a random 96-bit nonce per
//! value and the key id in front, so keys can rotate.
//!
//! Stored form: `v1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`. The current key encrypts;
//! every configured key (current and retired) can decrypt the values that name it. A value
//! that was altered, or that names an unknown key, fails with
//! [`Error::DataIntegrity`](rdv_core::Error::DataIntegrity) instead of yielding garbage.

use std::fmt;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rdv_core::{Error, Result};

const PREFIX: &str = "v1";
const NONCE_LEN: usize = 12;

/// Encrypts and decrypts sensitive fields. `Debug` never shows key material.
#[derive(Clone)]
pub struct FieldCipher {
    /// `(key id, cipher)`; the first entry encrypts.
    keys: Vec<(String, Aes256Gcm)>,
}

impl fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("FieldCipher")
            .field("key_ids", &ids)
            .finish_non_exhaustive()
    }
}

fn check_key_id(id: &str) -> Result<()> {
    if id.is_empty()
        || id.len() > 32
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::field(
            "encryption_key_id",
            "invalid_format",
            "encryption key ids are 1 to 32 letters, digits, '-' or '_'",
        ));
    }
    Ok(())
}

impl FieldCipher {
    /// A cipher whose current key is `key` (32 bytes) named `id`.
    pub fn new(id: &str, key: &[u8; 32]) -> Result<Self> {
        check_key_id(id)?;
        Ok(Self {
            keys: vec![(
                id.to_owned(),
                Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
            )],
        })
    }

    /// A cipher from a base64 key (44 characters encoding 32 bytes), as found in configuration.
    pub fn from_base64(id: &str, key_base64: &str) -> Result<Self> {
        Self::new(id, &decode_key(key_base64)?)
    }

    /// Adds a retired key that still decrypts the values written with it.
    pub fn with_retired_key(mut self, id: &str, key: &[u8; 32]) -> Result<Self> {
        check_key_id(id)?;
        self.keys.push((
            id.to_owned(),
            Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
        ));
        Ok(self)
    }

    /// Id of the key that encrypts new values.
    pub fn current_key_id(&self) -> &str {
        &self.keys[0].0
    }

    /// Encrypts `plaintext` with the current key and a fresh random nonce.
    pub fn encrypt(&self, plaintext: &str) -> Result<String> {
        let (id, cipher) = &self.keys[0];
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .map_err(|_| Error::Storage {
                message: "encryption failed".into(),
            })?;
        let mut bytes = Vec::with_capacity(NONCE_LEN + sealed.len());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}:{id}:{}", STANDARD.encode(bytes)))
    }

    /// Decrypts a stored value; `field` names it in the error.
    pub fn decrypt(&self, field: &str, stored: &str) -> Result<String> {
        let integrity = || Error::DataIntegrity {
            field: field.to_owned(),
        };
        let mut parts = stored.splitn(3, ':');
        let (Some(PREFIX), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(integrity());
        };
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(k, _)| k == id)
            .ok_or_else(integrity)?;
        let bytes = STANDARD.decode(body).map_err(|_| integrity())?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err(integrity());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| integrity())?;
        String::from_utf8(plain).map_err(|_| integrity())
    }
}

/// Decodes a base64 key of exactly 32 bytes.
pub fn decode_key(key_base64: &str) -> Result<[u8; 32]> {
    let bytes = STANDARD.decode(key_base64.trim()).map_err(|_| {
        Error::field(
            "encryption_key",
            "invalid_format",
            "the encryption key must be base64",
        )
    })?;
    bytes.try_into().map_err(|_| {
        Error::field(
            "encryption_key",
            "invalid_length",
            "the encryption key must be 32 bytes (44 base64 characters)",
        )
    })
}

#[cfg(test)]
mod tests {
    use rdv_core::ErrorCode;

    use super::*;

    fn cipher() -> FieldCipher {
        FieldCipher::new("k1", &[7u8; 32]).unwrap()
    }

    #[test]
    fn values_round_trip_and_never_show_plaintext() {
        let c = cipher();
        let stored = c.encrypt("+33612345678").unwrap();
        assert!(stored.starts_with("v1:k1:"));
        assert!(!stored.contains("33612345678"));
        assert_eq!(c.decrypt("phone", &stored).unwrap(), "+33612345678");
    }

    #[test]
    fn the_same_value_encrypts_differently_each_time() {
        let c = cipher();
        assert_ne!(c.encrypt("x").unwrap(), c.encrypt("x").unwrap());
    }

    #[test]
    fn a_tampered_value_is_a_typed_integrity_error() {
        let c = cipher();
        let stored = c.encrypt("+33612345678").unwrap();
        let mut bytes = stored.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        let err = c.decrypt("phone", &tampered).unwrap_err();
        assert_eq!(err.code(), ErrorCode::DataIntegrity);
        assert_eq!(
            c.decrypt("phone", "plain text").unwrap_err().code(),
            ErrorCode::DataIntegrity
        );
    }

    #[test]
    fn retired_keys_still_decrypt_after_rotation() {
        let old = cipher();
        let stored = old.encrypt("secret").unwrap();
        let rotated = FieldCipher::new("k2", &[9u8; 32])
            .unwrap()
            .with_retired_key("k1", &[7u8; 32])
            .unwrap();
        assert_eq!(rotated.decrypt("phone", &stored).unwrap(), "secret");
        assert!(rotated.encrypt("x").unwrap().starts_with("v1:k2:"));
        let without = FieldCipher::new("k2", &[9u8; 32]).unwrap();
        assert_eq!(
            without.decrypt("phone", &stored).unwrap_err().code(),
            ErrorCode::DataIntegrity
        );
    }

    #[test]
    fn debug_output_hides_keys_and_bad_keys_are_refused() {
        assert_eq!(
            format!("{:?}", cipher()),
            "FieldCipher { key_ids: [\"k1\"], .. }"
        );
        assert!(decode_key("c2hvcnQ=").is_err());
        assert!(FieldCipher::new("bad id!", &[0; 32]).is_err());
    }
}
