//! Network editing before the inversion, with MintPy `modify_network`'s rules: exclude dates,
//! pairs or pair indices, keep a date range, cap the temporal / perpendicular baseline or the
//! number of sequential connections, and drop pairs of low average coherence unless they belong
//! to the minimum spanning tree of the remaining network. [`EditedStack`] presents the kept pairs
//! of a stack to the inversion as if they were the whole stack.

use anyhow::{bail, Context};

use crate::meta::Date;
use crate::network::Network;
use crate::source::{GeomLayer, StackInfo, StackLayer, StackSource};
use crate::window::Window;

/// Which interferograms to drop before the inversion (MintPy `mintpy.network.*`). The default
/// keeps every pair.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkEdit {
    /// Drop every pair that includes one of these dates (`excludeDate`).
    pub exclude_dates: Vec<Date>,
    /// Drop these pairs (`excludeDate12`); pairs the stack lacks are ignored, as MintPy does.
    pub exclude_pairs: Vec<(Date, Date)>,
    /// Drop pairs by 0-based index in the stack's sorted pair list (`excludeIfgIndex`); indices
    /// past the end are ignored, as MintPy does.
    pub exclude_indices: Vec<usize>,
    /// Drop pairs with a date before this one (`startDate`).
    pub start_date: Option<Date>,
    /// Drop pairs with a date after this one (`endDate`).
    pub end_date: Option<Date>,
    /// Drop pairs whose temporal baseline exceeds this many days (`tempBaseMax`).
    pub max_temp_baseline_days: Option<f64>,
    /// Drop pairs whose |perpendicular baseline| exceeds this many metres (`perpBaseMax`).
    pub max_perp_baseline_m: Option<f64>,
    /// Keep only pairs between each date and its `n` nearest earlier dates (`connNumMax`).
    pub max_connections: Option<usize>,
    /// Drop pairs whose spatial average coherence is below this (`coherenceBased` with
    /// `minCoherence`).
    pub min_coherence: Option<f32>,
    /// With `min_coherence`: keep the pairs of the minimum spanning tree (weights 1/coherence)
    /// of the network left by the other rules (`keepMinSpanTree`).
    pub keep_min_span_tree: bool,
    /// With `min_coherence`: average over this window only (`aoiYX`); the whole image if `None`.
    pub aoi: Option<Window>,
    /// With `min_coherence`: leave water out of the average where the stack has a water mask
    /// (MintPy's `maskFile = waterMask.h5`, the default).
    pub water_mask: bool,
}

impl Default for NetworkEdit {
    fn default() -> Self {
        NetworkEdit {
            exclude_dates: Vec::new(),
            exclude_pairs: Vec::new(),
            exclude_indices: Vec::new(),
            start_date: None,
            end_date: None,
            max_temp_baseline_days: None,
            max_perp_baseline_m: None,
            max_connections: None,
            min_coherence: None,
            keep_min_span_tree: true,
            aoi: None,
            water_mask: true,
        }
    }
}

impl NetworkEdit {
    /// Whether this edit keeps every pair whatever the stack.
    pub fn is_noop(&self) -> bool {
        self.exclude_dates.is_empty()
            && self.exclude_pairs.is_empty()
            && self.exclude_indices.is_empty()
            && self.start_date.is_none()
            && self.end_date.is_none()
            && self.max_temp_baseline_days.is_none()
            && self.max_perp_baseline_m.is_none()
            && self.max_connections.is_none()
            && self.min_coherence.is_none()
    }

    /// The rules as `name -> value` text, for run manifests and messages (empty if no-op).
    pub fn describe(&self) -> Vec<(String, String)> {
        let mut v = Vec::new();
        let join = |items: Vec<String>| items.join(",");
        if !self.exclude_dates.is_empty() {
            v.push((
                "exclude-date".into(),
                join(self.exclude_dates.iter().map(|d| d.to_string()).collect()),
            ));
        }
        if !self.exclude_pairs.is_empty() {
            v.push((
                "exclude-pair".into(),
                join(
                    self.exclude_pairs
                        .iter()
                        .map(|(a, b)| format!("{a}_{b}"))
                        .collect(),
                ),
            ));
        }
        if !self.exclude_indices.is_empty() {
            v.push((
                "exclude-ifg-index".into(),
                join(self.exclude_indices.iter().map(|i| i.to_string()).collect()),
            ));
        }
        if let Some(d) = self.start_date {
            v.push(("start-date".into(), d.to_string()));
        }
        if let Some(d) = self.end_date {
            v.push(("end-date".into(), d.to_string()));
        }
        if let Some(t) = self.max_temp_baseline_days {
            v.push(("max-temp-baseline-days".into(), t.to_string()));
        }
        if let Some(p) = self.max_perp_baseline_m {
            v.push(("max-perp-baseline-m".into(), p.to_string()));
        }
        if let Some(n) = self.max_connections {
            v.push(("max-connections".into(), n.to_string()));
        }
        if let Some(c) = self.min_coherence {
            v.push(("min-coherence".into(), c.to_string()));
            v.push((
                "keep-min-span-tree".into(),
                self.keep_min_span_tree.to_string(),
            ));
            if !self.water_mask {
                v.push(("coherence-water-mask".into(), "no".into()));
            }
            if let Some(w) = self.aoi {
                v.push((
                    "coherence-aoi".into(),
                    format!("{}:{},{}:{}", w.y0, w.y1, w.x0, w.x1),
                ));
            }
        }
        v
    }
}

/// Indices (sorted) of the pairs of `net` that `edit` drops. `mean_coherence` holds each pair's
/// spatial average coherence (needed only when `edit.min_coherence` is set). Pure: MintPy's
/// `get_date12_to_drop` without I/O.
pub fn pairs_to_drop(
    net: &Network,
    edit: &NetworkEdit,
    mean_coherence: Option<&[f32]>,
) -> anyhow::Result<Vec<usize>> {
    let m = net.num_pairs();
    let mut drop = vec![false; m];
    let dates = |i: usize| {
        (
            net.dates[net.pairs[i].first],
            net.dates[net.pairs[i].second],
        )
    };
    for (i, flag) in drop.iter_mut().enumerate() {
        let (d1, d2) = dates(i);
        let days = d1.days_until(d2) as f64;
        let dropped = edit.max_temp_baseline_days.is_some_and(|t| days.abs() > t)
            || edit
                .max_perp_baseline_m
                .is_some_and(|p| (net.pair_bperp[i] as f64).abs() > p)
            || edit.exclude_indices.contains(&i)
            || edit.exclude_pairs.contains(&(d1, d2))
            || edit.exclude_dates.contains(&d1)
            || edit.exclude_dates.contains(&d2)
            || edit.start_date.is_some_and(|s| d1 < s)
            || edit.end_date.is_some_and(|e| d2 > e)
            // Sequential network: date j pairs with its n nearest earlier dates.
            || edit
                .max_connections
                .is_some_and(|n| net.pairs[i].second - net.pairs[i].first > n);
        *flag = dropped;
    }
    if let Some(min_coh) = edit.min_coherence {
        let coh = mean_coherence
            .context("the coherence-based network edit needs each pair's average coherence")?;
        if coh.len() != m {
            bail!(
                "{} average coherences given for {m} interferograms",
                coh.len()
            );
        }
        let in_tree = if edit.keep_min_span_tree {
            let kept: Vec<usize> = (0..m).filter(|&i| !drop[i]).collect();
            minimum_spanning_tree(net, &kept, coh)
        } else {
            Vec::new()
        };
        for i in 0..m {
            // NaN (no valid pixel) is below any threshold, as NumPy's comparison says.
            let low = coh[i].is_nan() || coh[i] < min_coh;
            if low && !in_tree.contains(&i) {
                drop[i] = true;
            }
        }
    }
    let dropped: Vec<usize> = (0..m).filter(|&i| drop[i]).collect();
    if dropped.len() == m {
        bail!("the network edit drops every interferogram; relax the network settings");
    }
    Ok(dropped)
}

/// Pairs (indices into `net`) of a minimum spanning tree (forest, if split) of the pairs
/// `candidates`, with weight 1/coherence (coherence 0 or NaN weighs infinitely), as MintPy's
/// `threshold_coherence_based_mst` (Kruskal; ties broken by pair order).
pub fn minimum_spanning_tree(net: &Network, candidates: &[usize], coherence: &[f32]) -> Vec<usize> {
    let weight = |i: usize| {
        let c = coherence[i] as f64;
        if c.is_nan() || c == 0.0 {
            f64::INFINITY
        } else {
            1.0 / c
        }
    };
    let mut order: Vec<usize> = candidates.to_vec();
    order.sort_by(|&a, &b| weight(a).total_cmp(&weight(b)).then(a.cmp(&b)));
    let mut parent: Vec<usize> = (0..net.num_dates()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut tree = Vec::new();
    for i in order {
        let p = net.pairs[i];
        let (a, b) = (find(&mut parent, p.first), find(&mut parent, p.second));
        if a != b {
            parent[a.max(b)] = a.min(b);
            tree.push(i);
        }
    }
    tree.sort_unstable();
    tree
}

/// Rounds an average coherence to 4 decimals: MintPy writes the averages to
/// `coherenceSpatialAvg.txt` with `%.4f` and compares the values read back.
fn round4(v: f64) -> f32 {
    ((v * 1e4).round() / 1e4) as f32
}

/// Spatial average coherence of every pair of `source` over `aoi` (whole image if `None`),
/// as MintPy's `ifgramStack.spatial_average`: zero coherence is no data, and where the stack has
/// a water mask, water pixels (mask 0, or latitude/longitude 0) are left out. Streams by row
/// strips of at most `strip_rows` rows.
pub fn mean_coherence(
    source: &dyn StackSource,
    aoi: Option<Window>,
    use_water_mask: bool,
    strip_rows: usize,
) -> anyhow::Result<Vec<f32>> {
    let info = source.info();
    if !info.has_layer(StackLayer::Coherence) {
        bail!("the coherence-based network edit needs coherence files, and the stack has none");
    }
    let area = aoi.unwrap_or(Window::full(info.length, info.width));
    if area.y0 >= area.y1 || area.x0 >= area.x1 || area.y1 > info.length || area.x1 > info.width {
        bail!(
            "coherence area rows {}..{} cols {}..{} is empty or outside the {} x {} image",
            area.y0,
            area.y1,
            area.x0,
            area.x1,
            info.length,
            info.width
        );
    }
    let m = info.network.num_pairs();
    let mut sum = vec![0.0f64; m];
    let mut count = vec![0u64; m];
    let rows = strip_rows.max(1);
    let mut buf = Vec::new();
    let mut water = Vec::new();
    let mut lat = Vec::new();
    let mut y = area.y0;
    while y < area.y1 {
        let win = Window {
            y0: y,
            y1: (y + rows).min(area.y1),
            x0: area.x0,
            x1: area.x1,
        };
        let px = win.pixels();
        buf.resize(m * px, 0.0);
        source.read_stack(StackLayer::Coherence, &win, &mut buf)?;
        let land = if use_water_mask {
            water_mask(info, source, &win, &mut water, &mut lat)?
        } else {
            None
        };
        for (i, plane) in buf.chunks_exact(px).enumerate() {
            for (k, &c) in plane.iter().enumerate() {
                if c == 0.0 || c.is_nan() || land.is_some_and(|l| !l[k]) {
                    continue;
                }
                sum[i] += c as f64;
                count[i] += 1;
            }
        }
        y = win.y1;
    }
    Ok(sum
        .iter()
        .zip(&count)
        .map(|(&s, &n)| {
            if n == 0 {
                f32::NAN
            } else {
                round4(s / n as f64)
            }
        })
        .collect())
}

/// Land flags of `win` from the stack's water mask (MintPy's `waterMask.h5`: the geometry's
/// waterMask with 0 where latitude or longitude is 0), or `None` when the stack has no mask.
pub(crate) fn water_mask<'a>(
    info: &StackInfo,
    source: &dyn StackSource,
    win: &Window,
    water: &'a mut Vec<bool>,
    scratch: &mut Vec<f32>,
) -> anyhow::Result<Option<&'a [bool]>> {
    if !info.has_geometry(GeomLayer::WaterMask) {
        return Ok(None);
    }
    let px = win.pixels();
    scratch.resize(px, 0.0);
    source.read_geometry(GeomLayer::WaterMask, win, scratch)?;
    water.clear();
    water.extend(scratch.iter().map(|&v| v != 0.0));
    for layer in [GeomLayer::Latitude, GeomLayer::Longitude] {
        if info.has_geometry(layer) {
            source.read_geometry(layer, win, scratch)?;
            for (w, &v) in water.iter_mut().zip(scratch.iter()) {
                *w &= v != 0.0;
            }
        }
    }
    Ok(Some(water))
}

/// Works out which pairs of `source` the edit drops (reading the coherence when the edit is
/// coherence-based, in strips under `max_memory` bytes) and tells the user, as MintPy's
/// modify_network does. Returns sorted pair indices.
pub fn resolve(
    source: &dyn StackSource,
    edit: &NetworkEdit,
    max_memory: u64,
    report: &crate::report::Reporter,
) -> anyhow::Result<Vec<usize>> {
    let info = source.info();
    let net = &info.network;
    let coherence = match edit.min_coherence {
        Some(_) => {
            let row_bytes = (net.num_pairs() * info.width * 4 * 2).max(1) as u64;
            let rows = (max_memory / row_bytes).max(1) as usize;
            Some(mean_coherence(source, edit.aoi, edit.water_mask, rows)?)
        }
        None => None,
    };
    let dropped = pairs_to_drop(net, edit, coherence.as_deref())?;
    let kept_dates = {
        let mut seen = vec![false; net.num_dates()];
        for (i, p) in net.pairs.iter().enumerate() {
            if dropped.binary_search(&i).is_err() {
                seen[p.first] = true;
                seen[p.second] = true;
            }
        }
        seen
    };
    let say = |line: String| report.info(line);
    say(format!(
        "network edit: dropping {} of {} interferograms{}",
        dropped.len(),
        net.num_pairs(),
        if dropped.is_empty() {
            String::new()
        } else {
            format!(
                ": {}",
                dropped
                    .iter()
                    .map(|&i| net.pair_name(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ));
    let lost: Vec<String> = (0..net.num_dates())
        .filter(|&d| !kept_dates[d])
        .map(|d| net.dates[d].to_string())
        .collect();
    if !lost.is_empty() {
        say(format!(
            "network edit: {} acquisition(s) left without interferograms are removed: {}",
            lost.len(),
            lost.join(", ")
        ));
    }
    Ok(dropped)
}

/// A stack seen through a network edit: only the kept pairs, in the same order.
pub struct EditedStack<'a> {
    inner: &'a dyn StackSource,
    keep: Vec<usize>,
    info: StackInfo,
}

impl<'a> EditedStack<'a> {
    /// Keeps the pairs of `inner` not listed in `dropped` (sorted indices).
    pub fn new(inner: &'a dyn StackSource, dropped: &[usize]) -> anyhow::Result<EditedStack<'a>> {
        let all = &inner.info().network;
        let keep: Vec<usize> = (0..all.num_pairs())
            .filter(|i| dropped.binary_search(i).is_err())
            .collect();
        let pairs: Vec<(Date, Date)> = keep
            .iter()
            .map(|&i| {
                (
                    all.dates[all.pairs[i].first],
                    all.dates[all.pairs[i].second],
                )
            })
            .collect();
        let bperp: Vec<f32> = keep.iter().map(|&i| all.pair_bperp[i]).collect();
        let network = Network::new(&pairs, &bperp).context("the edited network")?;
        let mut info = inner.info().clone();
        info.network = network;
        Ok(EditedStack { inner, keep, info })
    }

    /// Indices in the full stack of the kept pairs.
    pub fn kept(&self) -> &[usize] {
        &self.keep
    }
}

impl StackSource for EditedStack<'_> {
    fn map_lookup(&self) -> Option<&crate::geo::map_lookup::MapLookup> {
        self.inner.map_lookup()
    }

    fn info(&self) -> &StackInfo {
        &self.info
    }

    fn read_stack(
        &self,
        layer: StackLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        // Checked before `window.pixels()`, which a reversed window would underflow.
        let what = "edited stack read";
        crate::source::check_read(&self.info, what, window, self.keep.len(), out.len())?;
        let px = window.pixels();
        let all = self.inner.info().network.num_pairs();
        // The readers hand out every pair at once; the dropped ones are read and discarded.
        let mut full = vec![0.0f32; all * px];
        self.inner.read_stack(layer, window, &mut full)?;
        for (k, &i) in self.keep.iter().enumerate() {
            out[k * px..(k + 1) * px].copy_from_slice(&full[i * px..(i + 1) * px]);
        }
        Ok(())
    }

    fn read_pairs(
        &self,
        layer: StackLayer,
        pairs: std::ops::Range<usize>,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        crate::source::check_pairs(&self.info, "edited stack read", &pairs, window, out.len())?;
        let px = window.pixels();
        // The kept pairs asked are runs of consecutive pairs of the inner stack: one inner
        // read per run, so a dropped pair is never read.
        let kept = &self.keep[pairs];
        let mut k = 0;
        while k < kept.len() {
            let mut end = k + 1;
            while end < kept.len() && kept[end] == kept[end - 1] + 1 {
                end += 1;
            }
            let inner = kept[k]..kept[end - 1] + 1;
            self.inner
                .read_pairs(layer, inner, window, &mut out[k * px..end * px])?;
            k = end;
        }
        Ok(())
    }

    fn read_geometry(
        &self,
        layer: GeomLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        self.inner.read_geometry(layer, window, out)
    }
}

/// Parses `D1_D2` (or `D1-D2`, 6- or 8-digit dates) into an ordered pair.
pub fn parse_date12(text: &str) -> anyhow::Result<(Date, Date)> {
    let t = text.trim();
    let (a, b) = t
        .split_once(['_', '-'])
        .with_context(|| format!("pair '{t}': expected YYYYMMDD_YYYYMMDD"))?;
    let (a, b) = (
        Date::parse(a).with_context(|| format!("pair '{t}'"))?,
        Date::parse(b).with_context(|| format!("pair '{t}'"))?,
    );
    if a == b {
        bail!("pair '{t}' pairs a date with itself");
    }
    Ok(if a < b { (a, b) } else { (b, a) })
}

/// Parses MintPy's index list: comma-separated indices and inclusive ranges `A:B`
/// (`2,5:7` gives 2, 5, 6, 7), sorted and unique.
pub fn parse_index_list(text: &str) -> anyhow::Result<Vec<usize>> {
    let mut out = Vec::new();
    for item in text
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let mut ends: Vec<usize> = item
            .split(':')
            .map(|s| {
                s.trim()
                    .parse::<usize>()
                    .with_context(|| format!("index '{item}': not a non-negative integer"))
            })
            .collect::<anyhow::Result<_>>()?;
        ends.sort_unstable();
        match ends.as_slice() {
            [a] => out.push(*a),
            [a, b] => out.extend(*a..=*b),
            _ => bail!("index '{item}': expected N or A:B"),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    /// 5 dates 12 days apart, each paired with its 3 nearest later dates (9 pairs).
    fn net() -> Network {
        let dates: Vec<Date> = (0..5).map(|k| d("20200101").add_days(12 * k)).collect();
        let mut pairs = Vec::new();
        let mut bp = Vec::new();
        for i in 0..5 {
            for j in i + 1..(i + 4).min(5) {
                pairs.push((dates[i], dates[j]));
                bp.push(10.0 * (j as f32) - 7.0 * (i as f32));
            }
        }
        Network::new(&pairs, &bp).unwrap()
    }

    fn names(n: &Network, idx: &[usize]) -> Vec<String> {
        idx.iter().map(|&i| n.pair_name(i)).collect()
    }

    #[test]
    fn baseline_date_and_index_rules() {
        let n = net();
        assert_eq!(n.num_pairs(), 9);
        let e = NetworkEdit {
            max_temp_baseline_days: Some(24.0),
            ..Default::default()
        };
        let drop = pairs_to_drop(&n, &e, None).unwrap();
        assert_eq!(names(&n, &drop), ["20200101_20200206", "20200113_20200218"]);
        let e = NetworkEdit {
            max_connections: Some(1),
            ..Default::default()
        };
        assert_eq!(pairs_to_drop(&n, &e, None).unwrap().len(), 5);
        let e = NetworkEdit {
            exclude_dates: vec![d("20200125")],
            ..Default::default()
        };
        let drop = pairs_to_drop(&n, &e, None).unwrap();
        assert_eq!(drop.len(), 4);
        assert!(names(&n, &drop).iter().all(|s| s.contains("20200125")));
        let e = NetworkEdit {
            start_date: Some(d("20200110")),
            end_date: Some(d("20200210")),
            exclude_pairs: vec![(d("20200113"), d("20200125"))],
            exclude_indices: vec![8, 100],
            ..Default::default()
        };
        let drop = pairs_to_drop(&n, &e, None).unwrap();
        // Kept: pairs within 0113..0206 except 0113_0125 and index 8 (the last pair).
        let kept: Vec<String> = (0..9)
            .filter(|i| !drop.contains(i))
            .map(|i| n.pair_name(i))
            .collect();
        assert_eq!(kept, ["20200113_20200206", "20200125_20200206"]);
        let e = NetworkEdit {
            max_perp_baseline_m: Some(20.0),
            ..Default::default()
        };
        for i in pairs_to_drop(&n, &e, None).unwrap() {
            assert!(n.pair_bperp[i].abs() > 20.0);
        }
    }

    #[test]
    fn coherence_rule_keeps_the_spanning_tree() {
        let n = net();
        // Coherence falls with the temporal baseline; the 12-day pairs are the best.
        let coh: Vec<f32> = n
            .pairs
            .iter()
            .map(|p| 1.0 - 0.2 * (p.second - p.first) as f32)
            .collect();
        let e = NetworkEdit {
            min_coherence: Some(0.7),
            ..Default::default()
        };
        let drop = pairs_to_drop(&n, &e, Some(&coh)).unwrap();
        assert_eq!(drop.len(), 5, "only the 4 sequential pairs stay");
        // Without the tree, a low threshold for all pairs but one would cut the network.
        let mut coh2 = vec![0.1f32; 9];
        coh2[0] = 0.9;
        let keep_tree = pairs_to_drop(&n, &e, Some(&coh2)).unwrap();
        assert_eq!(9 - keep_tree.len(), 4, "the tree keeps 4 pairs for 5 dates");
        let no_tree = NetworkEdit {
            keep_min_span_tree: false,
            ..e.clone()
        };
        assert_eq!(pairs_to_drop(&n, &no_tree, Some(&coh2)).unwrap().len(), 8);
        assert!(pairs_to_drop(&n, &e, None).is_err());
    }

    #[test]
    fn dropping_everything_is_an_error() {
        let n = net();
        let e = NetworkEdit {
            max_temp_baseline_days: Some(1.0),
            ..Default::default()
        };
        assert!(pairs_to_drop(&n, &e, None).is_err());
    }

    #[test]
    fn parses_pairs_and_index_lists() {
        assert_eq!(
            parse_date12("20200113_20200101").unwrap(),
            (d("20200101"), d("20200113"))
        );
        assert_eq!(
            parse_date12("200101-200113").unwrap(),
            (d("20200101"), d("20200113"))
        );
        assert!(parse_date12("20200101").is_err());
        assert_eq!(parse_index_list("2, 5:7,3").unwrap(), vec![2, 3, 5, 6, 7]);
        assert!(parse_index_list("a").is_err());
    }
}
