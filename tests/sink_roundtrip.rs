//! Writes a small fake run in row strips (the last one shorter) in both formats and reads it
//! back with `RunResults` and with raw hdf5 / zarrs calls.

use std::path::Path;
use std::sync::Arc;

use hdf5::types::{TypeDescriptor, VarLenUnicode};
use sbas::invert::ChunkOut;
use sbas::meta::{Attributes, Date};
use sbas::product::inversion::{
    create_sink, staging_dir, write_hdf5_from_staging, OutputFormat, OutputSpec, RunResults,
    LAYER_NAMES,
};
use sbas::window::Window;

const N: usize = 4;

fn spec(dir: &Path, length: usize, width: usize, chunk_rows: usize) -> OutputSpec {
    let d0 = Date::parse("20200105").unwrap();
    let mut attrs = Attributes::new();
    attrs.set("WAVELENGTH", "0.05546576");
    attrs.set("REF_Y", 1);
    attrs.set("REF_X", 2);
    attrs.set("NO_DATA_VALUE", "0");
    attrs.set("mintpy.networkInversion.weightFunc", "var");
    OutputSpec {
        dir: dir.to_path_buf(),
        length,
        width,
        chunk_rows,
        dates: (0..N).map(|k| d0.add_days(12 * k as i32)).collect(),
        bperp: vec![0.0, 12.5, -30.25, 7.0],
        attrs,
    }
}

fn ts_value(k: usize, y: usize, x: usize) -> f32 {
    k as f32 * 0.01 + y as f32 * 1e-4 + x as f32 * 1e-6
}
fn tcoh(y: usize, x: usize) -> f32 {
    ((y * 31 + x * 7) % 100) as f32 / 100.0
}
fn num_inv(y: usize, x: usize) -> f32 {
    ((y + x) % 6) as f32
}
fn avg_coh(y: usize, x: usize) -> f32 {
    ((y * 3 + x) % 10) as f32 / 10.0
}
fn mask(y: usize, x: usize) -> u8 {
    (y + 2 * x).is_multiple_of(3) as u8
}

/// The results of one strip, from the value functions above.
fn strip(id: usize, w: Window) -> ChunkOut {
    let mut out = ChunkOut {
        id,
        window: w,
        ..ChunkOut::default()
    };
    for k in 0..N {
        for y in w.y0..w.y1 {
            for x in w.x0..w.x1 {
                out.timeseries.push(ts_value(k, y, x));
            }
        }
    }
    for y in w.y0..w.y1 {
        for x in w.x0..w.x1 {
            out.temporal_coherence.push(tcoh(y, x));
            out.num_inv_ifgram.push(num_inv(y, x));
            out.avg_spatial_coh.push(avg_coh(y, x));
            out.mask_temp_coh.push(mask(y, x));
        }
    }
    out
}

fn strips(length: usize, width: usize, rows: usize) -> Vec<Window> {
    (0..length)
        .step_by(rows)
        .map(|y0| Window {
            y0,
            y1: (y0 + rows).min(length),
            x0: 0,
            x1: width,
        })
        .collect()
}

/// Writes every strip to the chunk store (in reverse order: the store must not care); an HDF5
/// run stages them and writes MintPy's files at the end, as a run does.
fn write_run(dir: &Path, format: OutputFormat, length: usize, width: usize, rows: usize) {
    let s = spec(dir, length, width, rows);
    let chunks = match format {
        OutputFormat::Zarr => s.clone(),
        OutputFormat::Hdf5 => OutputSpec {
            dir: staging_dir(dir),
            ..s.clone()
        },
    };
    let mut sink = create_sink(&chunks).unwrap();
    let windows = strips(length, width, rows);
    for (i, w) in windows.iter().enumerate().rev() {
        sink.write_chunk(&strip(i, *w)).unwrap();
    }
    let mut paths = sink.finalize().unwrap();
    if format == OutputFormat::Hdf5 {
        paths = write_hdf5_from_staging(&s, &windows).unwrap();
        assert_eq!(paths.len(), 5, "{paths:?}");
    }
    assert!(paths.iter().all(|p| p.exists()), "{paths:?}");
}

/// Expected value of a layer at (row, column).
type PixelFn = fn(usize, usize) -> f32;

fn check_values(r: &RunResults, w: Window) {
    let ts = r.read_timeseries(w).unwrap();
    assert_eq!(ts.len(), N * w.pixels());
    let mut i = 0;
    for k in 0..N {
        for y in w.y0..w.y1 {
            for x in w.x0..w.x1 {
                assert_eq!(ts[i], ts_value(k, y, x), "timeseries[{k},{y},{x}]");
                i += 1;
            }
        }
    }
    let layers: [(&str, PixelFn); 4] = [
        ("temporalCoherence", tcoh),
        ("numInvIfgram", num_inv),
        ("avgSpatialCoh", avg_coh),
        ("maskTempCoh", |y, x| mask(y, x) as f32),
    ];
    for (name, f) in layers {
        let v = r.read_layer(name, w).unwrap();
        let want: Vec<f32> = (w.y0..w.y1)
            .flat_map(|y| (w.x0..w.x1).map(move |x| f(y, x)))
            .collect();
        assert_eq!(v, want, "{name} in {w:?}");
    }
}

fn check_results(dir: &Path, format: OutputFormat, length: usize, width: usize) {
    let r = RunResults::open(dir).unwrap();
    assert_eq!(r.format(), format);
    assert!(r.is_complete());
    assert_eq!((r.length(), r.width()), (length, width));
    let s = spec(dir, length, width, 1);
    assert_eq!(r.dates(), &s.dates[..]);
    assert_eq!(r.bperp(), &s.bperp[..]);
    assert_eq!(r.attrs().get("WAVELENGTH"), Some("0.05546576"));
    assert_eq!(r.attrs().get("REF_DATE"), Some("20200105"));
    assert_eq!(r.attrs().get("LENGTH"), Some(length.to_string().as_str()));
    check_values(&r, Window::full(length, width));
    // A window straddling strips and (for wide images) column chunks.
    check_values(
        &r,
        Window {
            y0: 1,
            y1: length - 1,
            x0: 1,
            x1: width - 1,
        },
    );
    assert!(r
        .read_layer("velocity", Window::full(length, width))
        .is_err());
    assert!(r
        .read_timeseries(Window {
            y0: 0,
            y1: length + 1,
            x0: 0,
            x1: 1
        })
        .is_err());
    assert_eq!(LAYER_NAMES.len(), 4);
}

#[test]
fn hdf5_round_trip_in_strips() {
    let tmp = tempfile::tempdir().unwrap();
    write_run(tmp.path(), OutputFormat::Hdf5, 10, 7, 4);
    check_results(tmp.path(), OutputFormat::Hdf5, 10, 7);
}

#[test]
fn zarr_round_trip_in_strips() {
    let tmp = tempfile::tempdir().unwrap();
    write_run(tmp.path(), OutputFormat::Zarr, 10, 7, 4);
    check_results(tmp.path(), OutputFormat::Zarr, 10, 7);
}

#[test]
fn wide_images_round_trip_over_several_column_chunks() {
    for format in [OutputFormat::Zarr, OutputFormat::Hdf5] {
        let tmp = tempfile::tempdir().unwrap();
        write_run(tmp.path(), format, 5, 1100, 2);
        check_results(tmp.path(), format, 5, 1100);
    }
}

fn h5_str_attr(f: &hdf5::File, key: &str) -> Option<String> {
    let a = f.attr(key).ok()?;
    assert_eq!(
        a.dtype().unwrap().to_descriptor().unwrap(),
        TypeDescriptor::VarLenUnicode,
        "attribute {key} must be a variable-length UTF-8 string"
    );
    assert!(a.is_scalar());
    Some(a.read_scalar::<VarLenUnicode>().unwrap().to_string())
}

#[test]
fn hdf5_files_have_mintpy_layout_and_appear_only_at_finalize() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let s = spec(dir, 10, 7, 4);
    let files = [
        "timeseries.h5",
        "temporalCoherence.h5",
        "numInvIfgram.h5",
        "avgSpatialCoh.h5",
        "maskTempCoh.h5",
    ];
    // A finished file of an earlier run is replaced, never taken for this run's.
    std::fs::write(dir.join("timeseries.h5"), b"stale").unwrap();
    let staged = OutputSpec {
        dir: staging_dir(dir),
        ..s.clone()
    };
    let mut sink = create_sink(&staged).unwrap();
    let windows = strips(10, 7, 4);
    for (i, w) in windows.iter().enumerate() {
        sink.write_chunk(&strip(i, *w)).unwrap();
    }
    // Buffers that do not match the window are refused.
    let mut bad = strip(9, Window::full(4, 7));
    bad.temporal_coherence.pop();
    assert!(sink.write_chunk(&bad).is_err());
    let outside = strip(
        9,
        Window {
            y0: 8,
            y1: 11,
            x0: 0,
            x1: 7,
        },
    );
    assert!(sink.write_chunk(&outside).is_err());
    // The staged chunks read back, but are not complete before the store's finalize.
    let r = RunResults::open(&staging_dir(dir)).unwrap();
    assert!(!r.is_complete());
    check_values(&r, Window::full(10, 7));
    drop(r);
    sink.finalize().unwrap();
    for f in &files[1..] {
        assert!(
            !dir.join(f).exists(),
            "{f} exists before the HDF5 files are written"
        );
    }
    write_hdf5_from_staging(&s, &windows).unwrap();
    for f in files {
        assert!(dir.join(f).exists(), "{f} missing after finalize");
        assert!(!dir.join(format!("{f}.part")).exists(), "{f}.part left");
    }

    let f = hdf5::File::open(dir.join("timeseries.h5")).unwrap();
    assert_eq!(f.member_names().unwrap(), ["bperp", "date", "timeseries"]);
    let date = f.dataset("date").unwrap();
    assert_eq!(
        date.dtype().unwrap().to_descriptor().unwrap(),
        TypeDescriptor::FixedAscii(8)
    );
    assert_eq!(date.shape(), vec![N]);
    let bperp = f.dataset("bperp").unwrap();
    assert_eq!(
        bperp.dtype().unwrap().to_descriptor().unwrap(),
        TypeDescriptor::Float(hdf5::types::FloatSize::U4)
    );
    let ts = f.dataset("timeseries").unwrap();
    assert_eq!(ts.shape(), vec![N, 10, 7]);
    assert_eq!(
        ts.dtype().unwrap().to_descriptor().unwrap(),
        TypeDescriptor::Float(hdf5::types::FloatSize::U4)
    );
    assert_eq!(ts.space().unwrap().maxdims(), vec![None, Some(10), Some(7)]);
    let chunk = ts.chunk().expect("timeseries must be chunked");
    assert_eq!(chunk[1], 4, "chunk rows follow chunk_rows");
    assert_eq!(h5_str_attr(&f, "FILE_TYPE").as_deref(), Some("timeseries"));
    assert_eq!(h5_str_attr(&f, "UNIT").as_deref(), Some("m"));
    assert_eq!(h5_str_attr(&f, "REF_DATE").as_deref(), Some("20200105"));
    assert_eq!(h5_str_attr(&f, "LENGTH").as_deref(), Some("10"));
    assert_eq!(h5_str_attr(&f, "WIDTH").as_deref(), Some("7"));
    assert_eq!(h5_str_attr(&f, "REF_Y").as_deref(), Some("1"));
    assert_eq!(
        h5_str_attr(&f, "mintpy.networkInversion.weightFunc").as_deref(),
        Some("var")
    );

    let expect = [
        (
            "temporalCoherence.h5",
            "temporalCoherence",
            "temporalCoherence",
        ),
        ("numInvIfgram.h5", "mask", "mask"),
        ("avgSpatialCoh.h5", "coherence", "coherence"),
        ("maskTempCoh.h5", "mask", "mask"),
    ];
    for (file, ds_name, file_type) in expect {
        let f = hdf5::File::open(dir.join(file)).unwrap();
        assert_eq!(
            f.member_names().unwrap(),
            vec![ds_name.to_string()],
            "{file}"
        );
        let ds = f.dataset(ds_name).unwrap();
        assert_eq!(ds.shape(), vec![10, 7], "{file}");
        assert_eq!(ds.chunk().unwrap()[0], 4, "{file} chunk rows");
        let desc = ds.dtype().unwrap().to_descriptor().unwrap();
        if file == "maskTempCoh.h5" {
            // h5py's numpy bool: enum of int8 with FALSE=0, TRUE=1.
            assert_eq!(desc, TypeDescriptor::Boolean, "{file}");
        } else {
            assert_eq!(
                desc,
                TypeDescriptor::Float(hdf5::types::FloatSize::U4),
                "{file}"
            );
        }
        assert_eq!(h5_str_attr(&f, "FILE_TYPE").as_deref(), Some(file_type));
        assert_eq!(h5_str_attr(&f, "UNIT").as_deref(), Some("1"), "{file}");
        assert_eq!(h5_str_attr(&f, "REF_DATE"), None, "{file} has REF_DATE");
        assert_eq!(h5_str_attr(&f, "WAVELENGTH").as_deref(), Some("0.05546576"));
        let nodata = h5_str_attr(&f, "NO_DATA_VALUE");
        if file == "numInvIfgram.h5" {
            assert_eq!(nodata, None);
        } else {
            assert_eq!(nodata.as_deref(), Some("0"), "{file}");
        }
    }
    // The enum's member names, read through the raw datatype.
    let f = hdf5::File::open(dir.join("maskTempCoh.h5")).unwrap();
    let mask = f.dataset("mask").unwrap();
    let raw = mask.read_raw::<bool>().unwrap();
    assert_eq!(
        raw.iter().filter(|&&b| b).count(),
        (0..10)
            .flat_map(|y| (0..7).map(move |x| mask_true(y, x)))
            .filter(|&b| b)
            .count()
    );
}

fn mask_true(y: usize, x: usize) -> bool {
    mask(y, x) == 1
}

#[test]
fn zarr_store_has_dimensions_coordinates_and_completion_flag() {
    use zarrs::array::Array;
    use zarrs::filesystem::FilesystemStore;
    use zarrs::group::Group;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let s = spec(dir, 10, 7, 4);
    let mut sink = create_sink(&s).unwrap();
    let store = Arc::new(FilesystemStore::new(dir.join("sbas.zarr")).unwrap());
    let flag = |store: &Arc<FilesystemStore>| {
        Group::open(store.clone(), "/")
            .unwrap()
            .attributes()
            .get("sbas_complete")
            .cloned()
    };
    assert_eq!(flag(&store), Some(serde_json::Value::Bool(false)));
    let windows = strips(10, 7, 4);
    sink.write_chunk(&strip(0, windows[0])).unwrap();
    assert!(!RunResults::open(dir).unwrap().is_complete());
    // A window that does not cover whole storage chunks would need a read-modify-write.
    let misaligned = strip(
        7,
        Window {
            y0: 2,
            y1: 6,
            x0: 0,
            x1: 7,
        },
    );
    assert!(sink.write_chunk(&misaligned).is_err());
    for (i, w) in windows.iter().enumerate().skip(1) {
        sink.write_chunk(&strip(i, *w)).unwrap();
    }
    sink.finalize().unwrap();
    assert_eq!(flag(&store), Some(serde_json::Value::Bool(true)));
    let root = Group::open(store.clone(), "/").unwrap();
    assert_eq!(
        root.attributes().get("WAVELENGTH"),
        Some(&serde_json::json!("0.05546576"))
    );
    let consolidated = root
        .consolidated_metadata()
        .expect("consolidated metadata written at finalize");
    for name in ["timeseries", "date", "bperp", "y", "x", "maskTempCoh"] {
        assert!(consolidated.metadata.contains_key(name), "{name}");
    }

    let dims = |a: &Array<FilesystemStore>| -> Vec<String> {
        a.dimension_names()
            .clone()
            .unwrap()
            .into_iter()
            .map(|d| d.unwrap())
            .collect()
    };
    let ts = Array::open(store.clone(), "/timeseries").unwrap();
    assert_eq!(ts.shape(), &[N as u64, 10, 7]);
    assert_eq!(dims(&ts), ["date", "y", "x"]);
    assert_eq!(ts.data_type(), &zarrs::array::data_type::float32());
    assert_eq!(ts.attributes()["units"], "m");
    assert!(
        !ts.attributes().contains_key("_zarrs"),
        "dict attrs break to_netcdf"
    );
    let chunk: Vec<u64> = ts
        .chunk_shape(&[0, 0, 0])
        .unwrap()
        .iter()
        .map(|c| c.get())
        .collect();
    assert_eq!(chunk, [N as u64, 4, 7]);
    // One shard per strip, cut into subchunks of at most 4 dates: a date's map or a pixel's series
    // reads a fraction of it.
    let sub: Vec<u64> = zarrs::array::ArrayShardedExt::subchunk_shape(&ts)
        .unwrap()
        .iter()
        .map(|c| c.get())
        .collect();
    assert_eq!(sub, [N as u64, 4, 7]);
    // The series raw (noisy floats barely compress), the 2-D layers zstd-compressed.
    assert!(!ts.metadata().to_string().contains("zstd"));
    for name in ["temporalCoherence", "numInvIfgram", "avgSpatialCoh"] {
        let a = Array::open(store.clone(), &format!("/{name}")).unwrap();
        assert!(a.metadata().to_string().contains("zstd"), "{name}");
        assert_eq!(dims(&a), ["y", "x"], "{name}");
        assert_eq!(a.data_type(), &zarrs::array::data_type::float32());
        assert_eq!(a.attributes()["units"], "1");
        assert!(a.attributes().contains_key("long_name"));
        assert!(a.attributes().contains_key("mintpy_name"));
    }
    let m = Array::open(store.clone(), "/maskTempCoh").unwrap();
    assert_eq!(m.data_type(), &zarrs::array::data_type::bool());
    let date = Array::open(store.clone(), "/date").unwrap();
    assert_eq!(dims(&date), ["date"]);
    assert_eq!(date.data_type(), &zarrs::array::data_type::int64());
    assert_eq!(date.attributes()["units"], "days since 1970-01-01");
    assert_eq!(date.attributes()["calendar"], "proleptic_gregorian");
    let days: Vec<i64> = date.retrieve_array_subset(&date.subset_all()).unwrap();
    let want: Vec<i64> = s
        .dates
        .iter()
        .map(|d| d.days_since_epoch() as i64)
        .collect();
    assert_eq!(days, want);
    let bperp = Array::open(store.clone(), "/bperp").unwrap();
    assert_eq!(dims(&bperp), ["date"]);
    let x = Array::open(store.clone(), "/x").unwrap();
    let xs: Vec<i64> = x.retrieve_array_subset(&x.subset_all()).unwrap();
    assert_eq!(xs, (0..7).collect::<Vec<i64>>());
}

#[test]
fn zarr_store_is_reused_when_compatible_and_refused_otherwise() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_run(dir, OutputFormat::Zarr, 10, 7, 4);
    let store = dir.join("sbas.zarr");
    let mtime = |p: &str| {
        std::fs::metadata(store.join(p))
            .unwrap()
            .modified()
            .unwrap()
    };
    let before = [mtime("timeseries/zarr.json"), mtime("date/c/0")];
    // Same shape: reopened (as a resumed run would), chunks kept, flag reset until finalize;
    // array metadata and coordinates that did not change are not rewritten.
    let mut s = spec(dir, 10, 7, 4);
    s.bperp[1] = 99.0;
    let sink = create_sink(&s).unwrap();
    assert_eq!([mtime("timeseries/zarr.json"), mtime("date/c/0")], before);
    let r = RunResults::open(dir).unwrap();
    assert!(!r.is_complete());
    assert_eq!(r.bperp()[1], 99.0, "a changed coordinate is rewritten");
    check_values(&r, Window::full(10, 7));
    sink.finalize().unwrap();
    assert!(RunResults::open(dir).unwrap().is_complete());
    // Another shape or chunking is refused with a message naming the store.
    let e = create_sink(&spec(dir, 11, 7, 4)).err().unwrap().to_string();
    assert!(e.contains("sbas.zarr"), "{e}");
    assert!(create_sink(&spec(dir, 10, 7, 5)).is_err());
    // The time series is stored uncompressed; a store whose series was compressed (an older
    // sbas) is refused rather than reopened under metadata its chunks do not match.
    let meta_path = store.join("timeseries/zarr.json");
    let original = std::fs::read_to_string(&meta_path).unwrap();
    let mut meta: serde_json::Value = serde_json::from_str(&original).unwrap();
    let codecs = meta["codecs"].as_array_mut().unwrap();
    assert_eq!(codecs.len(), 1, "sharding only: {codecs:?}");
    assert_eq!(codecs[0]["name"], "sharding_indexed");
    // A store of unsharded chunks (an older sbas) is refused too.
    let sharding = codecs[0].clone();
    codecs[0] = serde_json::json!({"name": "bytes", "configuration": {"endian": "little"}});
    std::fs::write(&meta_path, meta.to_string()).unwrap();
    let e = create_sink(&spec(dir, 10, 7, 4)).err().unwrap().to_string();
    assert!(e.contains("not sharded") && e.contains("sbas.zarr"), "{e}");
    let codecs = meta["codecs"].as_array_mut().unwrap();
    codecs[0] = sharding;
    codecs.push(
        serde_json::json!({"name": "zstd", "configuration": {"level": 3, "checksum": false}}),
    );
    std::fs::write(&meta_path, meta.to_string()).unwrap();
    let e = create_sink(&spec(dir, 10, 7, 4)).err().unwrap().to_string();
    assert!(e.contains("compressed") && e.contains("sbas.zarr"), "{e}");
}

#[test]
fn bad_specs_and_empty_dirs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(RunResults::open(tmp.path()).is_err());
    let mut s = spec(tmp.path(), 10, 7, 4);
    s.bperp.pop();
    assert!(write_hdf5_from_staging(&s, &[]).is_err());
    let mut s = spec(tmp.path(), 10, 7, 0);
    assert!(create_sink(&s).is_err());
    s.chunk_rows = 4;
    s.dates.swap(0, 1);
    assert!(create_sink(&s).is_err());
}
