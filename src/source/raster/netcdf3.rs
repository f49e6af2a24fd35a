//! netCDF classic files (`CDF\x01`, the 64-bit offset `CDF\x02` and CDF-5 `CDF\x05`): the
//! header (dimensions, attributes, variables) and windowed reads of a fixed-size variable.
//! GMT writes its grids this way when `IO_NC4_CHUNK_SIZE = classic`, which GMTSAR's scripts
//! set (`gmtsar/csh/intf.csh`, `filter.csh`); the format is Unidata's "NetCDF Classic and
//! 64-bit Offset Format" (big-endian, a header then each variable's values contiguous).
//!
//! Record variables (an unlimited dimension) are not read: grids never use them.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// A value type of the format (`nc_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NcType {
    /// `NC_BYTE`: signed 8-bit.
    Byte,
    /// `NC_CHAR`: text.
    Char,
    /// `NC_SHORT`.
    Short,
    /// `NC_INT`.
    Int,
    /// `NC_FLOAT`.
    Float,
    /// `NC_DOUBLE`.
    Double,
    /// `NC_UBYTE` (CDF-5).
    UByte,
    /// `NC_USHORT` (CDF-5).
    UShort,
    /// `NC_UINT` (CDF-5).
    UInt,
    /// `NC_INT64` (CDF-5).
    Int64,
    /// `NC_UINT64` (CDF-5).
    UInt64,
}

impl NcType {
    fn from_code(c: u32) -> Option<NcType> {
        Some(match c {
            1 => NcType::Byte,
            2 => NcType::Char,
            3 => NcType::Short,
            4 => NcType::Int,
            5 => NcType::Float,
            6 => NcType::Double,
            7 => NcType::UByte,
            8 => NcType::UShort,
            9 => NcType::UInt,
            10 => NcType::Int64,
            11 => NcType::UInt64,
            _ => return None,
        })
    }

    /// Bytes per value.
    pub fn size(self) -> usize {
        match self {
            NcType::Byte | NcType::Char | NcType::UByte => 1,
            NcType::Short | NcType::UShort => 2,
            NcType::Int | NcType::Float | NcType::UInt => 4,
            NcType::Double | NcType::Int64 | NcType::UInt64 => 8,
        }
    }

    /// The big-endian value at the start of `b` as f64.
    fn decode(self, b: &[u8]) -> f64 {
        let a = |n: usize| -> [u8; 8] {
            let mut x = [0u8; 8];
            x[..n].copy_from_slice(&b[..n]);
            x
        };
        match self {
            NcType::Byte => b[0] as i8 as f64,
            NcType::Char | NcType::UByte => b[0] as f64,
            NcType::Short => i16::from_be_bytes([b[0], b[1]]) as f64,
            NcType::UShort => u16::from_be_bytes([b[0], b[1]]) as f64,
            NcType::Int => i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f64,
            NcType::UInt => u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f64,
            NcType::Float => f32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f64,
            NcType::Double => f64::from_be_bytes(a(8)),
            NcType::Int64 => i64::from_be_bytes(a(8)) as f64,
            NcType::UInt64 => u64::from_be_bytes(a(8)) as f64,
        }
    }
}

/// An attribute's values.
#[derive(Debug, Clone, PartialEq)]
pub enum NcValue {
    /// `NC_CHAR` text (trailing NULs removed).
    Text(String),
    /// Numbers of any other type, widened to f64.
    Numbers(Vec<f64>),
}

impl NcValue {
    /// The first number, if numeric.
    pub fn number(&self) -> Option<f64> {
        match self {
            NcValue::Numbers(v) => v.first().copied(),
            NcValue::Text(_) => None,
        }
    }
}

/// A named attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct NcAttr {
    /// Name.
    pub name: String,
    /// Values.
    pub value: NcValue,
}

/// A dimension (length 0 is the record dimension).
#[derive(Debug, Clone, PartialEq)]
pub struct NcDim {
    /// Name.
    pub name: String,
    /// Length.
    pub len: u64,
}

/// A variable: its dimensions (indices into [`NcFile::dims`]), attributes, type and where its
/// values start.
#[derive(Debug, Clone, PartialEq)]
pub struct NcVar {
    /// Name.
    pub name: String,
    /// Dimension indices, slowest first.
    pub dims: Vec<usize>,
    /// Attributes.
    pub attrs: Vec<NcAttr>,
    /// Value type.
    pub ty: NcType,
    /// Byte offset of the first value.
    pub begin: u64,
}

impl NcVar {
    /// The attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&NcValue> {
        find_attr(&self.attrs, name)
    }
}

fn find_attr<'a>(attrs: &'a [NcAttr], name: &str) -> Option<&'a NcValue> {
    attrs.iter().find(|a| a.name == name).map(|a| &a.value)
}

/// A netCDF classic file's header.
#[derive(Debug, Clone, PartialEq)]
pub struct NcFile {
    /// The file.
    pub path: PathBuf,
    /// Dimensions.
    pub dims: Vec<NcDim>,
    /// Global attributes.
    pub attrs: Vec<NcAttr>,
    /// Variables.
    pub vars: Vec<NcVar>,
    /// The file's size in bytes.
    pub file_len: u64,
}

/// Whether `head` (a file's first bytes) starts a netCDF classic file.
pub fn is_classic(head: &[u8]) -> bool {
    head.len() >= 4 && &head[..3] == b"CDF" && matches!(head[3], 1 | 2 | 5)
}

/// Whether `head` starts an HDF5 file (netCDF-4).
pub fn is_hdf5(head: &[u8]) -> bool {
    head.starts_with(b"\x89HDF\r\n\x1a\n")
}

/// A cursor over the header bytes read so far; running past them means "read more".
struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
    /// CDF-5: counts are 64-bit.
    big_counts: bool,
    /// CDF-2 and CDF-5: offsets are 64-bit.
    big_offsets: bool,
}

/// The header did not fit in the bytes read.
#[derive(Debug)]
struct NeedMore;

/// Why parsing stopped: more bytes needed, or a malformed header.
enum Stop {
    More,
    Bad(String),
}

impl From<NeedMore> for Stop {
    fn from(_: NeedMore) -> Stop {
        Stop::More
    }
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], NeedMore> {
        let end = self.pos.checked_add(n).ok_or(NeedMore)?;
        let s = self.b.get(self.pos..end).ok_or(NeedMore)?;
        self.pos = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, NeedMore> {
        let s = self.take(4)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }

    fn u64(&mut self) -> Result<u64, NeedMore> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_be_bytes(a))
    }

    fn count(&mut self) -> Result<u64, NeedMore> {
        if self.big_counts {
            self.u64()
        } else {
            Ok(self.u32()? as u64)
        }
    }

    fn offset(&mut self) -> Result<u64, NeedMore> {
        if self.big_offsets {
            self.u64()
        } else {
            Ok(self.u32()? as u64)
        }
    }

    /// `n` bytes padded to a multiple of 4.
    fn padded(&mut self, n: u64) -> Result<&'a [u8], Stop> {
        let n = usize::try_from(n).map_err(|_| Stop::Bad("a length does not fit".into()))?;
        let s = self.take(n)?;
        let pad = (4 - n % 4) % 4;
        self.take(pad)?;
        Ok(s)
    }

    fn name(&mut self) -> Result<String, Stop> {
        let n = self.count()?;
        if n > 1 << 20 {
            return Err(Stop::Bad(format!("a name of {n} bytes")));
        }
        let s = self.padded(n)?;
        Ok(String::from_utf8_lossy(s).into_owned())
    }

    /// A list header: (tag, count); an absent list is tag 0 with count 0.
    fn list(&mut self, want: u32, what: &str) -> Result<u64, Stop> {
        let tag = self.u32()?;
        let n = self.count()?;
        if tag == 0 && n == 0 {
            return Ok(0);
        }
        if tag != want {
            return Err(Stop::Bad(format!("the {what} list has tag {tag:#x}")));
        }
        if n > 1 << 20 {
            return Err(Stop::Bad(format!("{n} entries in the {what} list")));
        }
        Ok(n)
    }

    fn attrs(&mut self) -> Result<Vec<NcAttr>, Stop> {
        let n = self.list(0x0C, "attribute")?;
        let mut out = Vec::new();
        for _ in 0..n {
            let name = self.name()?;
            let code = self.u32()?;
            let ty = NcType::from_code(code)
                .ok_or_else(|| Stop::Bad(format!("attribute {name} has type code {code}")))?;
            let count = self.count()?;
            let bytes = count
                .checked_mul(ty.size() as u64)
                .filter(|&b| b <= 1 << 30)
                .ok_or_else(|| Stop::Bad(format!("attribute {name} of {count} values")))?;
            let raw = self.padded(bytes)?;
            let value = if ty == NcType::Char {
                NcValue::Text(
                    String::from_utf8_lossy(raw)
                        .trim_end_matches('\0')
                        .to_string(),
                )
            } else {
                NcValue::Numbers(raw.chunks_exact(ty.size()).map(|c| ty.decode(c)).collect())
            };
            out.push(NcAttr { name, value });
        }
        Ok(out)
    }
}

impl NcFile {
    /// Reads the header of the netCDF classic file `path`.
    pub fn open(path: &Path) -> anyhow::Result<NcFile> {
        let mut f = std::fs::File::open(path)
            .with_context(|| format!("cannot open netCDF file {}", path.display()))?;
        let file_len = f
            .metadata()
            .with_context(|| format!("cannot read netCDF file {}", path.display()))?
            .len();
        let mut buf = Vec::new();
        let mut want: u64 = 64 * 1024;
        loop {
            let n = want.min(file_len);
            buf.resize(n as usize, 0);
            f.seek(SeekFrom::Start(0))
                .and_then(|_| f.read_exact(&mut buf))
                .with_context(|| format!("cannot read netCDF file {}", path.display()))?;
            match parse(&buf, path, file_len) {
                Ok(nc) => return Ok(nc),
                Err(Stop::More) if n < file_len => want = want.saturating_mul(4),
                Err(Stop::More) => bail!(
                    "netCDF file {} is truncated: its header runs past the end of the file \
                     ({file_len} bytes)",
                    path.display()
                ),
                Err(Stop::Bad(why)) => {
                    bail!("malformed netCDF header in {}: {why}", path.display())
                }
            }
        }
    }

    /// The global attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&NcValue> {
        find_attr(&self.attrs, name)
    }

    /// The variable `name`.
    pub fn var(&self, name: &str) -> Option<&NcVar> {
        self.vars.iter().find(|v| v.name == name)
    }

    /// The shape of `var` (dimension lengths, slowest first).
    pub fn shape(&self, var: &NcVar) -> Vec<u64> {
        var.dims.iter().map(|&d| self.dims[d].len).collect()
    }

    /// Checks that `var` is a fixed-size variable whose values lie inside the file.
    fn check_extent(&self, var: &NcVar) -> anyhow::Result<u64> {
        let shape = self.shape(var);
        if shape.contains(&0) {
            bail!(
                "netCDF file {}: variable {} is a record variable (unlimited dimension), \
                 which sbas does not read",
                self.path.display(),
                var.name
            );
        }
        let n = shape
            .iter()
            .try_fold(var.ty.size() as u64, |a, &d| a.checked_mul(d))
            .unwrap_or(u64::MAX);
        let end = var.begin.saturating_add(n);
        if end > self.file_len {
            bail!(
                "netCDF file {} is truncated: variable {} needs bytes {}..{} but the file \
                 holds {}",
                self.path.display(),
                var.name,
                var.begin,
                end,
                self.file_len
            );
        }
        Ok(n)
    }

    /// Every value of the variable `var` as f64 (for small variables: coordinates).
    pub fn read_all_f64(&self, var: &NcVar) -> anyhow::Result<Vec<f64>> {
        let n = self.check_extent(var)?;
        let mut buf = vec![0u8; n as usize];
        let mut f = std::fs::File::open(&self.path)
            .with_context(|| format!("cannot open netCDF file {}", self.path.display()))?;
        f.seek(SeekFrom::Start(var.begin))
            .and_then(|_| f.read_exact(&mut buf))
            .with_context(|| {
                format!(
                    "cannot read variable {} of netCDF file {}",
                    var.name,
                    self.path.display()
                )
            })?;
        Ok(buf
            .chunks_exact(var.ty.size())
            .map(|c| var.ty.decode(c))
            .collect())
    }

    /// Reads columns `x0..x1` of the file rows `rows` (in the order given) of the 2-D
    /// variable `var` into `out` as f32, row after row.
    pub fn read_rows_f32(
        &self,
        var: &NcVar,
        rows: impl Iterator<Item = usize>,
        x0: usize,
        x1: usize,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        self.check_extent(var)?;
        let shape = self.shape(var);
        if shape.len() != 2 {
            bail!(
                "netCDF file {}: variable {} has {} dimensions, not 2",
                self.path.display(),
                var.name,
                shape.len()
            );
        }
        let (ny, nx) = (shape[0] as usize, shape[1] as usize);
        let w = x1.saturating_sub(x0);
        if x1 > nx || w == 0 {
            bail!(
                "columns {x0}..{x1} outside variable {} ({nx} columns) of {}",
                var.name,
                self.path.display()
            );
        }
        let size = var.ty.size();
        let mut f = std::fs::File::open(&self.path)
            .with_context(|| format!("cannot open netCDF file {}", self.path.display()))?;
        let mut buf = vec![0u8; w * size];
        let mut chunks = out.chunks_exact_mut(w);
        for r in rows {
            if r >= ny {
                bail!(
                    "row {r} outside variable {} ({ny} rows) of {}",
                    var.name,
                    self.path.display()
                );
            }
            let dst = chunks
                .next()
                .context("output buffer shorter than the rows asked for")?;
            let pos = var.begin + ((r * nx + x0) * size) as u64;
            f.seek(SeekFrom::Start(pos))
                .and_then(|_| f.read_exact(&mut buf))
                .with_context(|| {
                    format!(
                        "cannot read row {r} of variable {} of netCDF file {}",
                        var.name,
                        self.path.display()
                    )
                })?;
            if var.ty == NcType::Float {
                for (d, c) in dst.iter_mut().zip(buf.chunks_exact(4)) {
                    *d = f32::from_be_bytes([c[0], c[1], c[2], c[3]]);
                }
            } else {
                for (d, c) in dst.iter_mut().zip(buf.chunks_exact(size)) {
                    *d = var.ty.decode(c) as f32;
                }
            }
        }
        Ok(())
    }
}

/// Parses a header from `b` (the file's first bytes).
fn parse(b: &[u8], path: &Path, file_len: u64) -> Result<NcFile, Stop> {
    if b.len() < 4 {
        return Err(Stop::More);
    }
    if !is_classic(b) {
        return Err(Stop::Bad(if is_hdf5(b) {
            "it is a netCDF-4 (HDF5) file, not netCDF classic".into()
        } else {
            "no CDF signature".into()
        }));
    }
    let version = b[3];
    let mut c = Cursor {
        b,
        pos: 4,
        big_counts: version == 5,
        big_offsets: version != 1,
    };
    let _numrecs = c.count()?;
    let nd = c.list(0x0A, "dimension")?;
    let mut dims = Vec::new();
    for _ in 0..nd {
        let name = c.name()?;
        let len = c.count()?;
        dims.push(NcDim { name, len });
    }
    let attrs = c.attrs()?;
    let nv = c.list(0x0B, "variable")?;
    let mut vars = Vec::new();
    for _ in 0..nv {
        let name = c.name()?;
        let ndims = c.count()?;
        if ndims > 64 {
            return Err(Stop::Bad(format!("variable {name} has {ndims} dimensions")));
        }
        let mut vd = Vec::new();
        for _ in 0..ndims {
            let id = c.count()? as usize;
            if id >= dims.len() {
                return Err(Stop::Bad(format!(
                    "variable {name} names dimension {id} of {}",
                    dims.len()
                )));
            }
            vd.push(id);
        }
        let vattrs = c.attrs()?;
        let code = c.u32()?;
        let ty = NcType::from_code(code)
            .ok_or_else(|| Stop::Bad(format!("variable {name} has type code {code}")))?;
        let _vsize = c.count()?;
        let begin = c.offset()?;
        vars.push(NcVar {
            name,
            dims: vd,
            attrs: vattrs,
            ty,
            begin,
        });
    }
    Ok(NcFile {
        path: path.to_path_buf(),
        dims,
        attrs,
        vars,
        file_len,
    })
}

/// Writing netCDF classic (`CDF\x01`) files of fixed-size variables: what the simulator needs
/// to write GMT grids.
pub mod write {
    use super::{NcAttr, NcType, NcValue};

    /// A variable to write: name, dimension indices, attributes, type and big-endian values.
    pub struct VarOut {
        /// Name.
        pub name: String,
        /// Dimension indices, slowest first.
        pub dims: Vec<usize>,
        /// Attributes.
        pub attrs: Vec<NcAttr>,
        /// Type of the values.
        pub ty: NcType,
        /// The values, big-endian, `ty.size()` bytes each.
        pub data: Vec<u8>,
    }

    fn code(t: NcType) -> u32 {
        match t {
            NcType::Byte => 1,
            NcType::Char => 2,
            NcType::Short => 3,
            NcType::Int => 4,
            NcType::Float => 5,
            NcType::Double => 6,
            NcType::UByte => 7,
            NcType::UShort => 8,
            NcType::UInt => 9,
            NcType::Int64 => 10,
            NcType::UInt64 => 11,
        }
    }

    fn pad(out: &mut Vec<u8>) {
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
    }

    fn name(out: &mut Vec<u8>, s: &str) {
        out.extend((s.len() as u32).to_be_bytes());
        out.extend(s.as_bytes());
        pad(out);
    }

    fn attrs(out: &mut Vec<u8>, attrs: &[NcAttr], types: &[NcType]) {
        if attrs.is_empty() {
            out.extend([0u8; 8]);
            return;
        }
        out.extend(0x0Cu32.to_be_bytes());
        out.extend((attrs.len() as u32).to_be_bytes());
        for (a, &t) in attrs.iter().zip(types) {
            name(out, &a.name);
            out.extend(code(t).to_be_bytes());
            match &a.value {
                NcValue::Text(s) => {
                    out.extend((s.len() as u32).to_be_bytes());
                    out.extend(s.as_bytes());
                }
                NcValue::Numbers(v) => {
                    out.extend((v.len() as u32).to_be_bytes());
                    for &x in v {
                        match t {
                            NcType::Int => out.extend((x as i32).to_be_bytes()),
                            NcType::Float => out.extend((x as f32).to_be_bytes()),
                            _ => out.extend(x.to_be_bytes()),
                        }
                    }
                }
            }
            pad(out);
        }
    }

    /// The type an attribute is written with: text as `NC_CHAR`; numbers as `NC_DOUBLE`
    /// unless `types` names the attribute (`NC_INT`, `NC_FLOAT`).
    fn attr_type(a: &NcAttr, types: &[(&str, NcType)]) -> NcType {
        match a.value {
            NcValue::Text(_) => NcType::Char,
            NcValue::Numbers(_) => types
                .iter()
                .find(|(n, _)| *n == a.name)
                .map_or(NcType::Double, |(_, t)| *t),
        }
    }

    /// The bytes of a netCDF classic file with dimensions `dims`, global attributes `gattrs`
    /// and variables `vars` (each variable's values follow the header in order). Numeric
    /// attributes are doubles unless `types` names them.
    pub fn classic_bytes(
        dims: &[(&str, usize)],
        gattrs: &[NcAttr],
        vars: &[VarOut],
        types: &[(&str, NcType)],
    ) -> Vec<u8> {
        // The header's size does not depend on the offsets: write it once with zeros to
        // learn where the data begin, then again with the offsets.
        let header = |begins: &[u32]| -> Vec<u8> {
            let mut out = b"CDF\x01".to_vec();
            out.extend(0u32.to_be_bytes());
            out.extend(0x0Au32.to_be_bytes());
            out.extend((dims.len() as u32).to_be_bytes());
            for (n, len) in dims {
                name(&mut out, n);
                out.extend((*len as u32).to_be_bytes());
            }
            let gt: Vec<NcType> = gattrs.iter().map(|a| attr_type(a, types)).collect();
            attrs(&mut out, gattrs, &gt);
            out.extend(0x0Bu32.to_be_bytes());
            out.extend((vars.len() as u32).to_be_bytes());
            for (v, &b) in vars.iter().zip(begins) {
                name(&mut out, &v.name);
                out.extend((v.dims.len() as u32).to_be_bytes());
                for &d in &v.dims {
                    out.extend((d as u32).to_be_bytes());
                }
                let vt: Vec<NcType> = v.attrs.iter().map(|a| attr_type(a, types)).collect();
                attrs(&mut out, &v.attrs, &vt);
                out.extend(code(v.ty).to_be_bytes());
                let vsize = v.data.len().div_ceil(4) * 4;
                out.extend((vsize as u32).to_be_bytes());
                out.extend(b.to_be_bytes());
            }
            out
        };
        let len0 = header(&vec![0; vars.len()]).len();
        let mut begins = Vec::new();
        let mut at = len0;
        for v in vars {
            begins.push(at as u32);
            at += v.data.len().div_ceil(4) * 4;
        }
        let mut out = header(&begins);
        for v in vars {
            out.extend(&v.data);
            pad(&mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::write::{classic_bytes, VarOut};
    use super::*;

    fn text(name: &str, s: &str) -> NcAttr {
        NcAttr {
            name: name.into(),
            value: NcValue::Text(s.into()),
        }
    }

    #[test]
    fn written_file_reads_back_and_truncation_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let z: Vec<u8> = (0..6).flat_map(|i| (i as f32).to_be_bytes()).collect();
        let x: Vec<u8> = [0.5f64, 1.5, 2.5]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let bytes = classic_bytes(
            &[("y", 2), ("x", 3)],
            &[
                text("title", "t"),
                NcAttr {
                    name: "node_offset".into(),
                    value: NcValue::Numbers(vec![1.0]),
                },
            ],
            &[
                VarOut {
                    name: "x".into(),
                    dims: vec![1],
                    attrs: vec![],
                    ty: NcType::Double,
                    data: x,
                },
                VarOut {
                    name: "z".into(),
                    dims: vec![0, 1],
                    attrs: vec![text("units", "radians")],
                    ty: NcType::Float,
                    data: z,
                },
            ],
            &[("node_offset", NcType::Int)],
        );
        let p = dir.path().join("a.grd");
        std::fs::write(&p, &bytes).unwrap();
        let nc = NcFile::open(&p).unwrap();
        assert_eq!(nc.attr("node_offset"), Some(&NcValue::Numbers(vec![1.0])));
        let xv = nc.var("x").unwrap();
        assert_eq!(nc.read_all_f64(xv).unwrap(), vec![0.5, 1.5, 2.5]);
        let zv = nc.var("z").unwrap();
        assert_eq!(zv.attr("units"), Some(&NcValue::Text("radians".into())));
        let mut out = vec![0f32; 4];
        nc.read_rows_f32(zv, [1, 0].into_iter(), 1, 3, &mut out)
            .unwrap();
        assert_eq!(out, vec![4.0, 5.0, 1.0, 2.0]);

        std::fs::write(&p, &bytes[..bytes.len() - 4]).unwrap();
        let nc = NcFile::open(&p).unwrap();
        let e = format!("{:#}", nc.read_all_f64(nc.var("z").unwrap()).unwrap_err());
        assert!(e.contains("truncated") && e.contains("a.grd"), "{e}");
        std::fs::write(&p, &bytes[..40]).unwrap();
        let e = format!("{:#}", NcFile::open(&p).unwrap_err());
        assert!(e.contains("truncated"), "{e}");
        std::fs::write(&p, b"\x89HDF\r\n\x1a\n and more").unwrap();
        let e = format!("{:#}", NcFile::open(&p).unwrap_err());
        assert!(e.contains("netCDF-4"), "{e}");
    }
}
