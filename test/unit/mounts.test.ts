import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMountFile, readMountFile, resolveSelinux, writeMountFile } from '../../engines/mounts.js';
import { isPairbenchError } from '../../core/errors.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'pb-mounts-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function generated(relabel: boolean): Promise<{ text: string; trialDir: string; binds: string[]; file: string }> {
  const trialDir = path.join(await tempDir(), 'trial-1');
  const { path: file, binds } = await writeMountFile(trialDir, relabel);
  const text = await readFile(file, 'utf8');
  return { text, trialDir, binds, file };
}

describe('the mount file', () => {
  it('carries :z on every bind with the relabel on', async () => {
    const { text, trialDir, binds } = await generated(true);
    await expect(text.split(trialDir).join('<trial>')).toMatchFileSnapshot('__snapshots__/mounts.relabel-on.yaml');
    expect(binds).toHaveLength(2);
    for (const b of binds) expect(b).toMatch(/:z$/);
  });

  it('carries no relabel option with the relabel off', async () => {
    const { text, trialDir, binds } = await generated(false);
    await expect(text.split(trialDir).join('<trial>')).toMatchFileSnapshot('__snapshots__/mounts.relabel-off.yaml');
    for (const b of binds) expect(b).not.toMatch(/:z$/);
  });

  it('creates fresh log directories that other users cannot write, and refuses to reuse them', async () => {
    const { trialDir } = await generated(true);
    for (const sub of ['logs/verifier', 'logs/agent']) {
      const st = await stat(path.join(trialDir, sub));
      expect(st.isDirectory()).toBe(true);
      expect(st.mode & 0o7777).toBe(0o755);
    }
    expect((await stat(path.join(trialDir, 'logs'))).mode & 0o7777).toBe(0o755);
    await rm(path.join(trialDir, 'mounts.yaml'));
    const again = await writeMountFile(trialDir, true).catch((e: unknown) => e);
    expect(isPairbenchError(again) && again.code).toBe('PB_CONTAINER_FAILED');
    expect((again as Error).message).toMatch(/logs\/verifier: already exists/);
  });

  it('round-trips: what is read back is exactly what was generated', async () => {
    for (const relabel of [true, false]) {
      const { file, binds } = await generated(relabel);
      expect(await readMountFile(file)).toEqual(binds);
    }
  });

  it('accepts plain (unquoted) compose entries', () => {
    const { binds, problems } = parseMountFile('volumes:\n  - /a/b:/logs/verifier:z\n');
    expect(problems).toEqual([]);
    expect(binds).toEqual(['/a/b:/logs/verifier:z']);
  });

  it('rejects a malformed file, naming every problem with its line', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'mounts.yaml');
    await writeFile(
      file,
      ['# header', 'services:', 'volumes:', '  - "relative/path:/logs/verifier:z"', '  - "/h:/logs/agent:q"', '  - "/var/run/docker.sock:/var/run/docker.sock"', '  - "unterminated', ''].join('\n'),
    );
    const err = await readMountFile(file).catch((e: unknown) => e);
    expect(isPairbenchError(err) && err.code).toBe('PB_CONTAINER_FAILED');
    const msg = (err as Error).message;
    expect(msg).toContain(`malformed mount file ${file}`);
    expect(msg).toMatch(/line 2: expected "volumes:"/);
    expect(msg).toMatch(/line 4: host path "relative\/path" is not absolute/);
    expect(msg).toMatch(/line 5: unknown bind option\(s\) "q"/);
    expect(msg).toMatch(/line 6: the Docker socket is never mounted/);
    expect(msg).toMatch(/line 7: unterminated or invalid quoted string/);
  });

  it('rejects a file with no volumes key, or an empty list', () => {
    expect(parseMountFile('# nothing\n').problems).toEqual(['no "volumes:" key']);
    expect(parseMountFile('volumes:\n').problems).toEqual(['"volumes:" lists no binds']);
    expect(parseMountFile('  - "/a:/b"\nvolumes:\n  - "/a:/b"\n').problems).toEqual(['line 1: a list entry before "volumes:"']);
  });

  it('reports a missing file clearly', async () => {
    const err = await readMountFile('/nonexistent/pairbench/mounts.yaml').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/cannot read mount file \/nonexistent\/pairbench\/mounts.yaml/);
  });
});

describe('SELinux detection', () => {
  async function enforceFile(content: string | null): Promise<string> {
    const dir = await tempDir();
    const file = path.join(dir, 'enforce');
    if (content !== null) await writeFile(file, content);
    return file;
  }

  it('takes on and off as given, whatever the host says', async () => {
    const enforcing = await enforceFile('1\n');
    expect(await resolveSelinux('on', { enforceFile: await enforceFile('0') })).toBe(true);
    expect(await resolveSelinux('off', { enforceFile: enforcing, securityOptions: ['name=selinux'] })).toBe(false);
  });

  it('auto: on when the enforce file holds 1', async () => {
    expect(await resolveSelinux('auto', { enforceFile: await enforceFile('1\n'), securityOptions: [] })).toBe(true);
  });

  it('auto: off when the enforce file holds 0 (permissive) or is missing', async () => {
    expect(await resolveSelinux('auto', { enforceFile: await enforceFile('0\n'), securityOptions: [] })).toBe(false);
    expect(await resolveSelinux('auto', { enforceFile: await enforceFile(null), securityOptions: [] })).toBe(false);
  });

  it('auto: on when the engine reports name=selinux, even without an enforce file', async () => {
    const missing = await enforceFile(null);
    expect(await resolveSelinux('auto', { enforceFile: missing, securityOptions: ['name=seccomp,profile=default', 'name=selinux'] })).toBe(true);
    expect(await resolveSelinux('auto', { enforceFile: missing, securityOptions: ['name=seccomp,profile=default', 'name=apparmor'] })).toBe(false);
  });

  it('auto: an enforce path that is a directory counts as not enforcing', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'enforce'));
    expect(await resolveSelinux('auto', { enforceFile: path.join(dir, 'enforce') })).toBe(false);
  });
});
