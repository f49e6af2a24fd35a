//! HyP3 product names: which job made a product and its dates, from a file name, by the
//! patterns MintPy 1.6.4's `prep_hyp3` matches at the start of the name:
//!
//! - `INSAR_GAMMA`: `S1AB_20190610T135156_20190622T135157_VVP012_INT80_G_ueF_F8BF`
//! - `INSAR_ISCE_BURST`: `S1_056072_IW2_20220814_20220907_VV_INT80_E09B`
//! - `INSAR_ISCE_MULTI_BURST`: `S1_064_000000s1n00-136231s2n02-000000s3n00_IW_20200604_20200616_VV_INT80_77F1`

use crate::meta::Date;

/// The HyP3 job type of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobType {
    /// Scene-wide GAMMA interferogram.
    Gamma,
    /// Single-burst ISCE2 interferogram.
    IsceBurst,
    /// Multi-burst ISCE2 interferogram.
    IsceMultiBurst,
}

/// A product name parsed from the start of a file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductName {
    /// The product name (the file name's prefix, without the layer suffix).
    pub name: String,
    /// The job that made it.
    pub job: JobType,
    /// Reference and secondary dates.
    pub dates: (Date, Date),
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|c| c.is_ascii_digit())
}

/// Whether `s` starts with 4 upper-case hex digits (the pattern's last part: what follows it,
/// such as an extension, is not part of the name).
fn hex4(s: &str) -> bool {
    s.len() >= 4
        && s.bytes()
            .take(4)
            .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
}

fn int_res(s: &str) -> bool {
    s.strip_prefix("INT").is_some_and(|d| digits(d, 2))
}

fn pol(s: &str) -> bool {
    s == "VV" || s == "HH"
}

fn date(s: &str) -> Option<Date> {
    digits(s, 8).then(|| Date::parse(s).ok()).flatten()
}

/// `YYYYMMDDTHHMMSS` -> its date.
fn date_time(s: &str) -> Option<Date> {
    let (d, t) = s.split_once('T')?;
    digits(t, 6).then(|| date(d)).flatten()
}

/// `dddddds1ndd` (`k` the sub-swath digit).
fn burst_id(s: &str, k: u8) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && digits(&s[..6], 6)
        && b[6] == b's'
        && b[7] == b'0' + k
        && b[8] == b'n'
        && digits(&s[9..], 2)
}

fn gamma(t: &[&str]) -> Option<(usize, (Date, Date))> {
    let sat = t.first()?.strip_prefix("S1")?;
    let ok_sat = sat.len() == 2 && sat.bytes().all(|c| b"ABCD".contains(&c));
    let p = t.get(3)?;
    let ok_pol = p.len() >= 6
        && pol(&p[..2])
        && b"PRO".contains(&p.as_bytes()[2])
        && (digits(&p[3..], 3) || digits(&p[3..], 4));
    let flags = t.get(6)?.as_bytes();
    let ok_flags = flags.len() == 3
        && b"uw".contains(&flags[0])
        && b"ec".contains(&flags[1])
        && b"123F".contains(&flags[2]);
    let ok =
        ok_sat && ok_pol && int_res(t.get(4)?) && *t.get(5)? == "G" && ok_flags && hex4(t.get(7)?);
    ok.then(|| Some((8, (date_time(t[1])?, date_time(t[2])?))))
        .flatten()
}

fn burst(t: &[&str]) -> Option<(usize, (Date, Date))> {
    let swath = t.get(2)?;
    let ok = *t.first()? == "S1"
        && digits(t.get(1)?, 6)
        && swath.len() == 3
        && swath.starts_with("IW")
        && b"123".contains(&swath.as_bytes()[2])
        && pol(t.get(5)?)
        && int_res(t.get(6)?)
        && hex4(t.get(7)?);
    ok.then(|| Some((8, (date(t[3])?, date(t[4])?)))).flatten()
}

fn multi_burst(t: &[&str]) -> Option<(usize, (Date, Date))> {
    let ids: Vec<&str> = t.get(2)?.split('-').collect();
    let ok = *t.first()? == "S1"
        && digits(t.get(1)?, 3)
        && ids.len() == 3
        && (0..3).all(|k| burst_id(ids[k], k as u8 + 1))
        && *t.get(3)? == "IW"
        && pol(t.get(6)?)
        && int_res(t.get(7)?)
        && hex4(t.get(8)?);
    ok.then(|| Some((9, (date(t[4])?, date(t[5])?)))).flatten()
}

/// The product a file name starts with, if it follows one of HyP3's patterns.
pub fn parse_product(file_name: &str) -> Option<ProductName> {
    let tokens: Vec<&str> = file_name.split('_').collect();
    let (n, job, dates) = if let Some((n, d)) = burst(&tokens) {
        (n, JobType::IsceBurst, d)
    } else if let Some((n, d)) = multi_burst(&tokens) {
        (n, JobType::IsceMultiBurst, d)
    } else if let Some((n, d)) = gamma(&tokens) {
        (n, JobType::Gamma, d)
    } else {
        return None;
    };
    // The last token of the name may run into an extension (`..._F8BF.txt`): keep its 4 hex
    // digits only, as the pattern does.
    let mut name = tokens[..n].join("_");
    name.truncate(name.len() - (tokens[n - 1].len() - 4));
    Some(ProductName { name, job, dates })
}

/// The sub-swaths of a product as MintPy's `beam_swath`: `123` for GAMMA scenes, the swath
/// digit of a burst, the swaths holding bursts of a multi-burst product.
pub fn beam_swath(p: &ProductName) -> String {
    let t: Vec<&str> = p.name.split('_').collect();
    match p.job {
        JobType::Gamma => "123".into(),
        JobType::IsceBurst => t[2][2..3].into(),
        JobType::IsceMultiBurst => t[2]
            .split('-')
            .filter(|s| !s.starts_with("000000s"))
            .map(|s| &s[7..8])
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn the_three_job_types_of_mintpys_test_data() {
        let g =
            parse_product("S1AC_20251001T204513_20251007T204359_HHR006_INT40_G_ueF_1DBE_dem.tif")
                .unwrap();
        assert_eq!(
            g.name,
            "S1AC_20251001T204513_20251007T204359_HHR006_INT40_G_ueF_1DBE"
        );
        assert_eq!(
            (g.job, g.dates),
            (JobType::Gamma, (d("20251001"), d("20251007")))
        );
        assert_eq!(beam_swath(&g), "123");
        let b = parse_product("S1_056072_IW2_20220814_20220907_VV_INT80_E09B_corr.tif").unwrap();
        assert_eq!(b.name, "S1_056072_IW2_20220814_20220907_VV_INT80_E09B");
        assert_eq!(
            (b.job, b.dates),
            (JobType::IsceBurst, (d("20220814"), d("20220907")))
        );
        assert_eq!(beam_swath(&b), "2");
        let m = parse_product(
            "S1_044_000000s1n00-093117s2n01-093118s3n01_IW_20250718_20250730_VV_INT80_B4FA_unw_phase.tif",
        )
        .unwrap();
        assert_eq!(m.job, JobType::IsceMultiBurst);
        assert_eq!(m.dates, (d("20250718"), d("20250730")));
        assert_eq!(beam_swath(&m), "23");
        let t = parse_product("S1AA_20190610T135156_20190622T135157_VVP012_INT80_G_ueF_F8BF.txt")
            .unwrap();
        assert_eq!(
            t.name,
            "S1AA_20190610T135156_20190622T135157_VVP012_INT80_G_ueF_F8BF"
        );
    }

    #[test]
    fn other_names_are_not_products() {
        for n in [
            "filt_fine.unw",
            "S1AA_20190610T135156_20190622T135157_VVP012_INT80_G_ueF_f8bf_unw_phase.tif",
            "S1AE_20190610T135156_20190622T135157_VVP012_INT80_G_ueF_F8BF_unw_phase.tif",
            "S1_056072_IW4_20220814_20220907_VV_INT80_E09B_corr.tif",
            "S1_056072_IW2_20220814_2022090_VV_INT80_E09B_corr.tif",
        ] {
            assert_eq!(parse_product(n), None, "{n}");
        }
    }
}
