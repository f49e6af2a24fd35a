//! End-to-end tests of the ISCE2 topsStack reader on tiny synthetic project trees.

use std::path::{Path, PathBuf};

use sbas::meta::Date;
use sbas::source::{open_stack, GeomLayer, StackLayer};
use sbas::window::Window;

const W: usize = 5;
const L: usize = 4;

#[derive(Clone, Copy, PartialEq)]
enum Sidecar {
    Xml,
    Vrt,
}

/// Writes a raster of `bands` (each `l * w` values) as ISCE type `dtype` with `scheme`.
fn write_raster(
    path: &Path,
    w: usize,
    l: usize,
    bands: &[Vec<f64>],
    dtype: &str,
    scheme: &str,
    sidecar: Sidecar,
) {
    let enc = |v: f64| -> Vec<u8> {
        match dtype {
            "BYTE" => vec![v as u8],
            "SHORT" => (v as i16).to_le_bytes().to_vec(),
            "INT" => (v as i32).to_le_bytes().to_vec(),
            "FLOAT" => (v as f32).to_le_bytes().to_vec(),
            "DOUBLE" => v.to_le_bytes().to_vec(),
            _ => panic!("type {dtype}"),
        }
    };
    let nb = bands.len();
    let mut bytes = Vec::new();
    match scheme {
        "BIL" => {
            for y in 0..l {
                for b in bands {
                    for x in 0..w {
                        bytes.extend(enc(b[y * w + x]));
                    }
                }
            }
        }
        "BIP" => {
            for y in 0..l {
                for x in 0..w {
                    for b in bands {
                        bytes.extend(enc(b[y * w + x]));
                    }
                }
            }
        }
        "BSQ" => {
            for b in bands {
                for v in b {
                    bytes.extend(enc(*v));
                }
            }
        }
        _ => panic!("scheme {scheme}"),
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    match sidecar {
        Sidecar::Xml => write_xml(&side(path, "xml"), w, l, nb, dtype, scheme),
        Sidecar::Vrt => {
            assert_eq!(scheme, "BIL");
            let (gdal, s) = match dtype {
                "BYTE" => ("Byte", 1),
                "SHORT" => ("Int16", 2),
                "INT" => ("Int32", 4),
                "FLOAT" => ("Float32", 4),
                _ => ("Float64", 8),
            };
            let mut t = format!("<VRTDataset rasterXSize=\"{w}\" rasterYSize=\"{l}\">\n");
            for b in 0..nb {
                t += &format!(
                    "  <VRTRasterBand dataType=\"{gdal}\" band=\"{}\" subClass=\"VRTRawRasterBand\">\n\
                     <SourceFilename relativeToVRT=\"1\">{name}</SourceFilename>\n\
                     <ByteOrder>LSB</ByteOrder><ImageOffset>{}</ImageOffset>\
                     <PixelOffset>{s}</PixelOffset><LineOffset>{}</LineOffset>\n\
                     </VRTRasterBand>\n",
                    b + 1,
                    b * w * s,
                    nb * w * s
                );
            }
            t += "</VRTDataset>\n";
            std::fs::write(side(path, "vrt"), t).unwrap();
        }
    }
}

fn write_xml(path: &Path, w: usize, l: usize, nb: usize, dtype: &str, scheme: &str) {
    let prop = |k: &str, v: &str| {
        format!("  <property name=\"{k}\">\n    <value>{v}</value>\n  </property>\n")
    };
    let mut t = String::from("<imageFile>\n");
    t += &prop("byte_order", "l");
    t += &prop("data_type", dtype);
    t += &prop("length", &l.to_string());
    t += &prop("number_bands", &nb.to_string());
    t += &prop("scheme", scheme);
    t += &prop("width", &w.to_string());
    t += "  <component name=\"coordinate1\">\n";
    t += &prop("size", "999");
    t += "  </component>\n</imageFile>\n";
    std::fs::write(path, t).unwrap();
}

fn side(p: &Path, ext: &str) -> PathBuf {
    PathBuf::from(format!("{}.{ext}", p.display()))
}

const PAIRS: [&str; 3] = [
    "20200113_20200125",
    "20200101_20200113",
    "20200101_20200125",
];

/// Phase of pair `i` (sorted order) at (y, x).
fn phase(i: usize, y: usize, x: usize) -> f64 {
    i as f64 * 100.0 + y as f64 * 10.0 + x as f64 + 0.25
}

fn sorted_index(name: &str) -> usize {
    let mut p = PAIRS.to_vec();
    p.sort();
    p.iter().position(|n| *n == name).unwrap()
}

fn grid(f: impl Fn(usize, usize) -> f64) -> Vec<f64> {
    (0..L * W).map(|k| f(k / W, k % W)).collect()
}

const IW_XML: &str = r#"<productmanager_name>
  <component name="instance">
    <property name="spacecraftname"><value>Sentinel-1B</value></property>
    <component name="bursts">
      <component name="burst1">
        <property name="radarwavelength"><value>0.05546576</value></property>
        <property name="startingrange"><value>800000.0</value></property>
        <property name="rangepixelsize"><value>2.3</value></property>
        <property name="prf"><value>1717.1</value></property>
        <property name="azimuthtimeinterval"><value>0.002</value></property>
        <property name="passdirection"><value>DESCENDING</value></property>
        <property name="burststartutc"><value>2020-01-01 01:02:00.500000</value></property>
        <property name="burststoputc"><value>2020-01-01 01:02:03.000000</value></property>
        <property name="sensingstart"><value>2020-01-01 01:02:00.500000</value></property>
        <property name="sensingmid"><value>2020-01-01 01:02:05.750000</value></property>
        <property name="sensingstop"><value>2020-01-01 01:02:11.000000</value></property>
        <component name="orbit">
          <component name="statevector1">
            <property name="time"><value>2020-01-01 01:02:00.000000</value></property>
            <property name="position"><value>[7078137.0, 0.0, 0.0]</value></property>
            <property name="velocity"><value>[0.0, 0.0, 7000.0]</value></property>
          </component>
          <component name="statevector2">
            <property name="time"><value>2020-01-01 01:02:10.000000</value></property>
            <property name="position"><value>[7078137.0, 0.0, 70000.0]</value></property>
            <property name="velocity"><value>[0.0, 0.0, 7000.0]</value></property>
          </component>
        </component>
      </component>
      <component name="burst2">
        <property name="radarwavelength"><value>0.05546576</value></property>
        <property name="burststoputc"><value>2020-01-01 01:02:09.000000</value></property>
      </component>
    </component>
  </component>
</productmanager_name>
"#;

struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Tree {
    fn ifg(&self, pair: &str) -> PathBuf {
        self.root.join("merged/interferograms").join(pair)
    }
    fn geom(&self, name: &str) -> PathBuf {
        self.root.join("merged/geom_reference").join(name)
    }
}

/// A 3-pair project; `unw_scheme` picks the phase rasters' interleaving.
fn build(unw_scheme: &str) -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    for name in PAIRS {
        let i = sorted_index(name);
        let d = root.join("merged/interferograms").join(name);
        let amp = grid(|_, _| 7.0);
        write_raster(
            &d.join("filt_fine.unw"),
            W,
            L,
            &[amp, grid(|y, x| phase(i, y, x))],
            "FLOAT",
            unw_scheme,
            Sidecar::Xml,
        );
        write_raster(
            &d.join("filt_fine.cor"),
            W,
            L,
            &[grid(|y, x| (y * W + x) as f64 / 100.0 + i as f64 * 0.1)],
            "FLOAT",
            "BIL",
            Sidecar::Vrt,
        );
        write_raster(
            &d.join("filt_fine.unw.conncomp"),
            W,
            L,
            &[grid(|y, x| ((y + x + i) % 3) as f64)],
            "BYTE",
            "BIL",
            Sidecar::Xml,
        );
    }
    let g = root.join("merged/geom_reference");
    write_raster(
        &g.join("hgt.rdr"),
        W,
        L,
        &[grid(|y, x| {
            if (y, x) == (0, 0) {
                -32768.0
            } else {
                100.0 + y as f64 + 0.5 * x as f64
            }
        })],
        "DOUBLE",
        "BIL",
        Sidecar::Xml,
    );
    write_xml(
        &g.join("hgt.rdr.full.xml"),
        W * 3,
        L * 2,
        1,
        "DOUBLE",
        "BIL",
    );
    // Row 0 has a zero (no data): the corner rows are 2 inside the rows without zeros.
    let lat = grid(|y, x| {
        if y == 0 && x == 1 {
            0.0
        } else {
            34.0 + 0.125 * y as f64 + 0.001 * x as f64
        }
    });
    write_raster(
        &g.join("lat.rdr"),
        W,
        L,
        &[lat],
        "DOUBLE",
        "BIL",
        Sidecar::Xml,
    );
    write_raster(
        &g.join("lon.rdr"),
        W,
        L,
        &[grid(|y, x| -118.0 + 0.25 * x as f64 + 0.0 * y as f64)],
        "DOUBLE",
        "BIL",
        Sidecar::Xml,
    );
    write_raster(
        &g.join("los.rdr"),
        W,
        L,
        &[
            grid(|y, x| 30.0 + y as f64 + 0.5 * x as f64),
            grid(|_, x| -100.0 - x as f64),
        ],
        "FLOAT",
        "BIL",
        Sidecar::Xml,
    );
    write_raster(
        &g.join("shadowMask.rdr"),
        W,
        L,
        &[grid(|y, _| (y == 3) as u8 as f64 * 2.0)],
        "BYTE",
        "BIL",
        Sidecar::Xml,
    );
    write_raster(
        &g.join("waterMask.rdr"),
        W,
        L,
        &[grid(|_, x| (x != 0) as u8 as f64)],
        "BYTE",
        "BIL",
        Sidecar::Xml,
    );
    std::fs::create_dir_all(root.join("reference")).unwrap();
    std::fs::write(root.join("reference/IW2.xml"), IW_XML).unwrap();
    for (d12, v) in [("20200101_20200113", "10.0"), ("20200101_20200125", "-4.0")] {
        let d = root.join("baselines").join(d12);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join(format!("{d12}.txt")),
            format!("swath: IW2\nBperp (average): {v}\nBpar (average): 1.0\nswath: IW3\nBperp (average): {v}\n"),
        )
        .unwrap();
    }
    Tree { _dir: dir, root }
}

fn err_of(root: &Path) -> String {
    match open_stack(root) {
        Ok(_) => panic!("opening {} should fail", root.display()),
        Err(e) => format!("{e:#}"),
    }
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

#[test]
fn opens_a_tops_stack_and_reads_windows() {
    for scheme in ["BIL", "BIP", "BSQ"] {
        let t = build(scheme);
        let s = open_stack(&t.root).unwrap();
        let info = s.info();
        assert_eq!((info.length, info.width), (L, W));
        let net = &info.network;
        assert_eq!(net.dates, vec![d("20200101"), d("20200113"), d("20200125")]);
        let names: Vec<String> = (0..3).map(|i| net.pair_name(i)).collect();
        assert_eq!(
            names,
            [
                "20200101_20200113",
                "20200101_20200125",
                "20200113_20200125"
            ]
        );
        assert_eq!(net.pair_bperp, vec![10.0, -4.0, -14.0]);
        assert!(info.has_layer(StackLayer::Coherence) && info.has_layer(StackLayer::ConnComp));
        assert_eq!(info.preferred_rows, 0);
        assert_eq!(info.files.len(), 9 + 6);

        let win = Window {
            y0: 1,
            y1: 3,
            x0: 2,
            x1: 5,
        };
        let mut out = vec![0.0f32; 3 * win.pixels()];
        s.read_stack(StackLayer::Phase, &win, &mut out).unwrap();
        for i in 0..3 {
            for (k, v) in out[i * 6..(i + 1) * 6].iter().enumerate() {
                let (y, x) = (1 + k / 3, 2 + k % 3);
                assert_eq!(*v as f64, phase(i, y, x), "{scheme} pair {i} ({y},{x})");
            }
        }
        let mut px = vec![0.0f32; 3];
        s.read_pixel(StackLayer::Phase, 2, 4, &mut px).unwrap();
        assert_eq!(px, vec![out[5], out[11], out[17]]);

        s.read_stack(StackLayer::Coherence, &win, &mut out).unwrap();
        assert_eq!(out[0], (7.0f64 / 100.0) as f32);
        assert_eq!(out[6], (7.0f64 / 100.0 + 0.1) as f32);
        s.read_stack(StackLayer::ConnComp, &win, &mut out).unwrap();
        assert_eq!(&out[..3], &[0.0, 1.0, 2.0]);
        assert_eq!(&out[12..15], &[2.0, 0.0, 1.0]);

        let full = Window::full(L, W);
        let mut g = vec![0.0f32; L * W];
        s.read_geometry(GeomLayer::Height, &full, &mut g).unwrap();
        assert!(g[0].is_nan());
        assert_eq!(g[W + 3], 102.5);
        s.read_geometry(GeomLayer::IncidenceAngle, &full, &mut g)
            .unwrap();
        assert_eq!(g[2 * W + 1], 32.5);
        s.read_geometry(GeomLayer::AzimuthAngle, &full, &mut g)
            .unwrap();
        assert_eq!(g[2 * W + 1], -101.0);
        s.read_geometry(GeomLayer::ShadowMask, &full, &mut g)
            .unwrap();
        assert_eq!((g[0], g[3 * W]), (0.0, 1.0));
        s.read_geometry(GeomLayer::WaterMask, &full, &mut g)
            .unwrap();
        assert_eq!((g[0], g[1]), (0.0, 1.0));
        s.read_geometry(GeomLayer::SlantRangeDistance, &full, &mut g)
            .unwrap();
        // RANGE_PIXEL_SIZE 2.3 m times 3 range looks.
        assert!(
            (g[W + 2] - (800000.0 + 2.0 * 6.9) as f32).abs() < 1e-3,
            "{}",
            g[W + 2]
        );
        assert!(s
            .read_stack(
                StackLayer::Phase,
                &Window {
                    y0: 0,
                    y1: 5,
                    x0: 0,
                    x1: 1
                },
                &mut [0.0; 15]
            )
            .is_err());
    }
}

#[test]
fn metadata_from_the_burst_xml_and_geometry() {
    let t = build("BIL");
    let s = open_stack(&t.root).unwrap();
    let a = &s.info().attrs;
    assert_eq!(a.get("WAVELENGTH"), Some("0.05546576"));
    assert_eq!(a.get("STARTING_RANGE"), Some("800000.0"));
    assert_eq!(a.get("ORBIT_DIRECTION"), Some("DESCENDING"));
    assert_eq!(a.get("PLATFORM"), Some("sen"));
    assert_eq!(a.get("PRF"), Some("1717.1"));
    assert_eq!(a.get("stopUTC"), Some("2020-01-01 01:02:09.000000"));
    assert_eq!(a.get("CENTER_LINE_UTC"), Some("3725.0"));
    assert_eq!(a.get("ALOOKS"), Some("2"));
    assert_eq!(a.get("RLOOKS"), Some("3"));
    assert_eq!(a.get_f64("RANGE_PIXEL_SIZE").unwrap(), 2.3 * 3.0);
    assert!((a.get_f64("AZIMUTH_PIXEL_SIZE").unwrap() - 28.0).abs() < 1e-9);
    let ncorr = 6.0 / ((3.1 / 2.3) * (22.7 / (7000.0 * 0.002)));
    assert!((a.get_f64("NCORRLOOKS").unwrap() - ncorr).abs() < 1e-12);
    // 40 km north of the equator the orbit is ~115 m higher than 700 km.
    assert!(
        (a.get_f64("HEIGHT").unwrap() - 700115.0).abs() < 5.0,
        "{:?}",
        a.get("HEIGHT")
    );
    assert!(a.get_f64("HEADING").unwrap().abs() < 1e-6);
    assert_eq!((a.get("LENGTH"), a.get("WIDTH")), (Some("4"), Some("5")));
    // lat row 0 has a zero: rows 1..3 are complete, so r0 = 1 + 2 = 3, r1 = 3 - 2 = 1.
    assert_eq!(a.get("LAT_REF1"), Some("34.375"));
    assert_eq!(a.get("LAT_REF2"), Some("34.379"));
    assert_eq!(a.get("LAT_REF3"), Some("34.125"));
    // lon has no zero: rows 2 and L-3 = 1.
    assert_eq!(a.get("LON_REF1"), Some("-118.0"));
    assert_eq!(a.get("LON_REF4"), Some("-117.0"));
    assert_eq!(a.get("CENTER_INCIDENCE_ANGLE"), Some("33.0"));
    assert_eq!(a.get("PROCESSOR"), Some("isce"));
    assert_eq!(a.get("ANTENNA_SIDE"), Some("-1"));
    assert_eq!(a.get("rangeResolution"), Some("3.1"));
}

#[test]
fn data_rsc_takes_precedence() {
    let t = build("BIL");
    std::fs::write(
        t.root.join("reference/data.rsc"),
        "WAVELENGTH 0.0555\nALOOKS 4\nRLOOKS 1\nNCORRLOOKS 0.5\nRANGE_PIXEL_SIZE 2.3\nLAT_REF1 1.0\n\
         ANTENNA_SIDE 1\nSTARTING_RANGE 900000.0\n",
    )
    .unwrap();
    let s = open_stack(&t.root).unwrap();
    let a = &s.info().attrs;
    assert_eq!(a.get("WAVELENGTH"), Some("0.0555"));
    assert_eq!(a.get("ALOOKS"), Some("4"));
    assert_eq!(a.get("NCORRLOOKS"), Some("0.5"));
    assert_eq!(a.get("RANGE_PIXEL_SIZE"), Some("2.3"));
    assert_eq!(a.get("LAT_REF1"), Some("1.0"));
    assert_eq!(a.get("LON_REF1"), Some("-118.0"));
    assert_eq!(a.get("ANTENNA_SIDE"), Some("1"));
    assert_eq!(a.get("PROCESSOR"), Some("isce"));
    assert!(!a.contains("ORBIT_DIRECTION"));
    let mut g = vec![0.0f32; W];
    s.read_geometry(
        GeomLayer::SlantRangeDistance,
        &Window {
            y0: 0,
            y1: 1,
            x0: 0,
            x1: W,
        },
        &mut g,
    )
    .unwrap();
    assert_eq!(g[4], (900000.0 + 4.0 * 2.3) as f32);
}

#[test]
fn missing_baselines_give_zero_bperp_and_missing_optional_layers_are_absent() {
    let t = build("BIL");
    std::fs::remove_dir_all(t.root.join("baselines")).unwrap();
    for p in PAIRS {
        std::fs::remove_file(t.ifg(p).join("filt_fine.unw.conncomp")).unwrap();
    }
    std::fs::remove_file(t.geom("los.rdr")).unwrap();
    let s = open_stack(&t.root).unwrap();
    assert_eq!(s.info().network.pair_bperp, vec![0.0; 3]);
    assert!(!s.info().has_layer(StackLayer::ConnComp));
    assert!(!s.info().has_geometry(GeomLayer::IncidenceAngle));
    assert!(!s.info().attrs.contains("CENTER_INCIDENCE_ANGLE"));
    let e = s
        .read_stack(
            StackLayer::ConnComp,
            &Window::full(L, W),
            &mut [0.0; 3 * L * W],
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("ConnComp"), "{e}");
    let e = s
        .read_geometry(
            GeomLayer::IncidenceAngle,
            &Window::full(L, W),
            &mut [0.0; L * W],
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("incidenceAngle"), "{e}");
}

#[test]
fn a_pair_whose_unwrapping_failed_is_left_out_with_a_warning() {
    let t = build("BIL");
    let failed = t.ifg("20200113_20200125");
    std::fs::remove_file(failed.join("filt_fine.unw")).unwrap();
    std::fs::remove_file(failed.join("filt_fine.unw.xml")).unwrap();
    // A folder that is not a pair at all, with no unwrapped file: left out the same way.
    std::fs::create_dir_all(t.ifg("tmp")).unwrap();
    let s = open_stack(&t.root).unwrap();
    let i = s.info();
    assert_eq!(i.network.num_pairs(), PAIRS.len() - 1);
    let names: Vec<String> = i
        .network
        .pairs
        .iter()
        .map(|p| format!("{}_{}", i.network.dates[p.first], i.network.dates[p.second]))
        .collect();
    assert!(
        !names.contains(&"20200113_20200125".to_string()),
        "{names:?}"
    );
    assert_eq!(i.warnings.len(), 2, "{:?}", i.warnings);
    assert!(
        i.warnings
            .iter()
            .any(|w| w.contains(&failed.display().to_string()) && w.contains("left out")),
        "{:?}",
        i.warnings
    );
    assert!(
        i.warnings
            .iter()
            .any(|w| w.contains(&t.ifg("tmp").display().to_string())),
        "{:?}",
        i.warnings
    );
    assert!(
        !i.files.iter().any(|f| f.starts_with(&failed)),
        "{:?}",
        i.files
    );
}

#[test]
fn bad_inputs_are_errors_naming_the_file() {
    let check = |what: &str, damage: &dyn Fn(&Tree), needle: &str| {
        let t = build("BIL");
        damage(&t);
        let e = err_of(&t.root);
        assert!(e.contains(needle), "{what}: '{e}' should name '{needle}'");
    };
    let unw = |t: &Tree| t.ifg("20200101_20200113").join("filt_fine.unw");
    check(
        "missing companion raster",
        &|t| std::fs::remove_file(unw(t).with_extension("cor")).unwrap(),
        "20200101_20200113/filt_fine.cor",
    );
    check(
        "missing sidecar",
        &|t| std::fs::remove_file(side(&unw(t), "xml")).unwrap(),
        "filt_fine.unw.xml",
    );
    check(
        "truncated",
        &|t| {
            let b = std::fs::read(unw(t)).unwrap();
            std::fs::write(unw(t), &b[..b.len() - 4]).unwrap();
        },
        "truncated",
    );
    check(
        "oversized",
        &|t| {
            let mut b = std::fs::read(unw(t)).unwrap();
            b.push(0);
            std::fs::write(unw(t), &b).unwrap();
        },
        "20200101_20200113/filt_fine.unw",
    );
    check(
        "size differs",
        &|t| {
            let p = t.ifg("20200113_20200125").join("filt_fine.cor");
            write_raster(
                &p,
                W + 1,
                L,
                &[vec![0.5; (W + 1) * L]],
                "FLOAT",
                "BIL",
                Sidecar::Vrt,
            );
        },
        "20200113_20200125/filt_fine.cor",
    );
    check(
        "geometry size differs",
        &|t| {
            write_raster(
                &t.geom("hgt.rdr"),
                W,
                L + 1,
                &[vec![1.0; W * (L + 1)]],
                "DOUBLE",
                "BIL",
                Sidecar::Xml,
            )
        },
        "hgt.rdr",
    );
    check(
        "bad folder name",
        &|t| {
            let bad = t.ifg("2020013_20200125");
            std::fs::create_dir_all(&bad).unwrap();
            for ext in ["", ".xml"] {
                let name = format!("filt_fine.unw{ext}");
                std::fs::copy(unw(t).with_file_name(&name), bad.join(&name)).unwrap();
            }
        },
        "2020013_20200125",
    );
    check(
        "empty stack",
        &|t| {
            for p in PAIRS {
                std::fs::remove_dir_all(t.ifg(p)).unwrap();
            }
        },
        "empty stack",
    );
    check(
        "malformed xml",
        &|t| std::fs::write(side(&unw(t), "xml"), "<imageFile><property").unwrap(),
        "filt_fine.unw.xml",
    );
    check(
        "malformed vrt",
        &|t| {
            std::fs::write(
                side(&t.ifg("20200101_20200125").join("filt_fine.cor"), "vrt"),
                "<VRTDataset>",
            )
            .unwrap()
        },
        "filt_fine.cor.vrt",
    );
    check(
        "malformed rsc",
        &|t| std::fs::write(t.root.join("reference/data.rsc"), "WAVELENGTH\n").unwrap(),
        "data.rsc",
    );
    check(
        "no wavelength",
        &|t| std::fs::write(t.root.join("reference/data.rsc"), "PLATFORM sen\n").unwrap(),
        "WAVELENGTH",
    );
    check(
        "no metadata at all",
        &|t| std::fs::remove_file(t.root.join("reference/IW2.xml")).unwrap(),
        "WAVELENGTH",
    );
    check(
        "conncomp for some pairs only",
        &|t| {
            std::fs::remove_file(t.ifg("20200113_20200125").join("filt_fine.unw.conncomp")).unwrap()
        },
        "filt_fine.unw.conncomp",
    );
    check(
        "malformed baseline",
        &|t| {
            std::fs::write(
                t.root
                    .join("baselines/20200101_20200113/20200101_20200113.txt"),
                "Bperp (average): ?\n",
            )
            .unwrap()
        },
        "20200101_20200113.txt",
    );
    check(
        "reversed pair",
        &|t| std::fs::rename(t.ifg("20200113_20200125"), t.ifg("20200125_20200113")).unwrap(),
        "20200125_20200113",
    );
    let dir = tempfile::tempdir().unwrap();
    let e = err_of(dir.path());
    assert!(
        e.contains("merged/interferograms") && e.contains("ifgramStack.h5"),
        "{e}"
    );
}

#[test]
fn big_endian_vrt_and_short_int_types() {
    let t = build("BIL");
    // Replace the conncomp rasters by big-endian INT16 ones described only by a VRT.
    for name in PAIRS {
        let i = sorted_index(name);
        let p = t.ifg(name).join("filt_fine.unw.conncomp");
        std::fs::remove_file(side(&p, "xml")).unwrap();
        let vals = grid(|y, x| -(i as f64) * 1000.0 - (y * W + x) as f64);
        let bytes: Vec<u8> = vals
            .iter()
            .flat_map(|v| (*v as i16).to_be_bytes())
            .collect();
        std::fs::write(&p, bytes).unwrap();
        std::fs::write(
            side(&p, "vrt"),
            format!(
                "<VRTDataset rasterXSize=\"{W}\" rasterYSize=\"{L}\"><VRTRasterBand dataType=\"Int16\" band=\"1\" \
                 subClass=\"VRTRawRasterBand\"><SourceFilename relativeToVRT=\"1\">filt_fine.unw.conncomp</SourceFilename>\
                 <ByteOrder>MSB</ByteOrder><ImageOffset>0</ImageOffset><PixelOffset>2</PixelOffset>\
                 <LineOffset>{}</LineOffset></VRTRasterBand></VRTDataset>",
                2 * W
            ),
        )
        .unwrap();
    }
    let s = open_stack(&t.root).unwrap();
    let mut px = vec![0.0f32; 3];
    s.read_pixel(StackLayer::ConnComp, 1, 2, &mut px).unwrap();
    assert_eq!(px, vec![-7.0, -1007.0, -2007.0]);
}

#[test]
fn concurrent_reads_match_a_single_read() {
    let t = build("BIL");
    let s = open_stack(&t.root).unwrap();
    let full = Window::full(L, W);
    let mut whole = vec![0.0f32; 3 * L * W];
    s.read_stack(StackLayer::Phase, &full, &mut whole).unwrap();
    let strips: Vec<Vec<f32>> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..L)
            .map(|y| {
                let s = &s;
                sc.spawn(move || {
                    let w = Window {
                        y0: y,
                        y1: y + 1,
                        x0: 0,
                        x1: W,
                    };
                    let mut out = vec![0.0f32; 3 * W];
                    s.read_stack(StackLayer::Phase, &w, &mut out).unwrap();
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (y, strip) in strips.iter().enumerate() {
        for i in 0..3 {
            assert_eq!(
                &strip[i * W..(i + 1) * W],
                &whole[i * L * W + y * W..i * L * W + (y + 1) * W]
            );
        }
    }
}
