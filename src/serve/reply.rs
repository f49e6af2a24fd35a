//! What a handler answers: a status, a content type, a body and a few headers, and the
//! conversion to a `tiny_http` response.

use std::io::Cursor;

/// An answer to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
    /// Extra headers (ASCII names and values).
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// 200 with a body.
    pub fn ok(content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply {
            status: 200,
            content_type,
            body,
            headers: Vec::new(),
        }
    }

    /// 200 with a JSON body.
    pub fn json(value: &serde_json::Value) -> Reply {
        Reply::ok("application/json", value.to_string().into_bytes())
    }

    /// An error status with a JSON body `{"error": message}` the page shows.
    pub fn error(status: u16, message: &str) -> Reply {
        Reply {
            status,
            ..Reply::json(&serde_json::json!({ "error": message }))
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }

    /// The `tiny_http` response. Headers that do not parse are left out (they are built
    /// here from ASCII text, so none should be).
    pub fn into_response(self) -> tiny_http::Response<Cursor<Vec<u8>>> {
        let mut r = tiny_http::Response::from_data(self.body).with_status_code(self.status);
        let fixed = [
            ("Content-Type", self.content_type.to_string()),
            ("Cache-Control", "no-store".to_string()),
            ("X-Content-Type-Options", "nosniff".to_string()),
        ];
        for (name, value) in fixed.into_iter().chain(self.headers) {
            if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                r.add_header(h);
            }
        }
        r
    }
}

/// JSON text with every non-ASCII character escaped (`\uXXXX`), so that it fits in a header.
pub fn ascii_json(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_json_escapes_and_round_trips() {
        let v = serde_json::json!({ "label": "latitude (°) 🛰" });
        let text = ascii_json(&v);
        assert!(text.is_ascii());
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }
}
