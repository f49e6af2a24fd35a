//! Number formatting as Python's `str()` prints floats, so harvested metadata text matches
//! what MintPy writes (`str(np.float32(x))`, `str(float)`).

/// Python `repr` of a float64: shortest round-trip digits, `.0` on whole numbers, scientific
/// notation below 1e-4 or from 1e16.
pub fn py_f64(v: f64) -> String {
    py_float(v, format!("{v}"), format!("{v:e}"))
}

/// Python `str` of a numpy float32: shortest digits that round-trip in single precision.
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
    if plain.contains('.') {
        plain
    } else {
        plain + ".0"
    }
}

// Rust prints `1.5e-5`, Python `1.5e-05`.
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
    fn matches_python() {
        assert_eq!(py_f64(34.0), "34.0");
        assert_eq!(py_f64(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(py_f64(1.5e-5), "1.5e-05");
        assert_eq!(py_f64(f64::NAN), "nan");
        assert_eq!(py_f32(0.1), "0.1");
        assert_eq!(py_f32(2.0), "2.0");
    }
}
