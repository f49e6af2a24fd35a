//! Small dense linear algebra shared by the solvers: symmetric positive (semi-)definite systems
//! from normal equations, with a minimum-norm fallback for rank-deficient ones.

/// Solves `A x = b` for a symmetric positive semi-definite `n x n` matrix `A` (row-major).
/// Uses Cholesky when `A` is positive definite; otherwise returns the minimum-norm least-squares
/// solution from a symmetric eigen-decomposition, treating eigenvalues below
/// `1e-10 * max eigenvalue` as zero.
pub fn solve_spd_or_min_norm(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut l = a.to_vec();
    let mut x = b.to_vec();
    if cholesky_in_place(&mut l, n) {
        cholesky_solve(&l, n, &mut x);
        return x;
    }
    min_norm_symmetric(a, b, n, 1e-10)
}

/// Cholesky factorisation `A = L L^T` in place (lower triangle holds L). Returns false if `A`
/// is not numerically positive definite.
pub fn cholesky_in_place(a: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 1e-12 * a[j * n + j].abs().max(f64::MIN_POSITIVE) || !d.is_finite() {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    true
}

/// Solves `L L^T x = b` in place given the factor from [`cholesky_in_place`].
pub fn cholesky_solve(l: &[f64], n: usize, x: &mut [f64]) {
    for i in 0..n {
        let mut s = x[i];
        for k in 0..i {
            s -= l[i * n + k] * x[k];
        }
        x[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = x[i];
        for k in i + 1..n {
            s -= l[k * n + i] * x[k];
        }
        x[i] = s / l[i * n + i];
    }
}

/// Minimum-norm solution of `A x = b` for symmetric PSD `A` via cyclic Jacobi eigen-decomposition;
/// eigenvalues below `rel_tol * max` are dropped.
pub fn min_norm_symmetric(a: &[f64], b: &[f64], n: usize, rel_tol: f64) -> Vec<f64> {
    let (w, v) = symmetric_eigen(a, n);
    let wmax = w.iter().cloned().fold(0.0f64, f64::max);
    let mut x = vec![0.0; n];
    for k in 0..n {
        if w[k] <= rel_tol * wmax || w[k] <= 0.0 {
            continue;
        }
        let mut c = 0.0;
        for i in 0..n {
            c += v[i * n + k] * b[i];
        }
        c /= w[k];
        for i in 0..n {
            x[i] += c * v[i * n + k];
        }
    }
    x
}

/// Eigenvalues and eigenvectors (columns of the row-major `V`) of a symmetric matrix.
pub fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut m = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _sweep in 0..100 {
        let mut off = 0.0;
        for i in 0..n {
            for j in i + 1..n {
                off += m[i * n + j] * m[i * n + j];
            }
        }
        let scale: f64 = (0..n).map(|i| m[i * n + i] * m[i * n + i]).sum::<f64>();
        if off <= 1e-30 * scale.max(f64::MIN_POSITIVE) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let mkp = m[k * n + p];
                    let mkq = m[k * n + q];
                    m[k * n + p] = c * mkp - s * mkq;
                    m[k * n + q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let mpk = m[p * n + k];
                    let mqk = m[q * n + k];
                    m[p * n + k] = c * mpk - s * mqk;
                    m[q * n + k] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| m[i * n + i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_definite_and_singular_systems() {
        let a = [4.0, 1.0, 1.0, 3.0];
        let x = solve_spd_or_min_norm(&a, &[1.0, 2.0], 2);
        assert!((4.0 * x[0] + x[1] - 1.0).abs() < 1e-12);
        assert!((x[0] + 3.0 * x[1] - 2.0).abs() < 1e-12);
        // Singular: [[1,1],[1,1]] x = [2,2] -> minimum norm x = [1,1].
        let x = solve_spd_or_min_norm(&[1.0, 1.0, 1.0, 1.0], &[2.0, 2.0], 2);
        assert!((x[0] - 1.0).abs() < 1e-9 && (x[1] - 1.0).abs() < 1e-9);
    }
}
