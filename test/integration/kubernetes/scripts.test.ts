// The shell scripts (shellcheck for all of them), and those around the Kubernetes runtime: argument and prerequisite checks,
// and the public IP detection with its fallbacks (served by local HTTP servers on 127.0.0.1).
// install-k3s.sh cannot run here (no k3s binary can be fetched), so every case below stops at a
// check before anything is installed or applied; bootstrap-cluster.sh runs for real against the
// test cluster in test/e2e/kubernetes/builder-in-cluster.test.ts.
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pathWith, removeFakePaths } from '../../helpers/fake-path.js';
import { PROJECT_ROOT } from '../../helpers/k8s-cluster.js';

const SCRIPTS = ['install-k3s.sh', 'setup-registry.sh', 'bootstrap-cluster.sh', 'k8s-test-cluster.sh'].map((s) => join(PROJECT_ROOT, 'scripts', s));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 60_000, cwd }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

afterAll(removeFakePaths);

const BASIC = ['bash', 'dirname', 'sed', 'cat', 'id', 'tr', 'head', 'awk', 'grep', 'basename', 'readlink'];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function closedPortUrl(): Promise<string> {
  const { url, server } = await serve(() => undefined);
  await new Promise((r) => server.close(r));
  return url;
}

describe('shell scripts', () => {
  it('pass shellcheck, every one in scripts/ (sourced files followed)', async () => {
    const all = readdirSync(join(PROJECT_ROOT, 'scripts'))
      .filter((f) => f.endsWith('.sh'))
      .map((f) => join('scripts', f));
    expect(all).toEqual(
      expect.arrayContaining(['scripts/start.sh', 'scripts/install.sh', 'scripts/services.sh', ...SCRIPTS.map((s) => s.slice(PROJECT_ROOT.length + 1))]),
    );
    // The build image's entrypoint (busybox sh) too.
    const r = await run('shellcheck', ['--severity=style', '--external-sources', ...all, 'deploy/buildkit/slipway-build'], {}, PROJECT_ROOT);
    expect(r.stderr, 'shellcheck must be installed (apt-get install shellcheck)').not.toMatch(/ENOENT|not found/);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('refuse unknown arguments with their usage', async () => {
    for (const script of SCRIPTS) {
      const r = await run(script, ['--no-such-option']);
      expect(r.code, script).not.toBe(0);
      expect(r.stderr, script).toMatch(/unknown (argument|command)/);
    }
  });
});

describe('install-k3s.sh', () => {
  const script = SCRIPTS[0]!;
  it('checks its arguments', async () => {
    const r = await run(script, ['--k3s-version', 'latest']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"latest" is not a k3s release such as v1.33.5+k3s1');
    expect((await run(script, ['--k3s-version'])).stderr).toContain('--k3s-version needs a value');
  });
  it('--registries-only writes the mirror a joining node pulls registry.slipway.internal:5000 through, with the registry’s credentials, and installs nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-k3s-'));
    try {
      const file = join(dir, 'rancher', 'registries.yaml');
      const kept = join(dir, 'etc', 'registry-credentials');
      const env = { SLIPWAY_K3S_REGISTRIES_YAML: file, SLIPWAY_REGISTRY_CREDENTIALS_FILE: kept };
      // A k3s installer that would run is a fake that fails: the option must never reach it.
      const tools = pathWith([...BASIC, 'mkdir', 'mv', 'diff'], { curl: 'exit 1', systemctl: 'exit 1', k3s: 'exit 1' });
      // A joining node cannot make up the credentials: they are the first server's.
      const without = await run(script, ['--registries-only'], { PATH: tools, ...env });
      expect(without.code).toBe(1);
      expect(without.stderr).toContain("a joining node needs the registry's credentials");
      expect(existsSync(file)).toBe(false);
      const copied = join(dir, 'from-server');
      writeFileSync(copied, 'has space:short\n');
      expect((await run(script, ['--registries-only', '--registry-credentials', copied], { PATH: tools, ...env })).stderr).toContain(
        'is not one line USER:PASSWORD',
      );
      writeFileSync(copied, 'slipway:Abc-def_ghi.jkl~mno123\n');
      const r = await run(script, ['--registries-only', '--registry-credentials', copied], { PATH: tools, ...env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('join this node now');
      const yaml = readFileSync(file, 'utf8');
      expect(yaml).toMatch(/"registry\.slipway\.internal:5000":\n\s+endpoint:\n\s+- "http:\/\/127\.0\.0\.1:30500"/);
      expect(yaml).toMatch(/"127\.0\.0\.1:30500":\n\s+auth:\n\s+username: "slipway"\n\s+password: "Abc-def_ghi\.jkl~mno123"/);
      // Both hold the password: root only.
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(kept).mode & 0o777).toBe(0o600);
      expect(readFileSync(kept, 'utf8')).toBe('slipway:Abc-def_ghi.jkl~mno123\n');
      // Run again (the kept copy is enough now): nothing changes.
      expect((await run(script, ['--registries-only'], { PATH: tools, ...env })).stdout).not.toContain('wrote');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('stops at the first missing prerequisite with a readable message', async () => {
    const r = await run(script, [], { PATH: pathWith(BASIC) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: (curl is not installed|run as root)/m);
  });
});

describe('setup-registry.sh', () => {
  it('needs kubectl', async () => {
    const r = await run(SCRIPTS[1]!, [], { PATH: pathWith(BASIC) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('kubectl is not installed (k3s provides it: run scripts/install-k3s.sh first)');
  });
});

describe('bootstrap-cluster.sh', () => {
  const script = SCRIPTS[2]!;

  it('checks --ip and --domain', async () => {
    expect((await run(script, ['--ip', '300.1.2.3'])).stderr).toContain('--ip "300.1.2.3" is not an IPv4 address');
    expect((await run(script, ['--domain', 'Not_A_Domain'])).stderr).toContain('is not a DNS domain');
    expect((await run(script, ['detect-ip', 'extra'])).stderr).toContain('detect-ip takes no arguments');
  });

  it('names the first missing prerequisite: kubectl, then docker', async () => {
    const noKubectl = await run(script, ['--ip', '198.51.100.1'], { PATH: pathWith(BASIC) });
    expect(noKubectl.code).toBe(1);
    expect(noKubectl.stderr).toContain('error: kubectl is not installed');
    const noDocker = await run(script, ['--ip', '198.51.100.1'], { PATH: pathWith(BASIC, { kubectl: 'exit 0' }) });
    expect(noDocker.stderr).toContain('error: docker is not installed');
    const cluster = await run(script, ['--ip', '198.51.100.1'], {
      PATH: pathWith([...BASIC, 'base64'], { kubectl: 'exit 1', docker: 'exit 0', curl: 'exit 1' }),
    });
    expect(cluster.stderr).toContain('error: the cluster is not reachable with the current kubeconfig');
  });

  describe('detect-ip', () => {
    const detect = (env: Record<string, string>) => run(script, ['detect-ip'], { SLIPWAY_PUBLIC_IP: '', ...env });

    it('takes SLIPWAY_PUBLIC_IP first, and checks it', async () => {
      expect((await detect({ SLIPWAY_PUBLIC_IP: '198.51.100.4' })).stdout).toBe('198.51.100.4\n');
      const bad = await detect({ SLIPWAY_PUBLIC_IP: '198.51.100' });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('is not an IPv4 address');
    });

    it('asks the EC2 instance metadata with an IMDSv2 token', async () => {
      const imds = await serve((req, res) => {
        if (req.method === 'PUT' && req.url === '/latest/api/token' && req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return void res.end('tok123');
        if (req.url === '/latest/meta-data/public-ipv4' && req.headers['x-aws-ec2-metadata-token'] === 'tok123') return void res.end('198.51.100.10');
        res.statusCode = 401;
        res.end();
      });
      try {
        const r = await detect({ SLIPWAY_IMDS_URL: imds.url, SLIPWAY_IP_ECHO_URLS: '' });
        expect(r.stdout).toBe('198.51.100.10\n');
        expect(r.stderr).toContain('EC2 instance metadata');
      } finally {
        imds.server.close();
      }
    });

    it('falls back to IMDSv1 when no token is given', async () => {
      const imds = await serve((req, res) => {
        if (req.method === 'GET' && req.url === '/latest/meta-data/public-ipv4') return void res.end('198.51.100.11\n');
        res.statusCode = 405;
        res.end();
      });
      try {
        expect((await detect({ SLIPWAY_IMDS_URL: imds.url, SLIPWAY_IP_ECHO_URLS: '' })).stdout).toBe('198.51.100.11\n');
      } finally {
        imds.server.close();
      }
    });

    it('then asks the IP echo services in order, skipping failures and answers that are not an IP', async () => {
      const echo = await serve((req, res) => res.end(req.url === '/html' ? '<html>blocked</html>' : '198.51.100.20\n'));
      try {
        const r = await detect({
          SLIPWAY_IMDS_URL: await closedPortUrl(),
          SLIPWAY_IP_ECHO_URLS: `${await closedPortUrl()}/ip ${echo.url}/html ${echo.url}/ip`,
        });
        expect(r.stdout).toBe('198.51.100.20\n');
        expect(r.stderr).toContain(`public IP from ${echo.url}/ip`);
      } finally {
        echo.server.close();
      }
    });

    it('last, uses a local address and says so', async () => {
      const r = await detect({ SLIPWAY_IMDS_URL: await closedPortUrl(), SLIPWAY_IP_ECHO_URLS: `${await closedPortUrl()}/ip` });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\.\d+\n$/);
      expect(r.stderr).toMatch(/warning: no public IP found; using the local address|from the local interfaces/);
    });
  });
});

describe('k8s-test-cluster.sh', () => {
  it("prints the running cluster's kubeconfig (the one these tests use)", async () => {
    const expected = process.env['SLIPWAY_TEST_KUBECONFIG'];
    expect(expected, 'SLIPWAY_TEST_KUBECONFIG is not set: start the cluster with scripts/k8s-test-cluster.sh up').toBeTruthy();
    const r = await run(SCRIPTS[3]!, ['env']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(`KUBECONFIG=${expected}`);
  });
});
