//! The page: plain HTML, JavaScript and CSS built into the binary (no network, no build step).

use super::reply::Reply;

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/style.css");

/// The HTML page.
pub fn index() -> Reply {
    Reply::ok("text/html; charset=utf-8", INDEX.as_bytes().to_vec())
}

/// The page's script.
pub fn script() -> Reply {
    Reply::ok("text/javascript; charset=utf-8", SCRIPT.as_bytes().to_vec())
}

/// The page's style sheet.
pub fn style() -> Reply {
    Reply::ok("text/css; charset=utf-8", STYLE.as_bytes().to_vec())
}
