/**
 * Simulated hosts for the multi-host spec: one Linux network namespace per
 * host, each with its own address on a bridge that lives in a namespace of
 * its own (the "switch"), its own `/etc/hosts` (`ip netns exec` mounts
 * `/etc/netns/<name>/hosts` over it) and its own loopback. All traffic stays
 * between these namespaces: nothing is routed to the machine's own network.
 *
 * Everything is named with a per-run id, so a run never collides with the
 * leftovers of another, and {@link Hosts.destroy} deletes what it created
 * (processes first, because a namespace lives as long as a process in it).
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** One simulated host. */
export interface Host {
  /** The organisation key it runs (also its host-name prefix). */
  key: string;
  /** Its network namespace. */
  ns: string;
  /** Its address on the bridge. */
  address: string;
  /** Its host name, known to every host's `/etc/hosts`. */
  hostname: string;
  /** The switch side of its link: setting it down cuts the host off. */
  switchPort: string;
}

/** The output of a command run on a host. */
export interface HostRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The `ip` program, or a clear failure that says what is missing. */
function ipProgram(): string {
  for (const candidate of ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']) {
    try {
      execFileSync(candidate, ['-V'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    "the multi-host spec needs iproute2's `ip` (Debian package iproute2): install it, or opt out with LOTLINE_SKIP_MULTIHOST=1",
  );
}

/** The simulated hosts of one test run. */
export class Hosts {
  readonly hosts: Host[];
  private readonly ip = ipProgram();
  private readonly switchNs: string;
  private created: string[] = [];

  /** Plans hosts for the given organisation keys on 10.231.0.0/24, with host names `<key>.<domain>`. */
  constructor(keys: string[], domain = 'lotline.test') {
    const run = randomBytes(2).toString('hex');
    this.switchNs = `llsw-${run}`;
    this.hosts = keys.map((key, index) => ({
      key,
      ns: `llh-${run}-${key}`,
      address: `10.231.0.${11 + index}`,
      hostname: `${key}.${domain}`,
      switchPort: `v${run}${index}s`,
    }));
  }

  host(key: string): Host {
    const found = this.hosts.find((h) => h.key === key);
    if (!found) throw new Error(`no simulated host for ${key}`);
    return found;
  }

  private ipSync(args: string[]): void {
    try {
      execFileSync(this.ip, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
      throw new Error(`ip ${args.join(' ')} failed: ${stderr || (error as Error).message}`, { cause: error });
    }
  }

  /**
   * Creates the switch and the hosts. Fails with a message that says what to
   * do when namespaces cannot be created (not root, no CAP_SYS_ADMIN).
   */
  create(): void {
    try {
      this.ipSync(['netns', 'add', this.switchNs]);
    } catch (error) {
      throw new Error(
        `cannot create a network namespace (${(error as Error).message}). The multi-host spec needs root (or CAP_NET_ADMIN and ` +
          'CAP_SYS_ADMIN) to simulate hosts; run the tests as root, or opt out explicitly with LOTLINE_SKIP_MULTIHOST=1',
        { cause: error },
      );
    }
    this.created.push(this.switchNs);
    this.ipSync(['-n', this.switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
    this.ipSync(['-n', this.switchNs, 'link', 'set', 'br0', 'up']);
    const hostsFile = ['127.0.0.1 localhost', ...this.hosts.map((h) => `${h.address} ${h.hostname}`)].join('\n');
    for (const h of this.hosts) {
      this.ipSync(['netns', 'add', h.ns]);
      this.created.push(h.ns);
      mkdirSync(path.join('/etc/netns', h.ns), { recursive: true });
      writeFileSync(path.join('/etc/netns', h.ns, 'hosts'), `${hostsFile}\n`);
      const hostSide = h.switchPort.replace(/s$/, 'h');
      this.ipSync(['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', h.switchPort]);
      this.ipSync(['link', 'set', hostSide, 'netns', h.ns]);
      this.ipSync(['link', 'set', h.switchPort, 'netns', this.switchNs]);
      this.ipSync(['-n', h.ns, 'link', 'set', hostSide, 'name', 'eth0']);
      this.ipSync(['-n', h.ns, 'addr', 'add', `${h.address}/24`, 'dev', 'eth0']);
      this.ipSync(['-n', h.ns, 'link', 'set', 'eth0', 'up']);
      this.ipSync(['-n', h.ns, 'link', 'set', 'lo', 'up']);
      this.ipSync(['-n', this.switchNs, 'link', 'set', h.switchPort, 'master', 'br0']);
      this.ipSync(['-n', this.switchNs, 'link', 'set', h.switchPort, 'up']);
    }
  }

  /** Cuts a host off the bridge (its processes keep running), or restores its link. */
  setLink(key: string, up: boolean): void {
    this.ipSync(['-n', this.switchNs, 'link', 'set', this.host(key).switchPort, up ? 'up' : 'down']);
  }

  /** Runs a program on a host with exactly `env`; never throws on a non-zero exit. */
  run(
    key: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    options: { cwd?: string; timeoutMs?: number } = {},
  ): Promise<HostRun> {
    const started = Date.now();
    return new Promise((resolve) => {
      const child = spawn(this.ip, ['netns', 'exec', this.host(key).ns, command, ...args], {
        env,
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        stderr += `\n(killed after ${options.timeoutMs} ms)`;
        child.kill('SIGKILL');
      }, options.timeoutMs ?? 300_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, stdout, stderr, ms: Date.now() - started });
      });
    });
  }

  /** The pids of the processes in a host's namespace. */
  async pids(key: string): Promise<number[]> {
    try {
      const { stdout } = await execFileAsync(this.ip, ['netns', 'pids', this.host(key).ns]);
      return stdout.split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** Kills what still runs in the namespaces and deletes them and their `/etc/netns` folders. */
  async destroy(): Promise<string[]> {
    const problems: string[] = [];
    for (const h of this.hosts) {
      for (const pid of await this.pids(h.key)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    for (const ns of this.created.reverse()) {
      // A namespace can stay busy for a moment after its last process was killed.
      let deleted = false;
      for (let attempt = 0; attempt < 20 && !deleted; attempt += 1) {
        try {
          execFileSync(this.ip, ['netns', 'del', ns], { stdio: 'ignore' });
          deleted = true;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
      if (!deleted) problems.push(`network namespace ${ns} could not be deleted: ip netns del ${ns}`);
      rmSync(path.join('/etc/netns', ns), { recursive: true, force: true });
    }
    this.created = [];
    return problems;
  }
}
