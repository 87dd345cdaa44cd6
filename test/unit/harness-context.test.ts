import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_FILE_NAME, StateFile, buildMessages, stateMessage, writeFileAtomic, type Exchange } from '../../harnesses/context.js';

const opening = { system: 'SYSTEM', instruction: 'Write fizzbuzz.\n' };
const history: Exchange[] = [1, 2, 3].map((i) => ({ reply: `reply ${i}`, feedback: `output ${i}` }));

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'pb-harness-context-'));
  dirs.push(d);
  return d;
}

describe('buildMessages', () => {
  it('full: system, instruction, then every exchange in order', () => {
    const m = buildMessages({ kind: 'full' }, opening, history, null);
    expect(m.map((x) => `${x.role}:${x.content}`)).toEqual([
      'system:SYSTEM',
      'user:Write fizzbuzz.\n',
      'assistant:reply 1',
      'user:output 1',
      'assistant:reply 2',
      'user:output 2',
      'assistant:reply 3',
      'user:output 3',
    ]);
  });

  it('window:K: the opening plus only the last K exchanges', () => {
    const m = buildMessages({ kind: 'window', k: 1 }, opening, history, null);
    expect(m.map((x) => x.content)).toEqual(['SYSTEM', 'Write fizzbuzz.\n', 'reply 3', 'output 3']);
    expect(buildMessages({ kind: 'window', k: 2 }, opening, history, null)).toHaveLength(6);
    expect(buildMessages({ kind: 'window', k: 9 }, opening, history, null)).toHaveLength(8);
    // Its size stays flat while history grows.
    const longer = [...history, ...history, ...history];
    expect(JSON.stringify(buildMessages({ kind: 'window', k: 1 }, opening, longer, null)).length).toBe(
      JSON.stringify(buildMessages({ kind: 'window', k: 1 }, opening, history, null)).length,
    );
  });

  it('state-file: the opening, then one user message with the state and the latest feedback', () => {
    expect(buildMessages({ kind: 'state-file' }, opening, [], null)).toHaveLength(2);
    const m = buildMessages({ kind: 'state-file' }, opening, history, '{"commands":[]}');
    expect(m).toHaveLength(3);
    expect(m[2]).toEqual({ role: 'user', content: stateMessage('{"commands":[]}', 'output 3') });
    expect(m[2]!.content).toContain('{"commands":[]}');
    expect(m[2]!.content).toContain('output 3');
    expect(m[2]!.content).not.toContain('reply 3');
  });

  it('opens identically under every policy, so paired harnesses see the same prompt', () => {
    for (const policy of [{ kind: 'full' }, { kind: 'window', k: 2 }, { kind: 'state-file' }] as const) {
      expect(buildMessages(policy, opening, history, '{}').slice(0, 2)).toEqual([
        { role: 'system', content: 'SYSTEM' },
        { role: 'user', content: 'Write fizzbuzz.\n' },
      ]);
    }
  });
});

describe('the state file', () => {
  it('keeps commands with exit codes and a short output tail, rewritten each turn', async () => {
    const dir = await tempDir();
    const state = new StateFile(dir, 'git-init');
    expect(state.path).toBe(path.join(dir, STATE_FILE_NAME));
    state.record({ turn: 0, command: 'mkdir repo', exitCode: 0, timedOut: false, output: '' });
    state.record({ turn: 1, command: null, exitCode: null, timedOut: false, output: '' }); // a reply that ran nothing
    state.record({ turn: 2, command: 'yes | head -c 5000', exitCode: 0, timedOut: false, output: 'y\n'.repeat(2500) });
    const text = await state.write();
    expect(await readFile(state.path, 'utf8')).toBe(text);
    const parsed = JSON.parse(text) as { task: string; turns_so_far: number; commands: { command: string; exit_code: number; output_tail: string }[] };
    expect(parsed.task).toBe('git-init');
    expect(parsed.turns_so_far).toBe(3);
    expect(parsed.commands.map((c) => c.command)).toEqual(['mkdir repo', 'yes | head -c 5000']);
    expect(parsed.commands[1]!.output_tail.length).toBeLessThanOrEqual(512);
    state.record({ turn: 3, command: 'sleep 600', exitCode: null, timedOut: true, output: '' });
    await state.write();
    const again = JSON.parse(await readFile(state.path, 'utf8')) as { commands: { timed_out: boolean }[] };
    expect(again.commands.at(-1)!.timed_out).toBe(true);
    expect(await readdir(dir)).toEqual([STATE_FILE_NAME]); // no temp files left behind
  });

  it('writes atomically: a rename over the old file, never a partial write', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'state.json');
    await writeFileAtomic(file, 'old');
    const writes = Array.from({ length: 20 }, (_, i) => writeFileAtomic(file, `{"n":${i},"pad":"${'x'.repeat(100_000)}"}`));
    // Readers during the writes see either the old text or one complete new text.
    const reads = Array.from({ length: 20 }, () => readFile(file, 'utf8'));
    await Promise.all(writes);
    for (const text of await Promise.all(reads)) {
      expect(text === 'old' || (JSON.parse(text) as { pad: string }).pad.length === 100_000).toBe(true);
    }
    expect(await readdir(dir)).toEqual(['state.json']);
  });
});
