import { readdirSync, readFileSync } from 'node:fs';

/**
 * Pids of processes whose command line mentions `needle` (e.g. `--user-data-dir=<dir>`), from /proc.
 * Linux only, which is where workers run; elsewhere it finds nothing.
 */
export function findProcessesMentioning(needle: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(needle)) pids.push(pid);
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

function processGroupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgid = Number(fields[2]);
    return Number.isInteger(pgid) && pgid > 0 ? pgid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Kills every Chromium using `userDataDir`, with its whole process group (puppeteer starts Chromium
 * detached, so its helpers share the browser's group, not ours). Covers what `client.destroy()` cannot:
 * a browser still being launched when the init timeout fired, or one orphaned by a SIGKILLed worker
 * (its profile lock would otherwise block the next start). Returns how many processes it signalled.
 */
export function killBrowsersUsing(userDataDir: string): number {
  const ownGroup = processGroupOf(process.pid);
  const pids = findProcessesMentioning(`--user-data-dir=${userDataDir}`);
  for (const pid of pids) {
    const pgid = processGroupOf(pid);
    try {
      if (pgid !== undefined && pgid !== ownGroup) process.kill(-pgid, 'SIGKILL');
      else process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids.length;
}
