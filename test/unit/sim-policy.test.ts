import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  JSON_CONFIRM_COMPLETE,
  JSON_CORRECTION,
  JSON_SYSTEM_PROMPT,
  parseJsonReply,
  parseTerse,
  TERSE_CORRECTION,
  TERSE_SYSTEM_PROMPT,
} from '../../core/contracts.js';
import { reasoningBlock, ScriptedPolicy, splitTopLevelCommands } from '../../simulator/policy.js';
import { TaskLibrary } from '../../simulator/task-library.js';
import type { WireMessage } from '../../simulator/tokens.js';

const TASKS = join(import.meta.dirname, '..', '..', 'tasks');
const solve = (task: string): string => readFileSync(join(TASKS, task, 'solution', 'solve.sh'), 'utf8');

describe('splitTopLevelCommands on the seed tasks', () => {
  it('fizzbuzz is one heredoc command, body and terminator included', () => {
    const cmds = splitTopLevelCommands(solve('fizzbuzz'));
    expect(cmds).toHaveLength(1);
    expect(cmds[0]).toMatch(/^cat > \/app\/fizzbuzz\.py <<'PY'\n/);
    expect(cmds[0]).toMatch(/\nPY$/);
  });

  it('word-count is two commands: the heredoc (with its own shebang and comment) and chmod', () => {
    const cmds = splitTopLevelCommands(solve('word-count'));
    expect(cmds).toHaveLength(2);
    expect(cmds[0]).toContain('#!/bin/bash\n# Reading stdin');
    expect(cmds[0]).toMatch(/\nSH$/);
    expect(cmds[1]).toBe('chmod +x /app/wc.sh');
  });

  it('git-init is seven commands in order', () => {
    const cmds = splitTopLevelCommands(solve('git-init'));
    expect(cmds).toHaveLength(7);
    expect(cmds[0]).toBe('mkdir -p /app/project');
    expect(cmds[3]).toBe("printf '# greeter\\n\\nSays hello.\\n' > /app/project/README.md");
    expect(cmds[6]).toMatch(/commit -m 'Initial commit'$/);
  });
});

describe('splitTopLevelCommands on tricky input', () => {
  it('drops the shebang, blank lines and comment lines', () => {
    expect(splitTopLevelCommands('#!/bin/sh\n\n# a comment\n  # indented comment\nls\n\npwd\n')).toEqual(['ls', 'pwd']);
  });

  it('keeps <<EOF, <<"EOF" and <<-EOF heredocs whole, including comment-like body lines', () => {
    const src = ['cat <<EOF > a', '# not a comment', '', 'EOF', 'cat <<"END" > b', 'x', 'END', 'cat <<-T > c', '\tindented', '\tT', 'echo after'].join('\n');
    expect(splitTopLevelCommands(src)).toEqual([
      'cat <<EOF > a\n# not a comment\n\nEOF',
      'cat <<"END" > b\nx\nEND',
      'cat <<-T > c\n\tindented\n\tT',
      'echo after',
    ]);
  });

  it('joins lines ending in a backslash, &&, || or |', () => {
    const src = 'apt-get install \\\n  -y git\nmake &&\n  make test\nfalse ||\n  true\nls |\n  wc -l\n';
    expect(splitTopLevelCommands(src)).toEqual(['apt-get install \\\n  -y git', 'make &&\n  make test', 'false ||\n  true', 'ls |\n  wc -l']);
  });

  it('keeps multi-line quotes and compound blocks whole', () => {
    const src = ["echo 'one", "two'", 'if [ -f x ]; then', '  echo yes', 'fi', 'for i in 1 2; do', '  echo $i', 'done', 'f() {', '  echo in f', '}'].join('\n');
    expect(splitTopLevelCommands(src)).toEqual([
      "echo 'one\ntwo'",
      'if [ -f x ]; then\n  echo yes\nfi',
      'for i in 1 2; do\n  echo $i\ndone',
      'f() {\n  echo in f\n}',
    ]);
  });

  it('does not read keywords inside arguments or quotes as blocks', () => {
    expect(splitTopLevelCommands('echo if then fi\necho "for x"\ngrep -c done log\n')).toEqual(['echo if then fi', 'echo "for x"', 'grep -c done log']);
  });

  it('handles CRLF and a missing final newline', () => {
    expect(splitTopLevelCommands('ls\r\npwd')).toEqual(['ls', 'pwd']);
  });
});

describe('ScriptedPolicy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-sim-policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const addTask = (name: string, instruction: string, script: string): void => {
    mkdirSync(join(dir, name, 'solution'), { recursive: true });
    writeFileSync(join(dir, name, 'instruction.md'), `${instruction}\n`);
    writeFileSync(join(dir, name, 'solution', 'solve.sh'), script);
  };
  addTask('three', 'Create three files named a, b and c in /app.', '#!/bin/bash\ntouch /app/a\ntouch /app/b\ntouch /app/c\n');
  addTask('other', 'Write a poem about the sea into /app/poem.txt.', '#!/bin/bash\necho sea > /app/poem.txt\n');
  const library = new TaskLibrary(dir);

  const terseCommand = (content: string): string | 'done' => {
    const parsed = parseTerse(content);
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.value.kind === 'done' ? 'done' : parsed.value.command;
  };
  const jsonReply = (content: string) => {
    const parsed = parseJsonReply(content);
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.value;
  };

  it('plays the commands in order then says done (terse, trial key)', () => {
    const policy = new ScriptedPolicy(library);
    const messages: WireMessage[] = [
      { role: 'system', content: TERSE_SYSTEM_PROMPT },
      { role: 'user', content: 'Create three files named a, b and c in /app.' },
    ];
    const seen: string[] = [];
    for (let turn = 0; turn < 4; turn++) {
      const reply = policy.respond(messages, { task: 'three', trial: 't1' });
      expect(reply.contract).toBe('terse');
      seen.push(String(terseCommand(reply.content)));
      messages.push({ role: 'assistant', content: reply.content }, { role: 'user', content: 'exit code 0' });
    }
    expect(seen).toEqual(['touch /app/a', 'touch /app/b', 'touch /app/c', 'done']);
  });

  it('plays the commands in order then task_complete true, and true again on confirmation (json)', () => {
    const policy = new ScriptedPolicy(library);
    const messages: WireMessage[] = [
      { role: 'system', content: JSON_SYSTEM_PROMPT },
      { role: 'user', content: 'Task: Create three files named a, b and c in /app.' },
    ];
    const keys: string[] = [];
    for (let turn = 0; turn < 3; turn++) {
      const reply = jsonReply(policy.respond(messages, { trial: 'j1' }).content);
      expect(reply.task_complete).toBe(false);
      expect(reply.commands).toHaveLength(1);
      expect(reply.commands[0]!.duration).toBe(1);
      expect(reply.analysis.split('. ').length).toBeGreaterThan(1);
      keys.push(reply.commands[0]!.keystrokes);
      messages.push({ role: 'assistant', content: JSON.stringify(reply) }, { role: 'user', content: '$ ' });
    }
    expect(keys).toEqual(['touch /app/a\n', 'touch /app/b\n', 'touch /app/c\n']);
    const done = jsonReply(policy.respond(messages, { trial: 'j1' }).content);
    expect(done).toMatchObject({ task_complete: true, commands: [] });
    messages.push({ role: 'assistant', content: JSON.stringify(done) }, { role: 'user', content: JSON_CONFIRM_COMPLETE });
    expect(jsonReply(policy.respond(messages, { trial: 'j1' }).content).task_complete).toBe(true);
  });

  it('asks for keystroke waits in simulated time (scaled by the server, 0 at time-scale 0)', () => {
    for (const seconds of [0, 0.25]) {
      const policy = new ScriptedPolicy(library, { keystrokeDurationSec: seconds });
      const reply = jsonReply(
        policy.respond(
          [
            { role: 'system', content: JSON_SYSTEM_PROMPT },
            { role: 'user', content: 'Task: Create three files named a, b and c in /app.' },
          ],
          { trial: `scaled-${seconds}` },
        ).content,
      );
      expect(reply.commands[0]!.duration).toBe(seconds);
    }
  });

  it('without a trial key, counts the commands earlier replies already ran', () => {
    const policy = new ScriptedPolicy(library);
    const messages: WireMessage[] = [
      { role: 'system', content: TERSE_SYSTEM_PROMPT },
      { role: 'user', content: 'Create three files named a, b and c in /app.' },
      { role: 'assistant', content: '<think>x</think>\n<cmd>touch /app/a</cmd>' },
      { role: 'user', content: 'ok' },
      { role: 'assistant', content: '<think>x</think>\n<cmd>ls /app</cmd>' },
      { role: 'user', content: 'a' },
    ];
    expect(terseCommand(policy.respond(messages).content)).toBe('touch /app/b');
  });

  it('a reply to a correction does not skip a command', () => {
    const policy = new ScriptedPolicy(library);
    const messages: WireMessage[] = [
      { role: 'system', content: TERSE_SYSTEM_PROMPT },
      { role: 'user', content: 'Create three files named a, b and c in /app.' },
    ];
    const first = policy.respond(messages, { task: 'three', trial: 'c1' });
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: TERSE_CORRECTION('only one <cmd> per reply') });
    expect(terseCommand(policy.respond(messages, { task: 'three', trial: 'c1' }).content)).toBe('touch /app/a');
    // After a broken (garbage) reply, the correction gets the next command, not a skipped one.
    messages.push({ role: 'assistant', content: 'Sure! Happy to help.' }, { role: 'user', content: TERSE_CORRECTION('x') });
    expect(terseCommand(policy.respond(messages, { task: 'three', trial: 'c1' }).content)).toBe('touch /app/b');
    const json = new ScriptedPolicy(library);
    const jm: WireMessage[] = [
      { role: 'system', content: JSON_SYSTEM_PROMPT },
      { role: 'user', content: 'Create three files named a, b and c in /app.' },
      { role: 'assistant', content: 'not json' },
      { role: 'user', content: JSON_CORRECTION('not valid JSON') },
    ];
    expect(jsonReply(json.respond(jm).content).commands[0]!.keystrokes).toBe('touch /app/a\n');
  });

  it('a retried request (same conversation) replays the same command', () => {
    const policy = new ScriptedPolicy(library);
    const messages: WireMessage[] = [
      { role: 'system', content: TERSE_SYSTEM_PROMPT },
      { role: 'user', content: 'Create three files named a, b and c in /app.' },
    ];
    const a = policy.respond(messages, { trial: 'r1' });
    const b = policy.respond(messages, { trial: 'r1' });
    expect(b.content).toBe(a.content);
  });

  it('keeps its place when the harness drops history (window:1) or sends only a state message', () => {
    const policy = new ScriptedPolicy(library);
    const opening: WireMessage[] = [
      { role: 'system', content: TERSE_SYSTEM_PROMPT },
      { role: 'user', content: 'Create three files named a, b and c in /app.' },
    ];
    // window:1: the instruction plus only the last exchange.
    let last: WireMessage[] = [];
    const windowed: string[] = [];
    for (let turn = 0; turn < 4; turn++) {
      const reply = policy.respond([...opening, ...last], { task: 'three', trial: 'w1' });
      windowed.push(String(terseCommand(reply.content)));
      last = [
        { role: 'assistant', content: reply.content },
        { role: 'user', content: `exit code 0 (turn ${turn})` },
      ];
    }
    expect(windowed).toEqual(['touch /app/a', 'touch /app/b', 'touch /app/c', 'done']);

    // state-file: never an assistant message; a state message that changes every turn.
    const stated: string[] = [];
    for (let turn = 0; turn < 4; turn++) {
      const state: WireMessage = { role: 'user', content: JSON.stringify({ commands_run: stated }) };
      const reply = policy.respond([...opening, state], { task: 'three', trial: 's1' });
      stated.push(String(terseCommand(reply.content)));
    }
    expect(stated).toEqual(['touch /app/a', 'touch /app/b', 'touch /app/c', 'done']);
  });

  it('finds the task by header, by contained instruction and by longest common prefix', () => {
    const policy = new ScriptedPolicy(library);
    const sys = { role: 'system', content: TERSE_SYSTEM_PROMPT };
    expect(policy.respond([sys, { role: 'user', content: 'anything' }], { task: 'other' }).task).toBe('other');
    expect(policy.respond([sys, { role: 'user', content: 'Here is your task:\nWrite a poem about the sea into /app/poem.txt.\nGood luck.' }]).task).toBe('other');
    expect(policy.respond([sys, { role: 'user', content: 'Create three files named a, b and c somewhere' }]).task).toBe('three');
  });

  it('answers done with a note for an unknown task, and terse-like text without a contract marker', () => {
    const policy = new ScriptedPolicy(library);
    const reply = policy.respond([{ role: 'user', content: 'Say hello.' }]);
    expect(reply.contract).toBeNull();
    expect(reply.decision.kind).toBe('unknown-task');
    expect(terseCommand(reply.content)).toBe('done');
    expect(reply.content).toMatch(/do not recognise/);
  });

  it('picks up a task added after the library was loaded', () => {
    const policy = new ScriptedPolicy(library);
    addTask('late', 'Print the date.', 'date\n');
    expect(terseCommand(policy.respond([{ role: 'user', content: 'go' }], { task: 'late' }).content)).toBe('date');
  });

  it('builds a reasoning block of the asked length', () => {
    expect(reasoningBlock('Step 1.', 256)).toHaveLength(1024);
    expect(reasoningBlock('Step 1.', 0)).toBe('');
  });
});
