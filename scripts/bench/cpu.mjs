// CPU time per app process (/proc/<pid>/stat), of this process (load generator + fake model) and of the
// whole machine (/proc/stat), so a load level can say where its CPU went and whether the box was saturated.
import fs from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function procCpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) "
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
  } catch {
    return NaN;
  }
}

/** Write syscalls the process made so far (/proc/<pid>/io syscw): socket writes, for an app. */
function procWrites(pid) {
  try {
    return Number(/^syscw: (\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

function machineCpuMs() {
  try {
    const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const idle = ticks[3] + ticks[4]; // idle + iowait
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

const OURS = 'postgres (bench DB backends)';

/** PostgreSQL backends of one database (their process title names it), its shared background processes, NATS on :4222. */
function serverCpuMs(database) {
  const out = { [OURS]: 0, 'postgres (server, shared)': 0, 'nats-server (shared)': 0 };
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd;
    try {
      cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    let key;
    const backend = /^postgres: \S+: \S+ (\S+) (?:\[local\]|\S+\(\d+\))/.exec(cmd);
    if (backend)
      key = backend[1] === database ? OURS : null; // another database's backend: someone else's
    else if (/^postgres: /.test(cmd)) key = 'postgres (server, shared)';
    else if (/nats-server .*-p 4222\b/.test(cmd)) key = 'nats-server (shared)';
    if (key) out[key] += procCpuMs(entry) || 0;
  }
  return out;
}

export function cpuSnapshot(platform, database) {
  const apps = {};
  const writes = {};
  for (const app of platform.instances) {
    const pid = platform.pid(app);
    if (pid) {
      apps[app] = procCpuMs(pid);
      writes[app] = procWrites(pid);
    }
  }
  const self = process.cpuUsage();
  return { apps, writes, bench: (self.user + self.system) / 1000, servers: serverCpuMs(database), machine: machineCpuMs() };
}

/** CPU ms per turn for each app and the bench process, and how busy the machine's cores were. */
export function cpuReport(before, after, turns) {
  const perTurn = (ms) => (turns > 0 && Number.isFinite(ms) ? Math.round((ms / turns) * 100) / 100 : null);
  const msPerTurn = {};
  let appsTotal = 0;
  for (const [app, ms] of Object.entries(after.apps)) {
    const used = ms - (before.apps[app] ?? NaN);
    msPerTurn[app] = perTurn(used);
    if (Number.isFinite(used)) appsTotal += used;
  }
  msPerTurn['all six apps'] = perTurn(appsTotal);
  msPerTurn['bench (client + fake model)'] = perTurn(after.bench - before.bench);
  const busy = after.machine.busy - before.machine.busy;
  const total = after.machine.total - before.machine.total;
  let accounted = appsTotal + (after.bench - before.bench);
  for (const [name, ms] of Object.entries(after.servers)) {
    const used = ms - (before.servers[name] ?? 0); // a backend that exited in between is lost: a floor
    msPerTurn[name] = perTurn(used);
    accounted += used;
  }
  msPerTurn['other processes (not the bench)'] = perTurn(busy - accounted);
  msPerTurn['machine (everything)'] = perTurn(busy);
  const pct = (x) => (total > 0 ? Math.round((x / total) * 1000) / 10 : null);
  // Write syscalls per turn: each costs a few tens of µs of CPU here (the kernel runs the loopback
  // receiver's side in the writer's time), so their count is where batching shows.
  const writesPerTurn = {};
  let writesTotal = 0;
  for (const [app, n] of Object.entries(after.writes ?? {})) {
    const made = n - (before.writes?.[app] ?? NaN);
    writesPerTurn[app] = turns > 0 && Number.isFinite(made) ? Math.round((made / turns) * 10) / 10 : null;
    if (Number.isFinite(made)) writesTotal += made;
  }
  writesPerTurn['all six apps'] = turns > 0 ? Math.round((writesTotal / turns) * 10) / 10 : null;
  return { msPerTurn, writesPerTurn, machineBusyPct: pct(busy), otherBusyPct: pct(busy - accounted) };
}
