// The `slipway` command against a data folder: apps and tokens.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { composePipeline } from '../../../src/compose.js';
import { authenticateToken } from '../../../src/auth/authenticate-token.js';

const root = join(import.meta.dirname, '..', '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'slipway-cli-'));
// No saved login (this machine's user may have one): `apps list|create` use the data folder.
const noLogin = mkdtempSync(join(tmpdir(), 'slipway-cli-xdg-'));
const slipway = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'dist', 'src', 'main.js'), ...args], {
    env: { PATH: process.env.PATH, SLIPWAY_DATA_DIR: dataDir, SLIPWAY_LOG_LEVEL: 'warn', XDG_CONFIG_HOME: noLogin },
    encoding: 'utf8',
  });

describe('slipway CLI', () => {
  it('creates, lists and deletes apps', () => {
    const created = slipway('apps', 'create', 'blog', '--template', 'static-site', '--description', 'my blog');
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/created blog \(static-site\)/);
    expect(created.stdout).toMatch(/git clone http:\/\/localhost:8080\/git\/blog\.git/);
    // The command closes the pipeline in order: the first pass it started is stopped, not cut off by a closed database.
    expect(created.stderr).not.toMatch(/reconcile pass failed|database connection is not open/);
    const list = slipway('apps', 'list', '--json');
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'blog', template: 'static-site', description: 'my blog' })]);
    const refused = slipway('apps', 'delete', 'blog');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(slipway('apps', 'delete', 'blog', '--yes').status).toBe(0);
    expect(existsSync(join(dataDir, 'repos', 'blog.git'))).toBe(false);
    expect(slipway('apps', 'list').stdout).toMatch(/no apps yet/);
  });

  // Twelve `slipway` processes, each opening the data folder: a minute or more on a busy two-core machine.
  it('adds, lists and removes custom domains (production when no environment is named), saying why one is refused', { timeout: 180_000 }, () => {
    expect(slipway('apps', 'create', 'shop', '--template', 'static-site').status).toBe(0);
    const added = slipway('domains', 'add', 'shop', 'Shop.Example.com');
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toBe('added shop.example.com to shop (prod)\n');
    expect(slipway('domains', 'add', 'shop', 'preview', 'beta.shop.example.com').stdout).toBe('added beta.shop.example.com to shop (preview)\n');
    expect(slipway('domains', 'list', 'shop').stdout).toMatch(
      /^beta\.shop\.example\.com +preview +certificate off\nshop\.example\.com +prod +certificate off\n$/,
    );
    expect(JSON.parse(slipway('domains', 'list', 'shop', '--json').stdout)).toEqual([
      expect.objectContaining({ domain: 'beta.shop.example.com', app: 'shop', environment: 'preview', certificate: { state: 'off' } }),
      expect.objectContaining({ domain: 'shop.example.com', app: 'shop', environment: 'prod' }),
    ]);
    const refused = slipway('domains', 'add', 'shop', 'blog.localhost');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/production host Slipway gives app "blog"/);
    expect(slipway('domains', 'add', 'shop', 'staging', 'x.example.com').stderr).toMatch(/no environment named staging/);
    expect(slipway('domains', 'remove', 'shop', 'shop.example.com').stdout).toBe('removed shop.example.com from shop (prod)\n');
    expect(slipway('domains', 'remove', 'shop', 'shop.example.com').stderr).toMatch(/not a custom domain of shop/);
    expect(slipway('apps', 'delete', 'shop', '--yes').status).toBe(0);
    expect(slipway('domains', 'list', 'shop').stderr).toMatch(/no app named shop/);
  });

  it('deletes only apps: a name with ../ is refused, and nothing outside the data folder is removed', () => {
    const parent = mkdtempSync(join(tmpdir(), 'slipway-cli-decoy-'));
    mkdirSync(join(parent, 'victim.git'));
    writeFileSync(join(parent, 'victim.git', 'keep.txt'), 'not Slipway’s\n');
    try {
      const escape = relative(join(dataDir, 'repos'), join(parent, 'victim'));
      const r = slipway('apps', 'delete', escape, '--yes');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/invalid app name/);
      expect(existsSync(join(parent, 'victim.git', 'keep.txt'))).toBe(true);
      const unknown = slipway('apps', 'delete', 'nobody', '--yes');
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toMatch(/no app named nobody/);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('keeps the data folder private: created so, and closed when it was open to others', () => {
    const parent = mkdtempSync(join(tmpdir(), 'slipway-cli-private-'));
    const fresh = join(parent, 'new-data');
    const run = (dir: string) =>
      spawnSync(process.execPath, [join(root, 'dist', 'src', 'main.js'), 'apps', 'list'], {
        env: { PATH: process.env.PATH, SLIPWAY_DATA_DIR: dir, SLIPWAY_LOG_LEVEL: 'info' },
        encoding: 'utf8',
      });
    expect(run(fresh).status).toBe(0);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    const open = mkdtempSync(join(tmpdir(), 'slipway-cli-open-'));
    chmodSync(open, 0o755);
    const r = run(open);
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(open).mode & 0o777).toBe(0o700);
    expect(r.stderr + r.stdout).toMatch(/open to other users; it is private now/);
  });

  it('says what is wrong with a bad name or template, exiting 1', () => {
    const bad = slipway('apps', 'create', 'Admin', '--template', 'static-site');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/invalid app name "Admin"/);
    const tpl = slipway('apps', 'create', 'fine', '--template', 'nope');
    expect(tpl.stderr).toMatch(/unknown template "nope"/);
  });

  it('creates a token that the server accepts; only its hash is stored', async () => {
    const r = slipway('token', 'create', '--name', 'ci');
    expect(r.status).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^slw_/);
    const { deps } = await composePipeline(loadConfig({ SLIPWAY_DATA_DIR: dataDir, SLIPWAY_LOG_LEVEL: 'silent' }));
    // Without --person, the token is the admin person's.
    expect(authenticateToken(deps, token)).toMatchObject({ name: 'admin', tokenName: 'ci', grant: { admin: true } });
    expect(JSON.stringify(deps.store.db.prepare('SELECT * FROM tokens').all())).not.toContain(token);
    deps.store.close();
  });

  it('manages people, roles and narrowed tokens, and records who did it', async () => {
    expect(slipway('apps', 'create', 'crm', '--template', 'static-site').status).toBe(0);
    expect(slipway('person', 'create', 'dana', '--email', 'dana@example.com').stdout).toMatch(/^added dana \(per_/);
    expect(slipway('person', 'grant', 'dana', 'crm', 'developer').stdout).toBe('dana is developer of crm\n');
    expect(slipway('person', 'grant', 'dana', 'crm', 'owner').stderr).toMatch(/the roles are viewer, developer and releaser/);
    const made = slipway('token', 'create', '--name', 'ci', '--person', 'dana', '--app', 'crm', '--scope', 'git:push', 'read', '--expires', '30');
    expect(made.status, made.stderr).toBe(0);
    const list = JSON.parse(slipway('token', 'list', '--person', 'dana', '--json').stdout) as Record<string, unknown>[];
    expect(list).toEqual([expect.objectContaining({ name: 'ci', person: 'dana', app: 'crm', scopes: ['git:push', 'read'], expiresAt: expect.any(String) })]);
    expect(JSON.stringify(list)).not.toContain(made.stdout.trim());
    expect(slipway('person', 'list').stdout).toMatch(/dana\s+crm:developer/);
    expect(slipway('token', 'revoke', 'ci', '--person', 'dana').stdout).toMatch(/^revoked ci \(tok_/);
    expect(slipway('person', 'sign-in-link', 'dana').stdout).toMatch(/\/sign-in\/link\/slw_/);
    const { deps } = await composePipeline(loadConfig({ SLIPWAY_DATA_DIR: dataDir, SLIPWAY_LOG_LEVEL: 'silent' }));
    expect(authenticateToken(deps, made.stdout.trim())).toBeNull();
    const actions = deps.store.audit
      .list({ limit: 50 })
      .entries.filter((e) => e.person === 'cli')
      .map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['person.created', 'role.granted', 'token.created', 'token.revoked', 'sign-in-link.created', 'app.created']),
    );
    deps.store.close();
  });

  it('stops start-up with a message naming a bad variable', () => {
    const r = spawnSync(process.execPath, [join(root, 'dist', 'src', 'main.js'), 'serve'], {
      env: { PATH: process.env.PATH, SLIPWAY_DATA_DIR: dataDir, SLIPWAY_PORT: 'abc' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/SLIPWAY_PORT="abc": expected a port number/);
  });
});
