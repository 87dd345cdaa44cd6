// Each sweep setting is declared once, in core/sweep-settings.ts; the run command's flags and
// help, the flag parser, the sweep-file schema and the documented example all follow it. A
// setting added in one of them and not the others fails here.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerRun } from '../../cli/commands/run.js';
import { SETTING_ENTRIES, flagAttribute } from '../../core/sweep-settings.js';
import { parseFlagLayer } from '../../runner/plan/flag-layer.js';
import { DEFAULT_SETTINGS, mergeSettings } from '../../runner/plan/settings.js';
import { SWEEP_FILE_KEYS, parseSweepFile } from '../../runner/plan/sweep-file.js';

const top = SETTING_ENTRIES.filter(([, d]) => !d.serving);
const serving = SETTING_ENTRIES.filter(([, d]) => d.serving);

function runHelp(): string {
  const program = new Command('pairbench');
  registerRun(program);
  return program.commands.find((c) => c.name() === 'run')!.helpInformation();
}

/** `key = ...` lines, commented out or not, before [serving] and inside it. */
function documentedKeys(): { top: string[]; serving: string[] } {
  const text = readFileSync(resolve('docs/sweep.example.toml'), 'utf8');
  const at = text.indexOf('\n[serving]');
  const keys = (part: string): string[] => [...part.matchAll(/^#?\s*([a-z_]+)\s*=/gm)].map((m) => m[1]!);
  return { top: keys(text.slice(0, at)), serving: keys(text.slice(at)) };
}

describe('the settings table', () => {
  it('is what `pairbench run` offers, flag for flag', () => {
    const help = runHelp();
    const offered = [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]);
    const commandOwn = ['--sweep-file', '--db', '--resume', '--json', '--help'];
    expect(offered.filter((f) => !commandOwn.includes(f!))).toEqual(SETTING_ENTRIES.map(([, d]) => `--${d.flag}`));
  });

  it('is what a sweep file accepts, key for key', () => {
    expect(SWEEP_FILE_KEYS.top).toEqual(top.map(([, d]) => d.file));
    expect(SWEEP_FILE_KEYS.serving).toEqual(serving.map(([, d]) => d.file));
  });

  it('is what docs/sweep.example.toml documents, key for key', () => {
    const documented = documentedKeys();
    expect([...documented.top].sort()).toEqual(top.map(([, d]) => d.file).sort());
    expect([...documented.serving].sort()).toEqual(serving.map(([, d]) => d.file).sort());
  });

  it('holds every field of the settings, and nothing else', () => {
    const settings = mergeSettings({}).settings;
    expect(Object.keys(settings).filter((k) => k !== 'serving').sort()).toEqual(top.map(([n]) => n).sort());
    expect(Object.keys(settings.serving).sort()).toEqual(serving.map(([n]) => n).sort());
    for (const [name, decl] of SETTING_ENTRIES) {
      const holder = new Map(Object.entries(decl.serving ? DEFAULT_SETTINGS.serving : DEFAULT_SETTINGS));
      if (decl.default === undefined) expect(holder.get(name), name).toBeUndefined();
      else expect(holder.get(name), name).toEqual(decl.default);
    }
  });

  it('reaches the settings from a flag and from a sweep file alike', () => {
    // One good value per kind, as a flag and as TOML.
    const samples: Record<string, [string | string[], string]> = {
      whole: ['3', '3'],
      number: ['2.5', '2.5'],
      'choice-or-whole': ['4', '4'],
      text: ['m', '"m"'],
      path: ['d', '"d"'],
      'serving-source': ['simulated', '"simulated"'],
      'more-dirs': [['d'], '["d"]'],
      names: [['a', 'b'], '["a", "b"]'],
      tasks: [['t'], '["t"]'],
      url: ['http://127.0.0.1:1', '"http://127.0.0.1:1"'],
      'env-name': ['KEY_VAR', '"KEY_VAR"'],
      engines: [['docker'], '["docker"]'],
    };
    for (const [name, decl] of SETTING_ENTRIES) {
      const v = decl.value;
      const [flag, toml] = v.kind === 'choice' ? [v.choices[1]!, `"${v.choices[1]}"`] : samples[v.kind]!;
      const fromFlag = parseFlagLayer({ [flagAttribute(decl.flag)]: flag });
      expect(fromFlag.problems, name).toEqual([]);
      const fromFile = parseSweepFile(decl.serving ? `[serving]\n${decl.file} = ${toml}\n` : `${decl.file} = ${toml}\n`, '/base');
      expect(fromFile.problems, name).toEqual([]);
      const held = (layer: typeof fromFlag.layer): unknown =>
        decl.serving ? (layer.serving as Record<string, unknown> | undefined)?.[name] : (layer as Record<string, unknown>)[name];
      expect(held(fromFlag.layer), `${name} from --${decl.flag}`).toBeDefined();
      expect(held(fromFile.layer), `${name} from ${decl.file}`).toBeDefined();
    }
  });

  it('lets a resumed sweep take only the settings it declares as such, naming the others', async () => {
    const program = new Command('pairbench').exitOverride();
    registerRun(program);
    const refused = program.parseAsync(['run', '--resume', 'sw-none', '--trials', '3', '--group-by', 'task', '--concurrency', '2', '--grace-sec', 'x'], { from: 'user' });
    await expect(refused).rejects.toMatchObject({
      problems: [
        '--trials, --group-by: a resumed sweep keeps the plan and settings it started with; drop these (only --db, --concurrency, --retries, --grace-sec and --json apply)',
        '--grace-sec: must be a number of seconds >= 0 (got "x")',
      ],
    });
  });
});
