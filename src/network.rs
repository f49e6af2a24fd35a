//! The interferogram network: dates, pairs, perpendicular baselines, SBAS design matrices and
//! connectivity. Knows nothing about pixels.

use crate::meta::Date;

/// One interferogram: indices into [`Network::dates`], `first < second`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pair {
    /// Index of the earlier (reference) date.
    pub first: usize,
    /// Index of the later (secondary) date.
    pub second: usize,
}

/// A set of interferograms over sorted unique dates, in MintPy's pair order (sorted by
/// `(date1, date2)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Sorted unique acquisition dates (N).
    pub dates: Vec<Date>,
    /// The pairs (M), sorted by (first, second).
    pub pairs: Vec<Pair>,
    /// Perpendicular baseline of each pair in metres (`bperp[date2] - bperp[date1]`).
    pub pair_bperp: Vec<f32>,
}

/// Why a list of pairs is not a usable network.
#[derive(Debug, Clone, thiserror::Error)]
pub enum NetworkError {
    /// No interferograms at all.
    #[error("the stack has no interferograms")]
    Empty,
    /// A pair whose two dates are equal.
    #[error("interferogram {0}_{0} pairs a date with itself")]
    SameDate(Date),
    /// A pair listed twice.
    #[error("interferogram {0}_{1} appears twice")]
    Duplicate(Date, Date),
    /// Length mismatch of inputs.
    #[error("{pairs} pairs but {bperp} perpendicular baselines")]
    BaselineCount {
        /// Pairs given.
        pairs: usize,
        /// Baselines given.
        bperp: usize,
    },
}

impl Network {
    /// Builds a network from `(date1, date2)` pairs and their perpendicular baselines.
    /// Reversed pairs (`date1 > date2`) are reordered and their baseline negated; pairs are
    /// then sorted as MintPy sorts them. Duplicates and self-pairs are errors.
    pub fn new(pairs: &[(Date, Date)], pair_bperp: &[f32]) -> Result<Network, NetworkError> {
        if pairs.is_empty() {
            return Err(NetworkError::Empty);
        }
        if pairs.len() != pair_bperp.len() {
            return Err(NetworkError::BaselineCount {
                pairs: pairs.len(),
                bperp: pair_bperp.len(),
            });
        }
        let mut items: Vec<(Date, Date, f32)> = Vec::with_capacity(pairs.len());
        for (&(a, b), &bp) in pairs.iter().zip(pair_bperp) {
            if a == b {
                return Err(NetworkError::SameDate(a));
            }
            items.push(if a < b { (a, b, bp) } else { (b, a, -bp) });
        }
        items.sort_by_key(|x| (x.0, x.1));
        for w in items.windows(2) {
            if w[0].0 == w[1].0 && w[0].1 == w[1].1 {
                return Err(NetworkError::Duplicate(w[0].0, w[0].1));
            }
        }
        let mut dates: Vec<Date> = items.iter().flat_map(|p| [p.0, p.1]).collect();
        dates.sort();
        dates.dedup();
        let index = |d: Date| dates.binary_search(&d).unwrap_or(0);
        let pairs = items
            .iter()
            .map(|p| Pair {
                first: index(p.0),
                second: index(p.1),
            })
            .collect();
        let pair_bperp = items.iter().map(|p| p.2).collect();
        Ok(Network {
            dates,
            pairs,
            pair_bperp,
        })
    }

    /// Number of dates N.
    pub fn num_dates(&self) -> usize {
        self.dates.len()
    }

    /// Number of interferograms M.
    pub fn num_pairs(&self) -> usize {
        self.pairs.len()
    }

    /// `YYYYMMDD_YYYYMMDD` name of pair `i`.
    pub fn pair_name(&self, i: usize) -> String {
        let p = self.pairs[i];
        format!("{}_{}", self.dates[p.first], self.dates[p.second])
    }

    /// Time of each date since the first date, in years (days / 365.25).
    pub fn tbase_years(&self) -> Vec<f64> {
        let d0 = self.dates[0];
        self.dates
            .iter()
            .map(|d| d0.days_until(*d) as f64 / 365.25)
            .collect()
    }

    /// Length of each interval between consecutive dates, in years (N-1 values).
    pub fn interval_years(&self) -> Vec<f64> {
        let t = self.tbase_years();
        t.windows(2).map(|w| w[1] - w[0]).collect()
    }

    /// MintPy's velocity design matrix B (M x (N-1), row-major): row i holds the interval
    /// lengths (years) spanned by pair i. Solving `B v = phase` gives the phase velocity per
    /// interval; its cumulative sum times the intervals is the time series.
    pub fn design_velocity(&self) -> Vec<f64> {
        let n1 = self.num_dates() - 1;
        let dt = self.interval_years();
        let mut b = vec![0.0; self.num_pairs() * n1];
        for (i, p) in self.pairs.iter().enumerate() {
            b[i * n1 + p.first..i * n1 + p.second].copy_from_slice(&dt[p.first..p.second]);
        }
        b
    }

    /// The dates that have any pair in `valid` (one flag per pair), and the connected parts of
    /// the network formed by those pairs, as lists of date indices sorted by their first date.
    /// A fully connected network has exactly one part holding every date.
    pub fn components(&self, valid: impl Fn(usize) -> bool) -> Vec<Vec<usize>> {
        let n = self.num_dates();
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        for (i, p) in self.pairs.iter().enumerate() {
            if valid(i) {
                let (a, b) = (find(&mut parent, p.first), find(&mut parent, p.second));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
        let mut parts: Vec<Vec<usize>> = Vec::new();
        let mut root_part = vec![usize::MAX; n];
        for d in 0..n {
            let r = find(&mut parent, d);
            if root_part[r] == usize::MAX {
                root_part[r] = parts.len();
                parts.push(Vec::new());
            }
            parts[root_part[r]].push(d);
        }
        parts
    }

    /// Perpendicular baseline per date (metres), relative to the first date, as MintPy's
    /// `get_perp_baseline_timeseries`: least squares of the pair baselines on the date
    /// incidence matrix with the first date fixed at zero (minimum norm if disconnected).
    pub fn date_bperp(&self) -> Vec<f32> {
        let n = self.num_dates();
        // Normal equations of A (first column dropped); tiny (N-1)^2 system, solved once.
        let n1 = n - 1;
        let mut ata = vec![0.0f64; n1 * n1];
        let mut atb = vec![0.0f64; n1];
        for (p, &bp) in self.pairs.iter().zip(&self.pair_bperp) {
            let mut row: Vec<(usize, f64)> = Vec::with_capacity(2);
            if p.first > 0 {
                row.push((p.first - 1, -1.0));
            }
            row.push((p.second - 1, 1.0));
            for &(i, vi) in &row {
                atb[i] += vi * bp as f64;
                for &(j, vj) in &row {
                    ata[i * n1 + j] += vi * vj;
                }
            }
        }
        let x = crate::linalg::solve_spd_or_min_norm(&ata, &atb, n1);
        std::iter::once(0.0)
            .chain(x.iter().map(|v| *v as f32))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn builds_sorted_network_and_design() {
        let pairs = [
            (d("20200113"), d("20200125")),
            (d("20200101"), d("20200113")),
            (d("20200125"), d("20200101")),
        ];
        let net = Network::new(&pairs, &[5.0, 10.0, -15.0]).unwrap();
        assert_eq!(net.num_dates(), 3);
        assert_eq!(net.pair_name(0), "20200101_20200113");
        assert_eq!(net.pair_name(1), "20200101_20200125");
        assert_eq!(net.pair_bperp, vec![10.0, 15.0, 5.0]);
        let b = net.design_velocity();
        let dt = 12.0 / 365.25;
        assert!((b[0] - dt).abs() < 1e-12 && b[1] == 0.0);
        assert!((b[2] - dt).abs() < 1e-12 && (b[3] - dt).abs() < 1e-12);
        let bp = net.date_bperp();
        assert!((bp[1] - 10.0).abs() < 1e-4 && (bp[2] - 15.0).abs() < 1e-4);
    }

    #[test]
    fn finds_disconnected_parts() {
        let pairs = [
            (d("20200101"), d("20200113")),
            (d("20200125"), d("20200206")),
        ];
        let net = Network::new(&pairs, &[0.0, 0.0]).unwrap();
        assert_eq!(net.components(|_| true), vec![vec![0, 1], vec![2, 3]]);
        assert_eq!(net.components(|i| i == 0).len(), 3);
    }

    #[test]
    fn rejects_bad_networks() {
        assert!(matches!(Network::new(&[], &[]), Err(NetworkError::Empty)));
        let p = (d("20200101"), d("20200113"));
        assert!(Network::new(&[p, p], &[0.0, 0.0]).is_err());
        assert!(Network::new(&[(p.0, p.0)], &[0.0]).is_err());
    }
}
