//! Pixels per second of `Inverter::invert_chunk`: 40 dates, about 120 pairs, a 100 x 100 chunk,
//! with `var` and `no` weights, every pair valid or about 5% of observations missing; then
//! longer stacks (100 and 300 dates, each date paired with its nearest 3 or 5 successors), to
//! predict the run time of a many-year stack and check that the cost grows linearly with the
//! number of pairs.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sbas::invert::{ChunkIn, InversionConfig, Inverter, WeightFunc};
use sbas::meta::Date;
use sbas::network::Network;
use sbas::window::Window;

const DATES: usize = 40;
const ROWS: usize = 100;
const COLS: usize = 100;
/// Chunk of the long-stack cases (fewer pixels, as each carries many more pairs).
const LONG_ROWS: usize = 25;

/// Deterministic pseudo-random numbers in [0, 1).
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Each date with its next three, plus every sixth date with the one six later: ~120 pairs.
fn network() -> Network {
    let d0 = Date::parse("20200101").expect("valid date");
    let dates: Vec<Date> = (0..DATES).map(|i| d0.add_days(12 * i as i32)).collect();
    let mut pairs = Vec::new();
    for a in 0..DATES {
        for b in a + 1..(a + 4).min(DATES) {
            pairs.push((dates[a], dates[b]));
        }
        if a % 6 == 0 && a + 6 < DATES {
            pairs.push((dates[a], dates[a + 6]));
        }
    }
    let bperp = vec![0.0; pairs.len()];
    Network::new(&pairs, &bperp).expect("valid network")
}

/// Each of `dates` dates (12 days apart) with its next `neighbours`.
fn nearest_network(dates: usize, neighbours: usize) -> Network {
    let d0 = Date::parse("20150101").expect("valid date");
    let ds: Vec<Date> = (0..dates).map(|i| d0.add_days(12 * i as i32)).collect();
    let pairs: Vec<(Date, Date)> = (0..dates)
        .flat_map(|a| (a + 1..(a + 1 + neighbours).min(dates)).map(move |b| (a, b)))
        .map(|(a, b)| (ds[a], ds[b]))
        .collect();
    let bperp = vec![0.0; pairs.len()];
    Network::new(&pairs, &bperp).expect("valid network")
}

fn chunk(net: &Network, rows: usize, missing: f64, rng: &mut Rng) -> ChunkIn {
    let (m, px) = (net.num_pairs(), rows * COLS);
    let mut phase = vec![0.0f32; m * px];
    let mut coherence = vec![0.0f32; m * px];
    for p in 0..px {
        let vel = 20.0 * (rng.uniform() - 0.5);
        for (i, pr) in net.pairs.iter().enumerate() {
            let span = (pr.second - pr.first) as f64 * 12.0 / 365.25;
            let noise = rng.uniform() - 0.5;
            phase[i * px + p] = if rng.uniform() < missing {
                0.0
            } else {
                (vel * span + noise) as f32
            };
            coherence[i * px + p] = (0.2 + 0.8 * rng.uniform()) as f32;
        }
    }
    ChunkIn {
        id: 0,
        window: Window::full(rows, COLS),
        phase,
        coherence,
        conncomp: None,
        water_mask: None,
        shadow_mask: None,
    }
}

fn bench(c: &mut Criterion) {
    let net = network();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let full = chunk(&net, ROWS, 0.0, &mut rng);
    let gappy = chunk(&net, ROWS, 0.05, &mut rng);
    let mut group = c.benchmark_group(format!(
        "invert_chunk_{}dates_{}pairs_100x100",
        net.num_dates(),
        net.num_pairs()
    ));
    group.sample_size(10);
    group.throughput(Throughput::Elements((ROWS * COLS) as u64));
    for (name, weight) in [("var", WeightFunc::Var), ("no", WeightFunc::No)] {
        let config = InversionConfig {
            weight,
            ..InversionConfig::default()
        };
        let inv = Inverter::new(
            net.clone(),
            config,
            vec![0.0; net.num_pairs()],
            (0, 0),
            6.0,
            -0.0044,
        );
        for (data, ch) in [("all_valid", &full), ("5pct_missing", &gappy)] {
            group.bench_function(format!("{name}/{data}"), |b| {
                b.iter(|| inv.invert_chunk(std::hint::black_box(ch)))
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("invert_chunk_long_stacks_25x100_5pct_missing");
    group.sample_size(10);
    group.throughput(Throughput::Elements((LONG_ROWS * COLS) as u64));
    for (dates, neighbours) in [(100, 3), (100, 5), (300, 3), (300, 5)] {
        let net = nearest_network(dates, neighbours);
        let ch = chunk(&net, LONG_ROWS, 0.05, &mut rng);
        for (name, weight) in [("var", WeightFunc::Var), ("no", WeightFunc::No)] {
            let config = InversionConfig {
                weight,
                ..InversionConfig::default()
            };
            let inv = Inverter::new(
                net.clone(),
                config,
                vec![0.0; net.num_pairs()],
                (0, 0),
                6.0,
                -0.0044,
            );
            let id = format!("{dates}dates_n{neighbours}_{}pairs/{name}", net.num_pairs());
            group.bench_function(id, |b| {
                b.iter(|| inv.invert_chunk(std::hint::black_box(&ch)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
