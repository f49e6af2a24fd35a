//! Which request gets what: GET only, a fixed set of paths, layer and series names checked
//! against the run's catalog. Nothing here reads a file a request names, so no request reaches
//! outside the run folder; requests whose path climbs (`..`) are refused outright.

use std::collections::HashMap;
use std::sync::MutexGuard;

use super::catalog::{Catalog, LayerInfo};
use super::map::{colorbar_png, map_png, MapRequest};
use super::page;
use super::reply::Reply;
use super::series;
use super::Shared;

/// Answers one request (errors become their status and a JSON message).
pub fn answer(shared: &Shared, rq: tiny_http::Request) {
    let reply = route(shared, rq.method(), rq.url());
    if reply.status >= 500 {
        eprintln!(
            "{} {}: {}",
            reply.status,
            rq.url(),
            String::from_utf8_lossy(&reply.body)
        );
    }
    // The browser may have gone (a newer map replaced the request): nothing to do then.
    let _ = rq.respond(reply.into_response());
}

/// The reply to `method url`.
pub fn route(shared: &Shared, method: &tiny_http::Method, url: &str) -> Reply {
    if *method != tiny_http::Method::Get {
        return Reply::error(405, "only GET is served").with_header("Allow", "GET".into());
    }
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let decoded: String = percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned();
    let params: HashMap<String, String> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if climbs(&decoded) || params.values().any(|v| climbs(v)) {
        return Reply::error(
            400,
            "refused: the request climbs out of the served folder ('..')",
        );
    }
    let result = match decoded.as_str() {
        "/" | "/index.html" => Ok(page::index()),
        "/app.js" => Ok(page::script()),
        "/style.css" => Ok(page::style()),
        "/api/info" => info(shared),
        "/api/map.png" => map(shared, &params),
        "/api/colorbar.png" => colorbar_png(params.get("colormap").map_or("RdBu_r", |s| s)),
        "/api/series" | "/api/series.csv" => series(shared, &params, decoded.ends_with(".csv")),
        "/api/place" => place(shared, &params),
        _ => return Reply::error(404, &format!("no such page: {decoded}")),
    };
    result.unwrap_or_else(|e| Reply::error(400, &format!("{e:#}")))
}

/// Whether a path or value tries to leave its folder.
fn climbs(text: &str) -> bool {
    text.contains("..") || text.contains('\\') || text.contains('\0')
}

fn catalog(shared: &Shared) -> MutexGuard<'_, Catalog> {
    shared.catalog.lock().unwrap_or_else(|e| e.into_inner())
}

/// Rescans the run (products written since the page opened appear) and lists its layers.
fn info(shared: &Shared) -> anyhow::Result<Reply> {
    let fresh = Catalog::scan(&shared.run_dir)?;
    let name = shared
        .run_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let json = fresh.to_json(&name);
    *catalog(shared) = fresh;
    Ok(Reply::json(&json))
}

/// The catalog's layer `name` (a copy: the lock is not held while reading data).
fn known_layer(shared: &Shared, name: Option<&String>, what: &str) -> anyhow::Result<LayerInfo> {
    let name = name.ok_or_else(|| anyhow::anyhow!("give {what}=NAME"))?;
    catalog(shared)
        .layer(name)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("{what} '{name}' is not a layer of this run"))
}

fn number<T: std::str::FromStr>(
    params: &HashMap<String, String>,
    key: &str,
) -> anyhow::Result<Option<T>> {
    match params.get(key).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<T>()
            .map(Some)
            .map_err(|_| anyhow::anyhow!("{key}={s}: not a number")),
    }
}

fn required<T: std::str::FromStr>(
    params: &HashMap<String, String>,
    key: &str,
) -> anyhow::Result<T> {
    number(params, key)?.ok_or_else(|| anyhow::anyhow!("give {key}"))
}

fn text(params: &HashMap<String, String>, key: &str) -> Option<String> {
    params
        .get(key)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn map(shared: &Shared, params: &HashMap<String, String>) -> anyhow::Result<Reply> {
    let layer = known_layer(shared, params.get("layer"), "layer")?;
    let vlim = match (number(params, "vmin")?, number(params, "vmax")?) {
        (Some(a), Some(b)) => Some((a, b)),
        (None, None) => None,
        _ => anyhow::bail!("give both vmin and vmax, or neither"),
    };
    let rq = MapRequest {
        date: text(params, "date"),
        ref_date: text(params, "ref_date"),
        mask: matches!(params.get("mask").map(String::as_str), Some("1" | "true")),
        vlim,
        colormap: text(params, "colormap"),
        unit: text(params, "unit"),
        flip: !matches!(params.get("noflip").map(String::as_str), Some("1" | "true")),
    };
    map_png(&shared.run_dir, &layer, &rq)
}

fn series(shared: &Shared, params: &HashMap<String, String>, csv: bool) -> anyhow::Result<Reply> {
    let ts = known_layer(shared, params.get("ts"), "ts")?;
    anyhow::ensure!(ts.per_date, "ts '{}' is not a time series", ts.name);
    let (y, x) = (required(params, "y")?, required(params, "x")?);
    let s = match series::read(
        &shared.run_dir,
        &ts.name,
        y,
        x,
        text(params, "ref_date").as_deref(),
    ) {
        Ok(s) => s,
        // No data at the pixel: not a bad request, nothing to plot.
        Err(e) => return Ok(Reply::error(404, &format!("{e:#}"))),
    };
    if csv {
        series::series_csv(&s)
    } else {
        let cat = catalog(shared).clone();
        let mut body = series::series_json(&shared.run_dir, &cat, &s);
        // A corrected series is drawn with the raw one it came from, relative to the same date.
        if let Some(raw) = cat.raw_series_for(&ts) {
            let ref_date = s.ref_date.to_string();
            if let Ok(r) = series::read(&shared.run_dir, &raw.name, y, x, Some(&ref_date)) {
                body["raw"] = series::raw_json(&r);
            }
        }
        Ok(Reply::json(&body))
    }
}

fn place(shared: &Shared, params: &HashMap<String, String>) -> anyhow::Result<Reply> {
    let layer = known_layer(shared, params.get("layer"), "layer")?;
    let (y, x) = (required(params, "y")?, required(params, "x")?);
    Ok(Reply::json(&series::place_json(
        &shared.run_dir,
        &layer.name,
        y,
        x,
    )?))
}
