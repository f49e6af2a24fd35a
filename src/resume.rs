//! Run state that makes long runs resumable: a manifest of the settings, the input fingerprint,
//! the chunk plan and the reference point; an append-only log of chunks whose outputs are
//! durable; and a lock so two processes never share a run folder.
//!
//! A run split into parts (see [`crate::parts`]) adds, per part, its own done log and its own
//! lock in `.sbas/parts/`, the number of parts in `.sbas/parts/count`, and the prepared command
//! line in `.sbas/invocation.json` (which `sbas finalize` replays). Parts hold the folder's lock
//! shared, so they run beside each other but never beside a single-process run or finalize;
//! correctness does not rest on locks across nodes, only on the parts' chunks being disjoint.
//!
//! Everything lives in `RUN_DIR/.sbas/`. A chunk id enters `done` only after the sink has written
//! and synced it, so after a kill at any moment the chunks not in `done` are simply recomputed;
//! the inversion is deterministic, so the final outputs are bit-identical to an uninterrupted run.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::{bail, Context};
use serde_json::{json, Value};

/// Folder of the run state inside a run directory.
pub const STATE_DIR: &str = ".sbas";
const MANIFEST: &str = "run.json";
const DONE_LOG: &str = "done";
const LOCK: &str = "lock";
const PARTS_DIR: &str = "parts";
const PARTS_COUNT: &str = "count";
const INVOCATION: &str = "invocation.json";
const RUN_INVOCATION: &str = "run-invocation.json";
const FORMAT_VERSION: u64 = 1;

/// One input file as fingerprinted: path, size and modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    /// Path as the reader gave it.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: u128,
}

/// Fingerprints input files by size and modification time: cheap, and any rewrite of a file
/// (a re-run of ISCE2, a copy) changes it.
pub fn fingerprint(files: &[PathBuf]) -> anyhow::Result<Vec<FileStamp>> {
    files
        .iter()
        .map(|p| {
            let meta = fs::metadata(p)
                .with_context(|| format!("cannot read the size of input {}", p.display()))?;
            let mtime_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            Ok(FileStamp {
                path: p.display().to_string(),
                size: meta.len(),
                mtime_ns,
            })
        })
        .collect()
}

/// What a run was started with: everything that changes its outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct RunIdentity {
    /// The stack path as given (canonicalised where possible).
    pub stack: String,
    /// Settings that change the outputs, as `name -> value` text (e.g. `weight -> var`).
    pub settings: Vec<(String, String)>,
    /// The input files.
    pub inputs: Vec<FileStamp>,
}

/// The chunk plan and reference point fixed when a run starts, reused when it resumes.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedChoices {
    /// Rows per chunk of the plan.
    pub rows_per_chunk: usize,
    /// Number of chunks.
    pub chunks: usize,
    /// Reference row and column.
    pub ref_yx: (usize, usize),
    /// How the reference point was chosen (for the log).
    pub ref_how: String,
}

/// The state of a run folder, locked for this process.
#[derive(Debug)]
pub struct RunState {
    dir: PathBuf,
    /// The folder's lock (exclusive; shared for a part) and a part's own lock.
    _locks: Vec<File>,
    done_log: File,
    log_path: PathBuf,
    /// Chunk ids whose outputs are durable.
    pub done: BTreeSet<usize>,
    /// The choices fixed at the start.
    pub fixed: FixedChoices,
    /// Whether the outputs were finalized.
    pub complete: bool,
}

fn state_dir(run_dir: &Path) -> PathBuf {
    run_dir.join(STATE_DIR)
}

/// Takes the run folder's lock, or fails naming the folder if another process holds it.
fn lock(run_dir: &Path) -> anyhow::Result<File> {
    let dir = state_dir(run_dir);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(LOCK);
    try_lock(&path, false)?.with_context(|| {
        format!(
            "another sbas process is working in {} (it holds {}); wait for it to finish or stop it",
            run_dir.display(),
            path.display()
        )
    })
}

/// Opens (creating) the lock file at `path` and locks it, shared or exclusive, without waiting:
/// `None` when another process holds it.
fn try_lock(path: &Path, shared: bool) -> anyhow::Result<Option<File>> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    let res = if shared {
        file.try_lock_shared()
    } else {
        file.try_lock()
    };
    match res {
        Ok(()) => Ok(Some(file)),
        Err(fs::TryLockError::WouldBlock) => Ok(None),
        Err(fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// Takes the run folder's lock exclusively (a finalize job working on the whole folder), or
/// fails naming the folder if another process (a part, a run) holds it.
pub(crate) fn lock_folder(run_dir: &Path) -> anyhow::Result<File> {
    lock(run_dir)
}

/// Takes the run folder's lock shared (one part among others), or fails when a single-process
/// run or a finalize holds it; `what` names the process in the error.
pub(crate) fn lock_folder_shared(run_dir: &Path, what: &str) -> anyhow::Result<File> {
    let path = state_dir(run_dir).join(LOCK);
    try_lock(&path, true)?.with_context(|| {
        format!(
            "another sbas process (a single-process run, a prepare or a finalize) is working in \
             {}; {what} waits for it to finish",
            run_dir.display()
        )
    })
}

/// Takes the lock file at `path` exclusively, or fails saying `busy`.
pub(crate) fn lock_file(path: &Path, busy: impl FnOnce() -> String) -> anyhow::Result<File> {
    try_lock(path, false)?.with_context(busy)
}

/// What [`RunState::open`] found.
#[derive(Debug)]
pub enum Opened {
    /// No earlier run (or `--restart`): the caller must choose the plan and reference point and
    /// call [`RunState::create`].
    Fresh(File),
    /// An earlier run with the same identity: resume it.
    Resume(RunState),
}

impl RunState {
    /// Locks `run_dir` and compares an earlier run's manifest with `identity`. A mismatch is an
    /// error that says what changed and how to start over.
    /// With `restart`, an earlier run's state and `outputs` are discarded first (under the
    /// lock). A fresh run also discards stale `outputs` left without run state.
    pub fn open(
        run_dir: &Path,
        identity: &RunIdentity,
        restart: bool,
        outputs: &[&str],
    ) -> anyhow::Result<Opened> {
        let lock = lock(run_dir)?;
        let manifest_path = state_dir(run_dir).join(MANIFEST);
        if restart || !manifest_path.exists() {
            discard_run(run_dir, outputs)?;
            return Ok(Opened::Fresh(lock));
        }
        let text = fs::read_to_string(&manifest_path)
            .with_context(|| format!("cannot read {}", manifest_path.display()))?;
        let m: Value = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not valid JSON; start over with --restart",
                manifest_path.display()
            )
        })?;
        let changes = differences(&m, identity);
        if !changes.is_empty() {
            bail!(
                "{} holds a run of other inputs or settings:\n  {}\nRun with --restart to discard it \
                 and start over, or choose another --out folder",
                run_dir.display(),
                changes.join("\n  ")
            );
        }
        let fixed = parse_fixed(&m).with_context(|| {
            format!(
                "{} is damaged; start over with --restart",
                manifest_path.display()
            )
        })?;
        let done_path = state_dir(run_dir).join(DONE_LOG);
        let done = read_all_done(run_dir, fixed.chunks)?;
        let done_log = open_append(&done_path)?;
        Ok(Opened::Resume(RunState {
            dir: run_dir.to_path_buf(),
            _locks: vec![lock],
            done_log,
            log_path: done_path,
            done,
            complete: m["complete"].as_bool().unwrap_or(false),
            fixed,
        }))
    }

    /// Starts a new run: writes the manifest (durably) and an empty done log.
    pub fn create(
        run_dir: &Path,
        lock: File,
        identity: &RunIdentity,
        fixed: FixedChoices,
    ) -> anyhow::Result<RunState> {
        let dir = state_dir(run_dir);
        let done_path = dir.join(DONE_LOG);
        let f = File::create(&done_path)
            .with_context(|| format!("cannot create {}", done_path.display()))?;
        f.sync_all()
            .with_context(|| format!("cannot write {}", done_path.display()))?;
        let state = RunState {
            dir: run_dir.to_path_buf(),
            _locks: vec![lock],
            done_log: open_append(&done_path)?,
            log_path: done_path.clone(),
            done: BTreeSet::new(),
            fixed,
            complete: false,
        };
        write_manifest(run_dir, &manifest_json(identity, &state.fixed, false))?;
        Ok(state)
    }

    /// Records that chunk `id` is durable.
    pub fn mark_done(&mut self, id: usize) -> anyhow::Result<()> {
        self.mark_all_done(&[id])
    }

    /// Records chunks `ids` as durably written, with one sync for all of them.
    pub fn mark_all_done(&mut self, ids: &[usize]) -> anyhow::Result<()> {
        let text: String = ids.iter().map(|id| format!("{id}\n")).collect();
        self.done_log
            .write_all(text.as_bytes())
            .and_then(|_| self.done_log.sync_data())
            .with_context(|| format!("cannot record progress in {}", self.log_path.display()))?;
        self.done.extend(ids);
        Ok(())
    }

    /// Opens a prepared run for one of its parts: the manifest must exist and match `identity`,
    /// the run's number of parts must be `part.count` (the first part records it when the
    /// prepare step did not), and no other process may run this part. `done` holds the chunks
    /// durable in any part; this part records its own in its own log.
    pub fn open_part(
        run_dir: &Path,
        identity: &RunIdentity,
        part: crate::parts::Part,
    ) -> anyhow::Result<RunState> {
        let dir = state_dir(run_dir);
        let manifest_path = dir.join(MANIFEST);
        if !manifest_path.exists() {
            bail!(
                "{} was never prepared: run the same `sbas invert` command with --prepare first \
                 (part {part} needs the plan and reference point it fixes)",
                run_dir.display()
            );
        }
        let folder_lock = try_lock(&dir.join(LOCK), true)?.with_context(|| {
            format!(
                "another sbas process (a single-process run, a prepare or a finalize) is working \
                 in {}; part {part} waits for it to finish",
                run_dir.display()
            )
        })?;
        let text = fs::read_to_string(&manifest_path)
            .with_context(|| format!("cannot read {}", manifest_path.display()))?;
        let m: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", manifest_path.display()))?;
        let changes = differences(&m, identity);
        if !changes.is_empty() {
            bail!(
                "part {part}: {} was prepared with other inputs or settings:\n  {}\nGive every \
                 part the arguments of the prepare step, or prepare again with --restart (which \
                 discards every part's work)",
                run_dir.display(),
                changes.join("\n  ")
            );
        }
        let fixed =
            parse_fixed(&m).with_context(|| format!("{} is damaged", manifest_path.display()))?;
        record_parts(run_dir, part.count)?;
        let lock_path = part_file(run_dir, part, "lock");
        let part_lock = try_lock(&lock_path, false)?.with_context(|| {
            format!(
                "part {part} of {} is already being run by another process (it holds {}); \
                 each part runs once at a time",
                run_dir.display(),
                lock_path.display()
            )
        })?;
        let log_path = part_file(run_dir, part, "done");
        let done = read_all_done(run_dir, fixed.chunks)?;
        Ok(RunState {
            dir: run_dir.to_path_buf(),
            _locks: vec![folder_lock, part_lock],
            done_log: open_append(&log_path)?,
            log_path,
            done,
            complete: m["complete"].as_bool().unwrap_or(false),
            fixed,
        })
    }

    /// Marks the run complete (after the outputs were finalized).
    pub fn mark_complete(&mut self, identity: &RunIdentity) -> anyhow::Result<()> {
        write_manifest(&self.dir, &manifest_json(identity, &self.fixed, true))?;
        self.complete = true;
        Ok(())
    }
}

/// Removes the run state (but not the lock file, which the caller holds) and every output of an
/// earlier run in `run_dir`.
pub fn discard_run(run_dir: &Path, outputs: &[&str]) -> anyhow::Result<()> {
    let mut paths = Vec::new();
    if let Ok(entries) = fs::read_dir(state_dir(run_dir)) {
        for e in entries.flatten() {
            if e.file_name() != LOCK {
                paths.push(e.path());
            }
        }
    }
    for name in outputs {
        paths.push(run_dir.join(name));
        paths.push(run_dir.join(format!("{name}.part")));
    }
    for p in paths {
        let res = if p.is_dir() {
            fs::remove_dir_all(&p)
        } else if p.exists() {
            fs::remove_file(&p)
        } else {
            Ok(())
        };
        res.with_context(|| format!("cannot remove {}", p.display()))?;
    }
    Ok(())
}

/// The file of `part` with extension `ext` (`done`, `lock`) in the run's parts folder.
fn part_file(run_dir: &Path, part: crate::parts::Part, ext: &str) -> PathBuf {
    state_dir(run_dir)
        .join(PARTS_DIR)
        .join(format!("{}-of-{}.{ext}", part.index, part.count))
}

/// The number of parts the run in `run_dir` is split into, once a prepare or a part fixed it.
pub fn recorded_parts(run_dir: &Path) -> anyhow::Result<Option<usize>> {
    let path = state_dir(run_dir).join(PARTS_DIR).join(PARTS_COUNT);
    match fs::read_to_string(&path) {
        Ok(text) => text
            .trim()
            .parse::<usize>()
            .map(Some)
            .with_context(|| format!("{} is damaged", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Fixes the run's number of parts at `count`, or checks it against the one fixed. The count
/// is written to a private file and hard-linked into place, which fails when the name exists:
/// of parts starting together on several nodes exactly one fixes it, and readers never see
/// it half written.
pub fn record_parts(run_dir: &Path, count: usize) -> anyhow::Result<()> {
    let dir = state_dir(run_dir).join(PARTS_DIR);
    let path = dir.join(PARTS_COUNT);
    if recorded_parts(run_dir)?.is_none() {
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let tmp = dir.join(format!("{PARTS_COUNT}.{}.tmp", std::process::id()));
        let linked = (|| -> std::io::Result<bool> {
            let mut f = File::create(&tmp)?;
            f.write_all(format!("{count}\n").as_bytes())?;
            f.sync_all()?;
            let linked = match fs::hard_link(&tmp, &path) {
                Ok(()) => true,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
                Err(e) => return Err(e),
            };
            fs::remove_file(&tmp)?;
            File::open(&dir)?.sync_all()?;
            Ok(linked)
        })()
        .with_context(|| format!("cannot record the number of parts in {}", path.display()))?;
        if linked {
            return Ok(());
        }
    }
    match recorded_parts(run_dir)? {
        Some(n) if n != count => bail!(
            "{} is split into {n} parts, not {count}: run it with --part I/{n} (I from 1 to {n}), \
             or prepare it again with --restart to change the number of parts",
            run_dir.display()
        ),
        _ => Ok(()),
    }
}

/// The command line a prepare step recorded, for `sbas finalize` to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The folder relative paths and globs were given from.
    pub cwd: PathBuf,
    /// The arguments after the subcommand (`sbas invert`, or `sbas run` for a template run).
    pub args: Vec<String>,
}

/// Records the prepared command line (atomically).
pub fn write_invocation(run_dir: &Path, inv: &Invocation) -> anyhow::Result<()> {
    write_invocation_as(run_dir, INVOCATION, inv)
}

/// The prepared command line; `None` when the folder was never prepared with `--prepare`.
pub fn read_invocation(run_dir: &Path) -> anyhow::Result<Option<Invocation>> {
    read_invocation_as(run_dir, INVOCATION)
}

/// Records the command line of `sbas run TEMPLATE --prepare` (its arguments after `run`) in the
/// work folder, kept apart from `sbas invert`'s so that `sbas finalize` never replays it as an
/// inversion.
pub fn write_run_invocation(work_dir: &Path, inv: &Invocation) -> anyhow::Result<()> {
    write_invocation_as(work_dir, RUN_INVOCATION, inv)
}

/// The command line of `sbas run TEMPLATE --prepare`; `None` when the work folder was never
/// prepared by a template run.
pub fn read_run_invocation(work_dir: &Path) -> anyhow::Result<Option<Invocation>> {
    read_invocation_as(work_dir, RUN_INVOCATION)
}

fn write_invocation_as(run_dir: &Path, name: &str, inv: &Invocation) -> anyhow::Result<()> {
    let m = json!({ "cwd": inv.cwd.display().to_string(), "args": inv.args });
    write_json_atomic(&state_dir(run_dir).join(name), &m)
        .context("cannot record the prepared command")
}

fn read_invocation_as(run_dir: &Path, name: &str) -> anyhow::Result<Option<Invocation>> {
    let path = state_dir(run_dir).join(name);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let damaged = || format!("{} is damaged", path.display());
    let m: Value = serde_json::from_str(&text).with_context(damaged)?;
    let cwd = m["cwd"].as_str().with_context(damaged)?;
    let args = m["args"]
        .as_array()
        .with_context(damaged)?
        .iter()
        .map(|a| a.as_str().map(str::to_string))
        .collect::<Option<Vec<_>>>()
        .with_context(damaged)?;
    Ok(Some(Invocation {
        cwd: PathBuf::from(cwd),
        args,
    }))
}

/// The chunks durable in the run's own log and in every part's log.
fn read_all_done(run_dir: &Path, chunks: usize) -> anyhow::Result<BTreeSet<usize>> {
    let mut done = read_done(&state_dir(run_dir).join(DONE_LOG), chunks)?;
    for (_, log) in part_logs(run_dir) {
        done.extend(read_done(&log, chunks)?);
    }
    Ok(done)
}

/// The parts' done logs in the run's parts folder, with their part.
fn part_logs(run_dir: &Path) -> Vec<(crate::parts::Part, PathBuf)> {
    let Ok(entries) = fs::read_dir(state_dir(run_dir).join(PARTS_DIR)) else {
        return Vec::new();
    };
    let mut logs: Vec<_> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let (i, n) = name.strip_suffix(".done")?.split_once("-of-")?;
            let part = crate::parts::Part::new(i.parse().ok()?, n.parse().ok()?).ok()?;
            Some((part, e.path()))
        })
        .collect();
    logs.sort_by_key(|(p, _)| (p.count, p.index));
    logs
}

fn open_append(path: &Path) -> anyhow::Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))
}

/// Reads the done log; a torn last line (a kill during the append) is ignored.
fn read_done(path: &Path, chunks: usize) -> anyhow::Result<BTreeSet<usize>> {
    let mut text = String::new();
    if path.exists() {
        File::open(path)
            .and_then(|mut f| f.read_to_string(&mut text))
            .with_context(|| format!("cannot read {}", path.display()))?;
    }
    let complete_lines = match text.rfind('\n') {
        Some(i) => &text[..i],
        None => "",
    };
    Ok(complete_lines
        .lines()
        .filter_map(|l| l.trim().parse::<usize>().ok())
        .filter(|&id| id < chunks)
        .collect())
}

fn manifest_json(identity: &RunIdentity, fixed: &FixedChoices, complete: bool) -> Value {
    let settings: serde_json::Map<String, Value> = identity
        .settings
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let inputs: Vec<Value> = identity
        .inputs
        .iter()
        .map(|f| json!([f.path, f.size, f.mtime_ns.to_string()]))
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "sbas_version": env!("CARGO_PKG_VERSION"),
        "stack": identity.stack,
        "settings": settings,
        "inputs": inputs,
        "plan": { "rows_per_chunk": fixed.rows_per_chunk, "chunks": fixed.chunks },
        "reference": { "y": fixed.ref_yx.0, "x": fixed.ref_yx.1, "how": fixed.ref_how },
        "complete": complete,
    })
}

/// Writes the manifest atomically.
fn write_manifest(run_dir: &Path, m: &Value) -> anyhow::Result<()> {
    let path = state_dir(run_dir).join(MANIFEST);
    write_json_atomic(&path, m)
        .with_context(|| format!("cannot write the run manifest {}", path.display()))
}

/// Writes JSON atomically: a temporary file, synced, renamed over the old one.
fn write_json_atomic(path: &Path, m: &Value) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let text = serde_json::to_string_pretty(m).context("encoding JSON")?;
    (|| -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })()
    .with_context(|| format!("cannot write {}", path.display()))
}

fn parse_fixed(m: &Value) -> anyhow::Result<FixedChoices> {
    let num = |v: &Value, what: &str| -> anyhow::Result<usize> {
        v.as_u64()
            .map(|n| n as usize)
            .with_context(|| format!("the manifest lacks {what}"))
    };
    Ok(FixedChoices {
        rows_per_chunk: num(&m["plan"]["rows_per_chunk"], "plan.rows_per_chunk")?,
        chunks: num(&m["plan"]["chunks"], "plan.chunks")?,
        ref_yx: (
            num(&m["reference"]["y"], "reference.y")?,
            num(&m["reference"]["x"], "reference.x")?,
        ),
        ref_how: m["reference"]["how"].as_str().unwrap_or("").to_string(),
    })
}

/// Human-readable differences between a manifest and the identity of a new invocation.
/// What differs between the run recorded in `run_dir` and `identity` (empty when there is no
/// readable earlier run or it has the same identity). Takes no lock.
pub fn changes_since(run_dir: &Path, identity: &RunIdentity) -> Vec<String> {
    let path = state_dir(run_dir).join(MANIFEST);
    let Ok(text) = fs::read_to_string(&path) else {
        return Vec::new();
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(m) => differences(&m, identity),
        Err(_) => vec![format!("{} is not valid JSON", path.display())],
    }
}

fn differences(m: &Value, identity: &RunIdentity) -> Vec<String> {
    let mut out = Vec::new();
    if m["format_version"].as_u64() != Some(FORMAT_VERSION) {
        out.push("it was written by another version of sbas".to_string());
        return out;
    }
    if m["stack"].as_str() != Some(identity.stack.as_str()) {
        out.push(format!(
            "stack: was {}, now {}",
            m["stack"].as_str().unwrap_or("?"),
            identity.stack
        ));
    }
    for (k, v) in &identity.settings {
        let old = m["settings"][k].as_str().unwrap_or("(unset)");
        if old != v {
            out.push(format!("{k}: was {old}, now {v}"));
        }
    }
    // Settings recorded only when given (e.g. a subset) must also match when now left out.
    if let Some(recorded) = m["settings"].as_object() {
        for (k, old) in recorded {
            if !identity.settings.iter().any(|(n, _)| n == k) {
                out.push(format!(
                    "{k}: was {}, now (unset)",
                    old.as_str().unwrap_or("?")
                ));
            }
        }
    }
    let old: Vec<(String, u64, String)> = m["inputs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    Some((
                        e[0].as_str()?.to_string(),
                        e[1].as_u64()?,
                        e[2].as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut changed_inputs = Vec::new();
    for f in &identity.inputs {
        match old.iter().find(|o| o.0 == f.path) {
            None => changed_inputs.push(format!("added {}", f.path)),
            Some(o) if o.1 != f.size => changed_inputs.push(format!(
                "{} changed size ({} -> {} bytes)",
                f.path, o.1, f.size
            )),
            Some(o) if o.2 != f.mtime_ns.to_string() => {
                changed_inputs.push(format!("{} was modified", f.path))
            }
            Some(_) => {}
        }
    }
    for o in &old {
        if !identity.inputs.iter().any(|f| f.path == o.0) {
            changed_inputs.push(format!("removed {}", o.0));
        }
    }
    let n = changed_inputs.len();
    out.extend(
        changed_inputs
            .into_iter()
            .take(5)
            .map(|s| format!("input {s}")),
    );
    if n > 5 {
        out.push(format!("... and {} more input changes", n - 5));
    }
    out
}

/// A summary of a run folder's state for `sbas info`, without taking the lock.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The manifest as stored.
    pub manifest: Value,
    /// Chunks durable.
    pub done: usize,
    /// Chunks planned.
    pub chunks: usize,
    /// Finalized.
    pub complete: bool,
    /// Whether another process holds the lock now.
    pub running: bool,
    /// Number of parts the run is split into, when it is.
    pub parts: Option<usize>,
    /// Progress of each part of `parts` (owned chunks, durable ones, running now).
    pub part_progress: Vec<PartProgress>,
}

/// How far one part of a split run got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartProgress {
    /// The part.
    pub part: crate::parts::Part,
    /// Chunks it owns.
    pub owned: usize,
    /// Of those, durable (written by it or by any other process).
    pub done: usize,
    /// Whether a process runs it now.
    pub running: bool,
}

/// Whether a process holds the lock file at `path` now (without taking it).
fn held(path: &Path, shared_ok: bool) -> bool {
    match File::open(path) {
        Ok(f) => {
            let res = if shared_ok {
                f.try_lock_shared()
            } else {
                f.try_lock()
            };
            matches!(res, Err(fs::TryLockError::WouldBlock))
        }
        Err(_) => false,
    }
}

/// Reads a run folder's state; `None` when it holds no sbas run state.
pub fn summarize(run_dir: &Path) -> anyhow::Result<Option<RunSummary>> {
    let dir = state_dir(run_dir);
    let path = dir.join(MANIFEST);
    if !path.exists() {
        return Ok(None);
    }
    let text =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let manifest: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    let fixed = parse_fixed(&manifest).with_context(|| format!("{} is damaged", path.display()))?;
    let done = read_all_done(run_dir, fixed.chunks)?;
    let parts = recorded_parts(run_dir)?;
    let part_progress = parts
        .into_iter()
        .flat_map(|n| (1..=n).map(move |i| crate::parts::Part { index: i, count: n }))
        .map(|part| {
            let owned = part.chunks(fixed.chunks);
            PartProgress {
                part,
                done: owned.iter().filter(|c| done.contains(c)).count(),
                owned: owned.len(),
                running: held(&part_file(run_dir, part, "lock"), false),
            }
        })
        .collect();
    Ok(Some(RunSummary {
        complete: manifest["complete"].as_bool().unwrap_or(false),
        manifest,
        done: done.len(),
        chunks: fixed.chunks,
        running: held(&dir.join(LOCK), true),
        parts,
        part_progress,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(weight: &str, size: u64) -> RunIdentity {
        RunIdentity {
            stack: "/data/stack".into(),
            settings: vec![("weight".into(), weight.into())],
            inputs: vec![FileStamp {
                path: "/data/stack/a.unw".into(),
                size,
                mtime_ns: 5,
            }],
        }
    }

    fn fixed() -> FixedChoices {
        FixedChoices {
            rows_per_chunk: 10,
            chunks: 4,
            ref_yx: (3, 4),
            ref_how: "given".into(),
        }
    }

    #[test]
    fn resumes_records_and_refuses_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let id = identity("var", 100);
        let Opened::Fresh(lock) = RunState::open(dir, &id, false, &[]).unwrap() else {
            panic!("expected a fresh run")
        };
        let mut st = RunState::create(dir, lock, &id, fixed()).unwrap();
        // A second process is refused while the first holds the lock.
        let err = RunState::open(dir, &id, false, &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("another sbas process"), "{err}");
        st.mark_done(2).unwrap();
        st.mark_done(0).unwrap();
        drop(st);
        // A torn append (killed mid-write) is ignored.
        let mut f = open_append(&dir.join(STATE_DIR).join(DONE_LOG)).unwrap();
        write!(f, "3").unwrap();
        drop(f);
        let Opened::Resume(st) = RunState::open(dir, &id, false, &[]).unwrap() else {
            panic!("expected a resume")
        };
        assert_eq!(st.done.iter().copied().collect::<Vec<_>>(), vec![0, 2]);
        assert_eq!(st.fixed, fixed());
        assert!(!st.complete);
        drop(st);
        let err = format!(
            "{:#}",
            RunState::open(dir, &identity("no", 100), false, &[]).unwrap_err()
        );
        assert!(
            err.contains("weight: was var, now no") && err.contains("--restart"),
            "{err}"
        );
        let err = format!(
            "{:#}",
            RunState::open(dir, &identity("var", 99), false, &[]).unwrap_err()
        );
        assert!(err.contains("a.unw changed size"), "{err}");
        let s = summarize(dir).unwrap().unwrap();
        assert_eq!(
            (s.done, s.chunks, s.complete, s.running),
            (2, 4, false, false)
        );
        fs::create_dir_all(dir.join("sbas.zarr")).unwrap();
        let Opened::Fresh(_lock) =
            RunState::open(dir, &identity("no", 1), true, &["sbas.zarr"]).unwrap()
        else {
            panic!("--restart must start afresh")
        };
        assert!(summarize(dir).unwrap().is_none());
        assert!(!dir.join("sbas.zarr").exists());
    }
}
