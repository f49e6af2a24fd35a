//! `sbas serve`: explore a run folder in the browser.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::plan::parse_size;
use crate::serve::{ServeOptions, Server};

/// Options of `sbas serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Run folder.
    pub run_dir: PathBuf,
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8050)]
    pub port: u16,
    /// Address to listen on. The default answers this computer only; another address lets
    /// anyone who reaches it read the run.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub bind: IpAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Memory the server may use (e.g. 512MiB, 2GiB): it answers at once only as many map
    /// requests as fit, and refuses to start below what one map of the run needs.
    #[arg(long = "max-memory", default_value = "1GiB")]
    pub max_memory: String,
}

/// Runs `sbas serve` (until interrupted).
pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let server = Server::bind(&ServeOptions {
        run_dir: args.run_dir.clone(),
        addr: SocketAddr::new(args.bind, args.port),
        max_memory: parse_size(&args.max_memory).context("--max-memory")?,
    })?;
    let addr = server.addr()?;
    let url = format!("http://{addr}/");
    println!(
        "serving {} at {url} (Ctrl-C to stop)",
        args.run_dir.display()
    );
    // Scripts and tests read the address from the first line: send it now.
    let _ = std::io::stdout().flush();
    if args.open {
        open_browser(&url);
    }
    server.run();
    Ok(())
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("warning: could not open a browser ({opener}: {e}); open {url} yourself");
    }
}
