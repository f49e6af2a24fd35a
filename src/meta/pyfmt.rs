//! Number text as Python prints floats (`str(float)`, `str(np.float32(x))`), so metadata and
//! dataset names match what MintPy and ISCE2 write. The one implementation for the crate.

/// Python `str`/`repr` of a float64: shortest round-trip digits, `.0` on whole numbers,
/// scientific notation (`1e-05`, `1.5e+16`) below 1e-4 or from 1e16, `nan`, `inf`, `-inf`.
pub fn py_f64(v: f64) -> String {
    py_float(v, format!("{v}"), format!("{v:e}"))
}

/// Python `str` of a numpy float32: shortest digits that round-trip in single precision, with
/// the float64 rules otherwise.
pub fn py_f32(v: f32) -> String {
    // f32 -> f64 is exact, so the value classifies the same; the digits stay single precision.
    py_float(v as f64, format!("{v}"), format!("{v:e}"))
}

/// Python's float text for `v`, given Rust's shortest plain and exponent forms of it.
fn py_float(v: f64, plain: String, exp: String) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        return py_exp(exp);
    }
    // Rust's plain form never uses an exponent, and has no `.0` on whole numbers.
    if plain.contains('.') {
        plain
    } else {
        plain + ".0"
    }
}

// Rust prints `1.5e-5` and `1e16`, Python `1.5e-05` and `1e+16`.
fn py_exp(s: String) -> String {
    match s.split_once('e') {
        Some((m, e)) => {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ("-", d),
                None => ("+", e),
            };
            format!("{m}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float64_matches_python_str() {
        // Python 3: str(x) for each x.
        let table: &[(f64, &str)] = &[
            (5.0, "5.0"),
            (0.25, "0.25"),
            (-12.5, "-12.5"),
            (34.0, "34.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e-05, "1e-05"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (9.9e-5, "9.9e-05"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (9999999999999998.0, "9999999999999998.0"),
            (123456789.0, "123456789.0"),
            (1e22, "1e+22"),
            (1.2345e-300, "1.2345e-300"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (0.05546576, "0.05546576"),
            (6606.5, "6606.5"),
            (2.329562114715323, "2.329562114715323"),
        ];
        for &(v, want) in table {
            assert_eq!(py_f64(v), want, "str({v:?})");
        }
    }

    #[test]
    fn float32_matches_numpy_str() {
        // Python 3 with numpy: str(np.float32(x)).
        let table: &[(f32, &str)] = &[
            (0.1, "0.1"),
            (2.0, "2.0"),
            (1e-05, "1e-05"),
            (3.3333333, "3.3333333"),
            (16777216.0, "16777216.0"),
            (1e16, "1e+16"),
            (-0.0, "-0.0"),
            (f32::NAN, "nan"),
            (f32::NEG_INFINITY, "-inf"),
        ];
        for &(v, want) in table {
            assert_eq!(py_f32(v), want, "str(np.float32({v:?}))");
        }
    }
}
