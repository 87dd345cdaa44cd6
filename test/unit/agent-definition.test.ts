import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { loadAgent, loadAgents } from '../../harnesses/installed/definition.js';
import { fill } from '../../harnesses/installed/template.js';
import { parseHarnessVariant } from '../../harnesses/variants.js';

const SHIPPED = path.resolve(import.meta.dirname, '../../agents');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function agentDir(name: string, toml: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'pb-agent-def-'));
  dirs.push(root);
  mkdirSync(path.join(root, name));
  writeFileSync(path.join(root, name, 'agent.toml'), toml);
  return path.join(root, name);
}

describe('agent definitions', () => {
  it('loads the three shipped agents, pinned', () => {
    const { agents, broken } = loadAgents([SHIPPED]);
    expect(broken).toEqual([]);
    expect([...agents.keys()].sort()).toEqual(['opencode', 'pi', 'qwen']);
    expect(agents.get('pi')!.install).toMatchObject({ npm: '@mariozechner/pi-coding-agent', version: '0.73.1' });
    expect(agents.get('opencode')!.runtime).toBe('none');
    expect(agents.get('qwen')!.install.version).toBe('0.12.0');
  });

  it('lists every problem of a broken agent.toml at once', () => {
    const dir = agentDir('bad', `api = "grpc"\nbogus = 1\n[install]\nnpm = "Not A Package"\nversion = "^1.0"\nentry = "../x"\n[runtime]\nkind = "python"\n[run]\ncommand = ["x", "{nope}"]\n[env]\n"1BAD" = "v"\n`);
    let problems: string[] = [];
    try {
      loadAgent(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      problems = (e as ValidationError).problems;
    }
    const want = ['bogus: unknown key', 'api: "grpc"', 'install.npm', 'install.version', 'install.entry', 'runtime.kind', '{instruction}', 'unknown template {nope}', 'env.1BAD'];
    for (const w of want) expect(problems.some((p) => p.includes(w)), w).toBe(true);
  });

  it('names agent variants by the agent, with the proxy levers as switches', () => {
    const { agents } = loadAgents([SHIPPED]);
    expect(parseHarnessVariant('pi', undefined, [], agents)).toMatchObject({ base: 'agent', levers: null, proxyLevers: { thinking: null, prefixCache: true } });
    expect(parseHarnessVariant('pi-cache', undefined, [], agents).proxyLevers).toMatchObject({ prefixCache: false });
    expect(parseHarnessVariant('opencode+think', undefined, [], agents).proxyLevers).toMatchObject({ thinking: true });
    expect(parseHarnessVariant('pi-think-cache', undefined, [], agents).proxyLevers).toEqual({ thinking: false, maxOutputTokens: null, prefixCache: false });
    expect(() => parseHarnessVariant('pi+cache', undefined, [], agents)).toThrow(/already on/);
    expect(() => parseHarnessVariant('pi+json', undefined, [], agents)).toThrow(/unknown switch for installed agent pi/);
    expect(() => parseHarnessVariant('nosuch', undefined, [], agents)).toThrow(/installed agent \(opencode, pi, qwen\)/);
    // The built-in bases keep their names.
    expect(parseHarnessVariant('terse+tools', undefined, [], agents).levers).toMatchObject({ contract: 'tools' });
  });

  it('fills templates, JSON-escaping values for JSON files', () => {
    const values = { instruction: 'say "hi"\nnow', base_url: 'http://gw:1/v1', model: 'm', api_key: 'k', home: '/h', install: '/i', entry: '/i/e', node: '/n', workdir: '/w' };
    expect(fill('{node} {entry} {instruction}', values)).toBe('/n /i/e say "hi"\nnow');
    expect(JSON.parse(fill('{"p": "{instruction}"}', values, 'json'))).toEqual({ p: 'say "hi"\nnow' });
  });
});
