import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { DEFAULT_LIMITS, VARIANT_VOCABULARY, parseHarnessVariant, variantLabel, variantVocabulary } from '../../harnesses/variants.js';
import { createHarness, type HarnessSource } from '../../harnesses/registry.js';
import { BASES_HELP, HARNESS_BASES } from '../../core/harness-bases.js';
import type { HarnessBaseEntry } from '../../harnesses/types.js';
import { TERSE_LEVERS } from '../../harnesses/terse.js';
import { TMUX_LEVERS } from '../../harnesses/tmux.js';

function problemsOf(name: string, limits?: Parameters<typeof parseHarnessVariant>[1]): string[] {
  try {
    parseHarnessVariant(name, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).problems;
  }
  throw new Error(`"${name}" parsed`);
}

describe('parseHarnessVariant', () => {
  it('gives each base its defaults and the default limits', () => {
    const terse = parseHarnessVariant('terse');
    expect(terse).toEqual({ name: 'terse', base: 'terse', levers: TERSE_LEVERS, limits: DEFAULT_LIMITS });
    expect(terse.levers).toEqual({ thinking: false, speculative: true, contract: 'terse', state: 'host-exec', context: { kind: 'full' } });
    expect(parseHarnessVariant('tmux').levers).toEqual({ thinking: true, speculative: false, contract: 'json', state: 'tmux', context: { kind: 'full' } });
    expect(DEFAULT_LIMITS).toEqual({ maxTurns: 30, maxOutputTokens: 2048, observationBytes: 4096 });
    expect(parseHarnessVariant('oracle')).toMatchObject({ base: 'oracle', levers: null });
    expect(parseHarnessVariant('nop')).toMatchObject({ base: 'nop', levers: null });
  });

  it('switches each lever and keeps the variant string as the stored name', () => {
    const cases: [string, Partial<typeof TERSE_LEVERS>][] = [
      ['terse+think', { thinking: true }],
      ['terse-spec', { speculative: false }],
      ['terse+json', { contract: 'json' }],
      ['terse+tmux', { state: 'tmux' }],
      ['terse-host', { state: 'tmux' }],
      ['terse+window:4', { context: { kind: 'window', k: 4 } }],
      ['terse+state-file', { context: { kind: 'state-file' } }],
    ];
    for (const [name, change] of cases) {
      const spec = parseHarnessVariant(name);
      expect(spec.name).toBe(name);
      expect(spec.base).toBe('terse');
      expect(spec.levers).toEqual({ ...TERSE_LEVERS, ...change });
    }
    expect(parseHarnessVariant('tmux-think').levers).toEqual({ ...TMUX_LEVERS, thinking: false });
    expect(parseHarnessVariant('tmux+spec').levers).toEqual({ ...TMUX_LEVERS, speculative: true });
    expect(parseHarnessVariant('tmux+terse').levers).toEqual({ ...TMUX_LEVERS, contract: 'terse' });
    expect(parseHarnessVariant('tmux+host').levers).toEqual({ ...TMUX_LEVERS, state: 'host-exec' });
    expect(parseHarnessVariant('tmux+state-file-think').levers).toEqual({ ...TMUX_LEVERS, context: { kind: 'state-file' }, thinking: false });
    expect(parseHarnessVariant('tmux-think-json+spec').levers).toEqual({ ...TMUX_LEVERS, thinking: false, contract: 'terse', speculative: true });
  });

  it('merges limits over the defaults', () => {
    expect(parseHarnessVariant('terse', { maxTurns: 3, commandTimeoutSec: 2 }).limits).toEqual({ ...DEFAULT_LIMITS, maxTurns: 3, commandTimeoutSec: 2 });
  });

  it('lists every bad part at once, with the vocabulary', () => {
    const problems = problemsOf('terse+thinkk-spec+window:0+think-think+bogus', { maxTurns: 0 });
    expect(problems.some((p) => p.includes('maxTurns'))).toBe(true);
    expect(problems.some((p) => p.includes('"+thinkk": unknown switch'))).toBe(true);
    expect(problems.some((p) => p.includes('window:K'))).toBe(true);
    expect(problems.some((p) => p.includes('set more than once'))).toBe(true);
    expect(problems.some((p) => p.includes('"+bogus": unknown switch'))).toBe(true);
    expect(problems[problems.length - 1]).toMatch(/^valid: bases: terse, tmux/);
  });

  it('rejects unknown bases, switches on oracle/nop, no-op switches and signed context policies', () => {
    expect(problemsOf('terminus')[0]).toContain('"terminus": unknown base');
    expect(problemsOf('+think')[0]).toContain('starts with a base name');
    expect(problemsOf('oracle+think')[0]).toContain('oracle has no levers');
    expect(problemsOf('terse-think')[0]).toContain("already terse's setting");
    expect(problemsOf('tmux+tmux')[0]).toContain("already tmux's setting");
    expect(problemsOf('terse-window:2')[0]).toContain('chosen with +');
    expect(problemsOf('terse think')[0]).toContain('each switch starts with + or -');
  });

  it('labels the tmux base as a Terminus-style baseline', () => {
    expect(variantLabel('tmux-think')).toBe('tmux-think (Terminus-style baseline)');
    expect(variantLabel('terse+tmux')).toBe('terse+tmux');
  });
});

describe('harness base registry', () => {
  it('derives the vocabulary and the help from the one table', () => {
    expect(VARIANT_VOCABULARY).toBe(
      'bases: terse, tmux (Terminus-style baseline), oracle, nop; switches after terse or tmux: ' +
        '+think/-think, +spec/-spec, +json/+terse/+tools (contract; +tools is native function calling), +tmux/+host (state), ' +
        '+full, +window:K (K >= 1), +state-file (context); e.g. terse+think, tmux-think, terse+window:4',
    );
    for (const base of Object.keys(HARNESS_BASES)) {
      expect(BASES_HELP).toContain(`${base} (`);
      expect(parseHarnessVariant(base).base).toBe(base);
      expect(createHarness(parseHarnessVariant(base)).spec.base).toBe(base);
    }
  });

  it('resolves a base from a second source, dashes in its name included', () => {
    const made: string[] = [];
    const entry: HarnessBaseEntry = {
      summary: 'an external agent CLI',
      levers: null,
      label: 'external',
      create: (spec) => {
        made.push(spec.name);
        return { spec, needsModel: true, run: async () => ({ stop: 'done', turns: 0 }) };
      },
    };
    const agents: HarnessSource = { names: ['my-agent'], get: (n) => (n === 'my-agent' ? entry : undefined) };

    expect(() => parseHarnessVariant('my-agent')).toThrow(/"my": unknown base/);
    const spec = parseHarnessVariant('my-agent', undefined, [agents]);
    expect(spec).toMatchObject({ name: 'my-agent', base: 'my-agent', levers: null });
    expect(createHarness(spec, [agents]).needsModel).toBe(true);
    expect(made).toEqual(['my-agent']);
    expect(() => createHarness(spec)).toThrow(/unknown base "my-agent"/);
    expect(variantLabel('my-agent', [agents])).toBe('my-agent (external)');
    expect(variantVocabulary([agents])).toMatch(/^bases: terse, tmux \(Terminus-style baseline\), oracle, nop, my-agent \(external\);/);
    try {
      parseHarnessVariant('my-agent-think', undefined, [agents]);
      expect.unreachable();
    } catch (e) {
      expect((e as ValidationError).problems[0]).toBe('"-think": my-agent has no levers to switch');
    }
  });
});
