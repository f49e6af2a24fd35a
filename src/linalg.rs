//! Small dense linear algebra shared by the solvers: symmetric positive (semi-)definite systems
//! from normal equations (dense or banded Cholesky), with a minimum-norm fallback for
//! rank-deficient ones, and an SVD pseudo-inverse with gelsd's relative cutoff.

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

/// The non-zero pattern of a symmetric `n x n` matrix, row by row: what
/// [`cholesky_profile_in_place`] and [`cholesky_profile_solve`] visit. A Cholesky factor fills
/// in only to the right of each row's first non-zero (its profile, or envelope), so a banded
/// matrix costs `n x band^2` instead of `n^3 / 6`.
#[derive(Debug, Clone)]
pub struct Profile {
    /// First non-zero column of each row, at most the diagonal.
    pub first: Vec<usize>,
    /// Last non-zero column of each row, at least the diagonal.
    pub last: Vec<usize>,
    /// Per column `j`, the last row whose profile reaches `j` (`first[row] <= j`).
    reach: Vec<usize>,
}

impl Profile {
    /// The pattern of the symmetric row-major `a`.
    pub fn of(a: &[f64], n: usize) -> Profile {
        let first: Vec<usize> = (0..n)
            .map(|i| (0..i).find(|&j| a[i * n + j] != 0.0).unwrap_or(i))
            .collect();
        let last: Vec<usize> = (0..n)
            .map(|i| (i + 1..n).rev().find(|&j| a[i * n + j] != 0.0).unwrap_or(i))
            .collect();
        let mut reach: Vec<usize> = (0..n).collect();
        for (i, &f) in first.iter().enumerate() {
            for r in &mut reach[f..i] {
                *r = (*r).max(i);
            }
        }
        Profile { first, last, reach }
    }

    /// `y = A x` over the pattern only (each sum in column order, as the dense product).
    pub fn mul(&self, a: &[f64], n: usize, x: &[f64], y: &mut [f64]) {
        for (i, yi) in y.iter_mut().enumerate().take(n) {
            let (f, l) = (self.first[i], self.last[i]);
            *yi = a[i * n + f..=i * n + l]
                .iter()
                .zip(&x[f..=l])
                .map(|(p, v)| p * v)
                .sum();
        }
    }
}

/// [`cholesky_in_place`] restricted to the profile `prof` of `a` (entries outside it are
/// neither read nor written). Bit for bit the dense factorisation: outside the profile the
/// dense factor is exactly zero, so the terms skipped there are products with a zero, which
/// leave every sum unchanged (a sum starts at the matrix entry, +0 or non-zero, and
/// subtracting a zero keeps it).
pub fn cholesky_profile_in_place(a: &mut [f64], n: usize, prof: &Profile) -> bool {
    let f = &prof.first;
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in f[j]..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 1e-12 * a[j * n + j].abs().max(f64::MIN_POSITIVE) || !d.is_finite() {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..=prof.reach[j] {
            if f[i] > j {
                continue;
            }
            let mut s = a[i * n + j];
            for k in f[i].max(f[j])..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    true
}

/// [`cholesky_solve`] with a factor from [`cholesky_profile_in_place`] (the same profile).
pub fn cholesky_profile_solve(l: &[f64], n: usize, prof: &Profile, x: &mut [f64]) {
    let f = &prof.first;
    for i in 0..n {
        let mut s = x[i];
        for k in f[i]..i {
            s -= l[i * n + k] * x[k];
        }
        x[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = x[i];
        for k in i + 1..=prof.reach[i] {
            if f[k] <= i {
                s -= l[k * n + i] * x[k];
            }
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

/// Banded Cholesky factorisation `A = L L^T` in place, for a symmetric matrix whose entries
/// vanish more than `bw` places off the diagonal. Only the lower band of the row-major `n x n`
/// storage is read and written; entries outside it are ignored. The diagonal receives the
/// *reciprocals* of L's diagonal, so that [`banded_cholesky_solve`] multiplies instead of
/// dividing. Returns false when a pivot falls to or below `rel_tol` times its diagonal entry
/// (numerically singular, or not definite).
pub fn banded_cholesky_in_place(a: &mut [f64], n: usize, bw: usize, rel_tol: f64) -> bool {
    for j in 0..n {
        let row_j = j * n;
        let k0 = j.saturating_sub(bw);
        let diag = a[row_j + j];
        let mut d = diag;
        for k in k0..j {
            d -= a[row_j + k] * a[row_j + k];
        }
        if !d.is_finite() || d <= rel_tol * diag.abs() {
            return false;
        }
        let inv = 1.0 / d.sqrt();
        a[row_j + j] = inv;
        for i in j + 1..n.min(j + bw + 1) {
            let row_i = i * n;
            let mut s = a[row_i + j];
            for k in i.saturating_sub(bw)..j {
                s -= a[row_i + k] * a[row_j + k];
            }
            a[row_i + j] = s * inv;
        }
    }
    true
}

/// Solves `L L^T x = b` in place with the factor from [`banded_cholesky_in_place`] (whose
/// diagonal holds reciprocals).
pub fn banded_cholesky_solve(l: &[f64], n: usize, bw: usize, x: &mut [f64]) {
    for i in 0..n {
        let row_i = i * n;
        let mut s = x[i];
        for k in i.saturating_sub(bw)..i {
            s -= l[row_i + k] * x[k];
        }
        x[i] = s * l[row_i + i];
    }
    for i in (0..n).rev() {
        let mut s = x[i];
        for k in i + 1..n.min(i + bw + 1) {
            s -= l[k * n + i] * x[k];
        }
        x[i] = s * l[i * n + i];
    }
}

/// Moore-Penrose pseudo-inverse of the row-major `rows x cols` matrix `a`, as a row-major
/// `cols x rows` matrix. Singular values at or below `rcond` times the largest are treated as
/// zero, as LAPACK's `gelsd` does with its `cond` argument, so `pinv * b` is the minimum-norm
/// least-squares solution of `a x = b`.
pub fn pseudo_inverse(a: &[f64], rows: usize, cols: usize, rcond: f64) -> Vec<f64> {
    let mut pinv = vec![0.0; cols * rows];
    if rows == 0 || cols == 0 {
        return pinv;
    }
    let m = faer::MatRef::from_row_major_slice(a, rows, cols);
    match m.thin_svd() {
        Ok(svd) => {
            let (u, s, v) = (svd.U(), svd.S().column_vector(), svd.V());
            let smax = (0..s.nrows()).map(|k| s[k].abs()).fold(0.0f64, f64::max);
            for k in 0..s.nrows() {
                if s[k].is_nan() || s[k] <= rcond * smax {
                    continue;
                }
                let inv = 1.0 / s[k];
                for i in 0..cols {
                    let vik = v[(i, k)] * inv;
                    let row = &mut pinv[i * rows..(i + 1) * rows];
                    for (j, p) in row.iter_mut().enumerate() {
                        *p += vik * u[(j, k)];
                    }
                }
            }
        }
        Err(_) => {
            // The SVD did not converge (only conceivable for non-finite input): fall back to the
            // normal equations, whose eigenvalues are the squared singular values.
            let mut ata = vec![0.0; cols * cols];
            for r in 0..rows {
                let row = &a[r * cols..(r + 1) * cols];
                for i in 0..cols {
                    for j in 0..cols {
                        ata[i * cols + j] += row[i] * row[j];
                    }
                }
            }
            let mut col = vec![0.0; cols];
            for r in 0..rows {
                col.copy_from_slice(&a[r * cols..(r + 1) * cols]);
                let x = min_norm_symmetric(&ata, &col, cols, rcond * rcond);
                for i in 0..cols {
                    pinv[i * rows + r] = x[i];
                }
            }
        }
    }
    pinv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_cholesky_is_the_dense_one_bit_for_bit() {
        let mut rng = crate::rng::Rng::seeded(11);
        for (n, band) in [(1, 0), (7, 2), (40, 5), (60, 9)] {
            // A banded SPD matrix with holes in its band and a row that reaches further
            // back than the next one (a profile that is not monotone).
            let mut a = vec![0.0; n * n];
            for i in 0..n {
                for j in i.saturating_sub(band)..i {
                    if rng.uniform() < 0.7 {
                        let v = rng.normal();
                        a[i * n + j] = v;
                        a[j * n + i] = v;
                    }
                }
            }
            if n > 10 {
                a[9 * n + 1] = 0.5;
                a[n + 9] = 0.5;
            }
            for i in 0..n {
                let row: f64 = (0..n).map(|j| a[i * n + j].abs()).sum();
                a[i * n + i] = row + 1.0 + rng.uniform();
            }
            let prof = Profile::of(&a, n);
            let (mut dense, mut sky) = (a.clone(), a.clone());
            assert!(cholesky_in_place(&mut dense, n));
            assert!(cholesky_profile_in_place(&mut sky, n, &prof));
            for i in 0..n {
                for j in prof.first[i]..=i {
                    assert_eq!(
                        dense[i * n + j].to_bits(),
                        sky[i * n + j].to_bits(),
                        "{n}: {i},{j}"
                    );
                }
                for j in 0..prof.first[i] {
                    assert_eq!(dense[i * n + j], 0.0, "dense factor outside the profile");
                }
            }
            let b: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            let (mut xd, mut xs) = (b.clone(), b.clone());
            cholesky_solve(&dense, n, &mut xd);
            cholesky_profile_solve(&sky, n, &prof, &mut xs);
            assert_eq!(
                xd.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                xs.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            );
            let (mut yd, mut ys) = (vec![0.0; n], vec![0.0; n]);
            for i in 0..n {
                yd[i] = (0..n).map(|j| a[i * n + j] * b[j]).sum();
            }
            prof.mul(&a, n, &b, &mut ys);
            assert_eq!(
                yd.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                ys.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            );
        }
    }

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

    /// A symmetric positive definite matrix with bandwidth `bw` and its dense solve.
    fn banded_spd(n: usize, bw: usize) -> Vec<f64> {
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                if i.abs_diff(j) <= bw {
                    a[i * n + j] = if i == j {
                        4.0 + i as f64
                    } else {
                        1.0 / (1.0 + (i + j) as f64)
                    };
                }
            }
        }
        a
    }

    #[test]
    fn banded_cholesky_matches_dense() {
        let (n, bw) = (9, 2);
        let a = banded_spd(n, bw);
        let b: Vec<f64> = (0..n).map(|i| (i as f64).sin() + 0.5).collect();
        let dense = solve_spd_or_min_norm(&a, &b, n);
        let mut l = a.clone();
        assert!(banded_cholesky_in_place(&mut l, n, bw, 1e-12));
        let mut x = b.clone();
        banded_cholesky_solve(&l, n, bw, &mut x);
        for i in 0..n {
            assert!(
                (x[i] - dense[i]).abs() < 1e-12,
                "{i}: {} vs {}",
                x[i],
                dense[i]
            );
        }
        // A singular matrix is refused.
        let mut s = vec![1.0, 1.0, 1.0, 1.0];
        assert!(!banded_cholesky_in_place(&mut s, 2, 1, 1e-10));
    }

    #[test]
    fn pseudo_inverse_gives_min_norm_solution() {
        // Rank 1: rows (1, 1) and (2, 2); b = (1, 2) -> min-norm x = (0.5, 0.5).
        let p = pseudo_inverse(&[1.0, 1.0, 2.0, 2.0], 2, 2, 1e-5);
        let x0 = p[0] * 1.0 + p[1] * 2.0;
        let x1 = p[2] * 1.0 + p[3] * 2.0;
        assert!((x0 - 0.5).abs() < 1e-12 && (x1 - 0.5).abs() < 1e-12);
        // Full column rank, tall: pinv * a = identity.
        let a = [1.0, 0.0, 1.0, 1.0, 0.0, 2.0];
        let p = pseudo_inverse(&a, 3, 2, 1e-5);
        for i in 0..2 {
            for j in 0..2 {
                let v: f64 = (0..3).map(|k| p[i * 3 + k] * a[k * 2 + j]).sum();
                assert!((v - f64::from(i == j)).abs() < 1e-12);
            }
        }
    }
}
