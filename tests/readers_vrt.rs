//! GDAL `.vrt` sidecars whose bands are `<SimpleSource>`s, in ISCE2's form
//! (`tests/fixtures/vrt_simplesource`, made by `scripts/make-vrt-fixture.sh`; values checked
//! against GDAL when the fixture was made).

use std::path::PathBuf;

use sbas::source::raster::raster_layout;
use sbas::window::Window;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/vrt_simplesource")
        .join(name)
}

#[test]
fn simple_source_bands_read_their_source() {
    let l = raster_layout(&fixture("merged.unw")).unwrap();
    assert_eq!((l.length, l.width, l.bands.len()), (3, 4, 2));
    assert_eq!(l.data_file, fixture("burst.unw"));
    assert_eq!(l.sidecar, fixture("merged.unw.vrt"));
    let w = Window {
        y0: 1,
        y1: 3,
        x0: 1,
        x1: 4,
    };
    let mut out = vec![0f32; w.pixels()];
    l.read_window(1, &w, &mut out).unwrap();
    assert_eq!(out, [211.0, 212.0, 213.0, 221.0, 222.0, 223.0]);
    l.read_window(0, &w, &mut out).unwrap();
    assert_eq!(out[0], 111.0);
}

#[test]
fn bad_simple_sources_are_named() {
    let e = format!("{:#}", raster_layout(&fixture("mosaic.unw")).unwrap_err());
    assert!(
        e.contains("mosaic.unw.vrt") && e.contains("mosaic of 2 sources"),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("merged.unw.vrt")).unwrap();
    let put = |t: &str| {
        let p = dir.path().join("x.unw.vrt");
        std::fs::write(&p, t).unwrap();
        format!(
            "{:#}",
            raster_layout(&dir.path().join("x.unw")).unwrap_err()
        )
    };
    // The source is missing (the VRT copied away from it).
    let e = put(&text);
    assert!(
        e.contains("x.unw.vrt") && e.contains("burst.unw.vrt"),
        "{e}"
    );
    let abs = text.replace(
        "<SourceFilename relativeToVRT=\"1\">burst.unw.vrt",
        &format!(
            "<SourceFilename relativeToVRT=\"0\">{}",
            fixture("burst.unw.vrt").display()
        ),
    );
    assert!(raster_layout(&dir.path().join("x.unw")).is_err());
    // A crop.
    let e = put(&abs.replacen(
        "<SrcRect xOff=\"0\" yOff=\"0\" xSize=\"4\" ySize=\"3\"/>",
        "<SrcRect xOff=\"1\" yOff=\"0\" xSize=\"4\" ySize=\"3\"/>",
        1,
    ));
    assert!(e.contains("x.unw.vrt") && e.contains("SrcRect"), "{e}");
    // A band the source does not have.
    let e = put(&abs.replacen("<SourceBand>2<", "<SourceBand>3<", 1));
    assert!(e.contains("x.unw.vrt") && e.contains("band 3"), "{e}");
    // A type conversion.
    let e = put(&abs.replacen("dataType=\"Float32\"", "dataType=\"Float64\"", 1));
    assert!(e.contains("x.unw.vrt") && e.contains("converts"), "{e}");
    // A source that is the raster itself.
    let e = put(&abs.replace(
        &fixture("burst.unw.vrt").display().to_string(),
        &dir.path().join("x.unw").display().to_string(),
    ));
    assert!(e.contains("x.unw.vrt") && e.contains("describes"), "{e}");
    // The absolute form reads.
    std::fs::write(dir.path().join("x.unw.vrt"), &abs).unwrap();
    let l = raster_layout(&dir.path().join("x.unw")).unwrap();
    assert_eq!(l.data_file, fixture("burst.unw"));
}
