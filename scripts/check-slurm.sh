#!/usr/bin/env bash
# Scale-out check on a real (single-node) SLURM cluster: installs Debian's slurm-wlm and munge if
# missing, configures slurmctld + slurmd on localhost (6 CPUs declared: the 4 parts and
# a duplicate run at once), and
#   1. runs a 4-part array on a simulated stack through the scripts `sbas slurm --submit` writes
#      and compares `sbas info --checksum` with a single-process run;
#   2. runs it again, cancels one part mid-run with `scancel`, checks that finalize refuses and
#      names that part, that a second job claiming a running part is refused, that a part with
#      changed settings is refused, resubmits the cancelled part alone (`sbatch --array=I`),
#      finalizes, and compares again;
#   3. runs a MintPy template (`sbas run`) as a 4-part array through `sbas slurm --submit ... run
#      TEMPLATE` and compares every product file with a plain `sbas run`, byte for byte.
#
#   scripts/check-slurm.sh [WORK_DIR]      (default: a temporary folder; needs root for apt-get
#                                           and the daemons)
#
# Uses target/debug/sbas (or $SBAS_BIN). Prints PASS/FAIL per check and the time taken; exits
# non-zero on any failure. Leaves the daemons running (`scontrol shutdown` stops slurmctld and
# slurmd).
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
SBAS_BIN=$(readlink -f "${SBAS_BIN:-target/debug/sbas}")
[ -x "$SBAS_BIN" ] || { echo "no sbas binary at $SBAS_BIN (cargo build --bin sbas)"; exit 1; }
sbas() { "$SBAS_BIN" "$@"; }
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# --- the cluster ---------------------------------------------------------------------------
if ! dpkg -s slurm-wlm munge >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null
fi
host=$(hostname -s)
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
fi
mkdir -p /run/munge /var/log/munge /var/lib/munge && chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! munge -n </dev/null >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged
  sleep 1
fi
conf=/etc/slurm/slurm.conf
want_conf=$(cat <<EOF
# written by sbas scripts/check-slurm.sh: a single-node test cluster
ClusterName=sbascheck
SlurmctldHost=$host
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
MpiDefault=none
ReturnToService=2
MinJobAge=600
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=6 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
)
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
if [ "$(cat "$conf" 2>/dev/null)" != "$want_conf" ]; then
  echo "$want_conf" > "$conf"
  scontrol shutdown >/dev/null 2>&1 || true
  [ -s /run/slurmd.pid ] && kill "$(cat /run/slurmd.pid)" 2>/dev/null || true
  sleep 2
fi
running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
running /run/slurmctld.pid || slurmctld
running /run/slurmd.pid || slurmd
for _ in $(seq 60); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  case "$state" in idle*|mix*|alloc*) break ;; down*|drain*) scontrol update nodename="$host" state=resume || true ;; esac
  sleep 1
done
echo "cluster: node $host $(sinfo -h -n "$host" -o '%T, %c CPUs')"
t_cluster=$(date +%s)

# Waits until job $1 (and every task of an array) has left the queue; prints its final states.
wait_job() {
  while [ -n "$(squeue -h -j "$1" 2>/dev/null)" ]; do sleep 1; done
  scontrol show job "$1" 2>/dev/null | awk -F'[= ]' '/JobState=/ {for (i=1;i<=NF;i++) if ($i=="JobState") print $(i+1)}' | sort | uniq -c | tr '\n' ' '
}

# --- the stack and the single-process reference ------------------------------------------
stack="$work/stack"
[ -d "$stack" ] || sbas simulate "$stack" --rows 600 --cols 200 --dates 20 --neighbors 3 --seed 7 >/dev/null
args=(--max-memory 50MiB --sync-every 0 --threads 1)
rm -rf "$work/single"
sbas invert "$stack" --out "$work/single" "${args[@]}" -q
want=$(sbas info "$work/single" --checksum | awk '/^checksum:/ {print $2}')
echo "single process: checksum $want"

# --- 1: a 4-part array through `sbas slurm --submit` -------------------------------------
cd "$work"
rm -rf run1
ids=$(sbas slurm --parts 4 --submit stack --out run1 "${args[@]}")
echo "$ids" | tr '\n' ' '; echo
fin=$(echo "$ids" | awk '/^finalize.sbatch/ {print $3}')
echo "finalize job: $(wait_job "$fin")"
got=$(sbas info run1 --checksum | awk '/^checksum:/ {print $2}')
[ "$got" = "$want" ] && pass "4-part array equals the single-process run ($got)" \
  || { fail "4-part array: checksum $got, want $want"; cat run1/logs/*.out | tail -20; }
t_array=$(date +%s)

# --- 2: scancel one part mid-run, resubmit it --------------------------------------------
rm -rf run2
sbas slurm --parts 4 stack --out run2 "${args[@]}" >/dev/null
p=$(sbatch --parsable run2/prepare.sbatch | cut -d';' -f1)
a=$(sbatch --parsable --dependency=afterok:"$p" run2/parts.sbatch | cut -d';' -f1)
victim=2
log=run2/.sbas/parts/$victim-of-4.done
for _ in $(seq 600); do
  [ -s "$log" ] && break
  sleep 0.1
done
# Freeze the part mid-run (SIGSTOP: it keeps its lock), so that a second job claiming it must
# overlap it and be refused; then cancel it, as a node failure or a time limit would.
scontrol suspend "${a}_$victim"
dup=$(sbatch --parsable --array=$victim run2/parts.sbatch | cut -d';' -f1)
wait_job "$dup" >/dev/null
grep -qs "already being run by another process" run2/logs/part-$victim-"$dup".out \
  && pass "a second job on a running part is refused" \
  || fail "duplicate part job: $(cat run2/logs/part-$victim-"$dup".out 2>/dev/null)"
scancel "${a}_$victim"
echo "cancelled ${a}_$victim after $(wc -l < "$log") of its chunks were durable"
echo "array: $(wait_job "$a")"
out=$(sbas finalize run2 2>&1) && fail "finalize with a part missing succeeded: $out" \
  || { echo "$out" | grep -q "part $victim/4: chunk" && pass "finalize refuses, naming part $victim/4" \
       || fail "finalize before all parts: $out"; }
chg=$(sbatch --parsable --array=1 --wrap "exec $SBAS_BIN invert stack --out run2 ${args[*]} --weight no --part \${SLURM_ARRAY_TASK_ID}/4" -o "$work/run2/logs/changed-%A.out" | cut -d';' -f1)
wait_job "$chg" >/dev/null
grep -qs "weight: was var, now no" run2/logs/changed-"$chg".out && pass "a part with changed settings is refused" \
  || fail "changed-settings part: $(cat run2/logs/changed-"$chg".out 2>/dev/null)"
r=$(sbatch --parsable --array=$victim run2/parts.sbatch | cut -d';' -f1)
f=$(sbatch --parsable --dependency=afterok:"$r" run2/finalize.sbatch | cut -d';' -f1)
echo "resubmitted part $victim: $(wait_job "$r"); finalize: $(wait_job "$f")"
echo "  $(grep -h 'chunks to invert' run2/logs/part-$victim-"$r".out)"
got=$(sbas info run2 --checksum | awk '/^checksum:/ {print $2}')
[ "$got" = "$want" ] && pass "cancelled and resubmitted part: still equal ($got)" \
  || { fail "after scancel + resubmit: checksum $got, want $want"; tail -5 run2/logs/*.out; }
t_end=$(date +%s)

# --- 3: a template run (`sbas run`) through `sbas slurm --submit ... run TEMPLATE` ---------
# Work folders beside the stack: the template's paths are relative to the work folder.
cat > "$work/template.txt" <<'EOF'
mintpy.load.processor      = isce
mintpy.load.unwFile        = ../stack/merged/interferograms/*/filt*.unw
mintpy.load.corFile        = ../stack/merged/interferograms/*/filt*.cor
mintpy.load.demFile        = ../stack/merged/geom_reference/hgt.rdr
mintpy.load.lookupYFile    = ../stack/merged/geom_reference/lat.rdr
mintpy.load.lookupXFile    = ../stack/merged/geom_reference/lon.rdr
mintpy.load.incAngleFile   = ../stack/merged/geom_reference/los.rdr
mintpy.load.baselineDir    = ../stack/baselines
mintpy.compute.maxMemory   = 0.05
mintpy.troposphericDelay.method = no
mintpy.deramp              = linear
mintpy.save.kmz            = no
mintpy.plot                = no
EOF
rm -rf tpl_single tpl_run
sbas run template.txt --dir tpl_single --threads 1 -q
ids=$(sbas slurm --parts 4 --submit run template.txt --dir tpl_run --threads 1 -q)
# Three stages of parts (inversion, DEM error, velocity), each closed by a finalize: wait for
# the last finalize.
fin=$(echo "$ids" | awk '/^finalize.sbatch/ {id=$3} END {print id}')
[ "$(echo "$ids" | grep -c '^parts.sbatch')" = 3 ] && pass "the template run is submitted in 3 stages" \
  || fail "template run stages: $ids"
echo "template run: finalize job $(wait_job "$fin")"
differ=$(cd tpl_single && find . -type f -not -path './.sbas/*' | sort | while read -r f; do
  cmp -s "$f" "../tpl_run/$f" || echo "$f"; done)
n=$(cd tpl_single && find . -type f -not -path './.sbas/*' | wc -l)
[ -z "$differ" ] && [ "$n" -gt 10 ] && pass "4-part template run equals the plain sbas run byte for byte ($n files)" \
  || { fail "template run: files differ: $differ"; tail -5 tpl_run/logs/*.out; }
for step in correct_topography velocity; do
  logs=$(ls tpl_run/.sbas/parts/$step/*-of-4.done 2>/dev/null | wc -l)
  strips=$(cat tpl_run/.sbas/parts/$step/*-of-4.done 2>/dev/null | grep -vc '^#')
  [ "$logs" = 4 ] && [ "$strips" -ge 4 ] && pass "$step ran in the 4 parts ($strips strips)" \
    || fail "$step: $logs part logs, $strips strips"
done
t_tpl=$(date +%s)
echo "time: cluster setup $((t_cluster - t0)) s, 4-part array $((t_array - t_cluster)) s, scancel check $((t_end - t_array)) s, template run $((t_tpl - t_end)) s, total $((t_tpl - t0)) s"
[ "$fails" = 0 ] && echo "all checks passed" || { echo "$fails checks failed"; exit 1; }
