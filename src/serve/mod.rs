//! `sbas serve`: a local web page to explore a run folder. A small synchronous HTTP server
//! answers GET requests only and never writes: the page itself ([`page`]), the run's layers
//! ([`catalog`]), map images rendered from the store ([`map`]) and one pixel's series
//! ([`series`]); [`routes`] maps requests to them and refuses everything else.

pub mod catalog;
pub mod map;
pub mod memory;
pub mod page;
pub mod reply;
pub mod routes;
pub mod series;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;

use catalog::Catalog;

/// Most worker threads answering requests: a map and the cursor's location queries can
/// overlap. Fewer when `--max-memory` allows fewer maps at once.
const WORKERS: usize = 4;

/// What the server serves and where.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The run folder.
    pub run_dir: PathBuf,
    /// Address and port to listen on (port 0: any free port).
    pub addr: SocketAddr,
    /// Memory the server may use, bytes (`--max-memory`).
    pub max_memory: u64,
}

/// The state every request handler shares: the run folder and what it holds.
pub struct Shared {
    /// The run folder (canonical).
    pub run_dir: PathBuf,
    /// The layers found at the last scan (refreshed by `/api/info`).
    pub catalog: Mutex<Catalog>,
}

/// A bound server, not yet answering.
pub struct Server {
    http: Arc<tiny_http::Server>,
    ctx: Arc<Shared>,
    workers: usize,
}

impl Server {
    /// Scans the run folder and binds the address.
    pub fn bind(opts: &ServeOptions) -> anyhow::Result<Server> {
        let run_dir = opts
            .run_dir
            .canonicalize()
            .with_context(|| format!("run folder {}", opts.run_dir.display()))?;
        anyhow::ensure!(
            run_dir.is_dir(),
            "run folder {}: not a folder",
            run_dir.display()
        );
        let catalog = Catalog::scan(&run_dir)?;
        anyhow::ensure!(
            !catalog.layers.is_empty(),
            "{} holds no product to show (run `sbas invert` first)",
            run_dir.display()
        );
        let workers = memory::workers_within(
            opts.max_memory,
            memory::resident_bytes(),
            memory::map_peak_bytes(&catalog),
            WORKERS,
        )?;
        let http = tiny_http::Server::http(opts.addr)
            .map_err(|e| anyhow::anyhow!("listening on {}: {e}", opts.addr))?;
        Ok(Server {
            http: Arc::new(http),
            ctx: Arc::new(Shared {
                run_dir,
                catalog: Mutex::new(catalog),
            }),
            workers,
        })
    }

    /// The address actually bound (the port chosen when 0 was asked for).
    pub fn addr(&self) -> anyhow::Result<SocketAddr> {
        self.http
            .server_addr()
            .to_ip()
            .context("the server is not listening on an IP address")
    }

    /// Requests answered at once: as many as `--max-memory` allows, at most 4.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Answers requests until the process ends.
    pub fn run(self) {
        let workers: Vec<_> = (0..self.workers)
            .map(|_| {
                let (http, ctx) = (Arc::clone(&self.http), Arc::clone(&self.ctx));
                std::thread::spawn(move || {
                    while let Ok(rq) = http.recv() {
                        routes::answer(&ctx, rq);
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.join();
        }
    }
}
