//! `sbas serve`: the HTTP API on a small simulated run, read with a plain TCP client, against
//! `sbas ts` and the stored products; traversal refused; the page in a real browser when
//! Chromium is installed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use crate::common::{sbas, small_stack, stderr};
use sbas::plot::colormap::Colormap;
use sbas::product::Product;
use sbas::simulate::Effects;
use sbas::window::Window;

/// One inverted 30 x 40 x 10 run shared by the tests of this file.
fn run_dir() -> &'static Path {
    static RUN: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &RUN.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let stack = small_stack(tmp.path(), 30, 40, 10, Effects::default(), 11);
        let run = tmp.path().join("run");
        let out = sbas(&["invert", s(&stack), "--out", s(&run), "-q"]);
        assert!(out.status.success(), "{}", stderr(&out));
        (tmp, run)
    })
    .1
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A running `sbas serve`, stopped when dropped.
struct Served {
    child: Child,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(run: &Path) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sbas"))
        .args(["serve", s(run), "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|t| t.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Served { child, addr }
}

/// Status, headers (lower-case names) and body of `GET path`, sent as written.
fn get(addr: &str, method_path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let (method, path) = method_path.split_once(' ').unwrap_or(("GET", method_path));
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, raw[split + 4..].to_vec())
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> &'a str {
    h.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no header {name}"))
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap()
}

#[test]
fn series_equal_sbas_ts_and_csv_is_the_same_file() {
    let run = run_dir();
    let srv = serve(run);
    let (st, _, body) = get(&srv.addr, "/api/info");
    assert_eq!(st, 200);
    let info = json(&body);
    let names: Vec<&str> = info["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"timeseries") && names.contains(&"temporalCoherence"));
    for (y, x) in [(24, 5), (22, 31)] {
        let prefix = run.join(format!("cmp_{y}_{x}"));
        let out = sbas(&["ts", s(run), "--yx", &format!("{y},{x}"), "-o", s(&prefix)]);
        assert!(out.status.success(), "{}", stderr(&out));
        let csv = std::fs::read_to_string(prefix.with_extension("csv")).unwrap();
        let want: Vec<(String, f64)> = csv
            .lines()
            .skip(1)
            .map(|l| {
                let (d, v) = l.split_once(',').unwrap();
                (d.to_string(), v.parse().unwrap())
            })
            .collect();
        let (st, _, body) = get(&srv.addr, &format!("/api/series?ts=timeseries&y={y}&x={x}"));
        assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
        let got = json(&body);
        assert_eq!((got["y"].as_u64(), got["x"].as_u64()), (Some(y), Some(x)));
        let dates = got["dates"].as_array().unwrap();
        let mm = got["mm"].as_array().unwrap();
        assert_eq!(dates.len(), want.len());
        for ((d, v), (wd, wv)) in dates.iter().zip(mm).zip(&want) {
            assert_eq!(d.as_str().unwrap(), wd);
            assert_eq!(v.as_f64().unwrap(), *wv, "y={y}, x={x}, {wd}");
        }
        assert!(got["fit"]["rate_mm_per_year"].as_f64().unwrap().is_finite());
        let (st, h, body) = get(
            &srv.addr,
            &format!("/api/series.csv?ts=timeseries&y={y}&x={x}"),
        );
        assert_eq!(st, 200);
        assert!(header(&h, "content-disposition").contains("attachment"));
        assert_eq!(String::from_utf8(body).unwrap(), csv);
    }
    // A pixel the inversion left out (water) and one outside the image: errors the page can
    // show, not a crash.
    let (st, _, body) = get(&srv.addr, "/api/series?ts=timeseries&y=5&x=7");
    assert_eq!(st, 404);
    assert!(json(&body)["error"]
        .as_str()
        .unwrap()
        .contains("not inverted"));
    let (st, _, body) = get(&srv.addr, "/api/series?ts=timeseries&y=999&x=0");
    assert!((400..500).contains(&st));
    assert!(json(&body)["error"].as_str().unwrap().contains("outside"));
}

/// The RGB pixels of a `/api/map.png` answer (a 40 x 30 image) and its `X-Sbas-Map` description;
/// checks that the flip it reports is the one `/api/info` lists for the layer, or none when
/// `noflip=1` is asked.
fn map_rgb(addr: &str, path: &str) -> (Vec<u8>, serde_json::Value) {
    let (st, h, body) = get(addr, path);
    assert_eq!(st, 200, "{path}: {}", String::from_utf8_lossy(&body));
    assert_eq!(header(&h, "content-type"), "image/png");
    let desc: serde_json::Value = serde_json::from_str(header(&h, "x-sbas-map")).unwrap();
    let dec = png::Decoder::new(std::io::Cursor::new(body));
    let mut reader = dec.read_info().unwrap();
    let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut rgb).unwrap();
    assert_eq!((frame.width, frame.height), (40, 30));
    let (_, _, info) = get(addr, "/api/info");
    let info = json(&info);
    let layer = desc["layer"].as_str().unwrap();
    let listed = info["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == layer)
        .unwrap()["flip"]
        .clone();
    let want = if path.contains("noflip=1") {
        serde_json::json!([false, false])
    } else {
        listed
    };
    assert_eq!(desc["flipped"], want, "{path}");
    (rgb, desc)
}

fn noflip_desc(addr: &str, path: &str) -> serde_json::Value {
    map_rgb(addr, &format!("{path}&noflip=1")).1
}

#[test]
fn map_png_has_the_size_and_colours_of_the_stored_values() {
    let run = run_dir();
    let srv = serve(run);
    let ts = Product::open(run, "timeseries").unwrap();
    let (k, r) = (7, 2);
    let d = ts.dates().to_vec();
    let path = format!(
        "/api/map.png?layer=timeseries&date={}&ref_date={}&vmin=-3&vmax=3",
        d[k], d[r]
    );
    // The stored orientation (noflip=1), then MintPy's (the default): the simulated stack is
    // ascending, so the map is shown flipped up-down, as `sbas view` shows it.
    let (noflip, _) = map_rgb(&srv.addr, &format!("{path}&noflip=1"));
    let (rgb, desc) = map_rgb(&srv.addr, &path);
    assert_eq!(desc["unit"], "cm");
    assert_eq!(desc["vlim"], serde_json::json!([-3.0, 3.0]));
    assert_eq!(desc["flipped"], serde_json::json!([false, true]));
    assert!(desc["notes"].to_string().contains("flipped up-down"));
    // The note names the page's control, not `sbas view`'s flag.
    let notes = desc["notes"].to_string();
    assert!(
        notes.contains("north up") && notes.contains("noflip=1"),
        "{notes}"
    );
    assert!(!notes.contains("--noflip"), "{notes}");
    let full = Window::full(30, 40);
    let a = ts.read_date("timeseries", k, full).unwrap();
    let b = ts.read_date("timeseries", r, full).unwrap();
    let lut = Colormap::RdBuR.lut();
    let mut checked = 0;
    for i in (0..30 * 40).step_by(17) {
        let v = (a[i] - b[i]) as f64 * 100.0;
        if !v.is_finite() {
            continue;
        }
        let t = ((v + 3.0) / 6.0).clamp(0.0, 1.0);
        let want = lut[(t * 255.0).round() as usize];
        assert_eq!(noflip[i * 3..i * 3 + 3], want, "pixel {i}, noflip");
        // Shown at the mirrored row: what a click there must read is stored pixel i.
        let (y, x) = (i / 40, i % 40);
        let shown = (29 - y) * 40 + x;
        assert_eq!(rgb[shown * 3..shown * 3 + 3], want, "pixel {i}, flipped");
        checked += 1;
    }
    assert!(checked > 40);
    assert_ne!(rgb, noflip);
    // Another date is another map; the reference point is marked, at its stored row and column
    // whichever way the map is shown.
    let (other, desc2) = map_rgb(
        &srv.addr,
        &format!("/api/map.png?layer=timeseries&date={}", d[3]),
    );
    assert_ne!(other, rgb);
    assert!(desc2["reference"]["label"]
        .as_str()
        .unwrap()
        .contains("reference point"));
    let attrs = ts.attrs();
    let ref_yx = [
        attrs.get_f64_opt("REF_Y").unwrap(),
        attrs.get_f64_opt("REF_X").unwrap(),
    ];
    for m in [&desc, &desc2, &noflip_desc(&srv.addr, &path)] {
        let got = [
            m["reference"]["y"].as_f64().unwrap(),
            m["reference"]["x"].as_f64().unwrap(),
        ];
        assert_eq!(got, ref_yx);
    }
    // Masked map of a single layer.
    let (st, _, _) = get(&srv.addr, "/api/map.png?layer=temporalCoherence&mask=1");
    assert_eq!(st, 200);
}

#[test]
fn paths_outside_the_run_and_other_methods_are_refused() {
    let run = run_dir();
    let srv = serve(run);
    for path in [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/api/map.png?layer=../../etc/passwd",
        "/api/map.png?layer=%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/api/series?ts=/etc/passwd&y=0&x=0",
        "/api/map.png?layer=nosuchlayer",
        "/etc/passwd",
        "/sbas.zarr/zarr.json",
    ] {
        let (st, _, body) = get(&srv.addr, path);
        assert!((400..500).contains(&st), "{path}: {st}");
        assert!(!String::from_utf8_lossy(&body).contains("root:"), "{path}");
    }
    let (st, _, _) = get(&srv.addr, "POST /api/info");
    assert_eq!(st, 405);
    let (st, h, body) = get(&srv.addr, "/");
    assert_eq!(st, 200);
    assert!(header(&h, "content-type").starts_with("text/html"));
    assert!(String::from_utf8_lossy(&body).contains("/app.js"));
}

#[test]
fn a_missing_run_folder_is_an_error() {
    let out = sbas(&["serve", "/nonexistent/run", "--port", "0"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("/nonexistent/run"));
}

/// The page in headless Chromium (scripts/check-serve-browser.sh): series clicked on the map
/// flipped by MintPy's rule equal `sbas ts`, the date slider changes the map, "north up"
/// unticked shows the stored orientation. Skipped when Chromium is not installed.
#[test]
fn browser_page_plots_what_sbas_ts_reads() {
    let have_python = Command::new("/usr/bin/python3")
        .args(["-c", "import websocket"])
        .output()
        .is_ok_and(|o| o.status.success());
    let have_chromium = Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !(have_python && have_chromium) {
        eprintln!("skipped: needs chromium and python3-websocket (apt-get install chromium python3-websocket)");
        return;
    }
    let shots = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/check-serve-browser.sh"
        ))
        .arg(env!("CARGO_BIN_EXE_sbas"))
        .arg(shots.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("all browser checks passed"));
}

/// `--max-memory` below what one map of the run needs: refused at start, naming a budget that
/// works; that budget (and a little slack) starts the server.
#[test]
fn a_budget_below_one_map_is_refused_with_the_least_that_works() {
    let run = run_dir();
    let out = sbas(&["serve", s(run), "--port", "0", "--max-memory", "1MiB"]);
    assert!(!out.status.success());
    let e = stderr(&out);
    let least = e
        .split("at least --max-memory ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|t| t.strip_suffix("MiB"))
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("{e}"));
    // A few MiB of slack: the next process's resident size at start differs by a little.
    let least = format!("{}MiB", least + 4);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sbas"))
        .args(["serve", s(run), "--port", "0", "--max-memory", &least])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.contains("http://"), "{least}: {line:?}");
}

/// Copies `from` to `to`, turning the pass direction to descending in every JSON file (the
/// stores' attributes), so that MintPy's rule flips the run's maps left-right.
fn copy_as_descending(from: &Path, to: &Path) -> usize {
    std::fs::create_dir_all(to).unwrap();
    let mut turned = 0;
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            turned += copy_as_descending(&e.path(), &dst);
        } else if e.path().extension().is_some_and(|x| x == "json") {
            let text = std::fs::read_to_string(e.path()).unwrap();
            turned += usize::from(text.contains("\"ASCENDING\""));
            std::fs::write(&dst, text.replace("\"ASCENDING\"", "\"DESCENDING\"")).unwrap();
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
    turned
}

/// On a descending run the map is mirrored left-right (`sbas view`'s rule), `noflip=1` shows it
/// as stored, and the reference point keeps its stored row and column.
#[test]
fn a_descending_run_is_shown_mirrored_left_right() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("desc");
    assert!(
        copy_as_descending(run_dir(), &run) > 0,
        "no ORBIT_DIRECTION found"
    );
    let srv = serve(&run);
    let path = "/api/map.png?layer=timeseries";
    let (shown, desc) = map_rgb(&srv.addr, path);
    assert_eq!(desc["flipped"], serde_json::json!([true, false]));
    let (stored, _) = map_rgb(&srv.addr, &format!("{path}&noflip=1"));
    for y in 0..30 {
        for x in 0..40 {
            let (i, j) = ((y * 40 + x) * 3, (y * 40 + 39 - x) * 3);
            assert_eq!(shown[j..j + 3], stored[i..i + 3], "y={y}, x={x}");
        }
    }
    assert_ne!(shown, stored);
    let p = Product::open(&run, "timeseries").unwrap();
    let a = p.attrs();
    assert_eq!(
        [
            desc["reference"]["y"].as_f64(),
            desc["reference"]["x"].as_f64()
        ],
        [a.get_f64_opt("REF_Y"), a.get_f64_opt("REF_X")]
    );
}
