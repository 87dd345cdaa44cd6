import { describe, expect, it } from 'vitest';
import { commandOf, findShellTool, shellArguments } from '../../simulator/shell-tool.js';

const fn = (name: string, properties: Record<string, unknown>, required: string[]) => ({
  type: 'function',
  function: { name, parameters: { type: 'object', properties, required } },
});

describe('finding the shell tool', () => {
  it('reads each agent CLI shape, by schema first and by name to break ties', () => {
    const write = fn('write', { path: { type: 'string' }, content: { type: 'string' } }, ['path', 'content']);
    expect(findShellTool([write, fn('bash', { command: { type: 'string' } }, ['command'])])).toEqual({ name: 'bash', key: 'command', shape: 'string', extra: {} });
    expect(findShellTool([fn('exec_command', { cmd: { type: 'string' } }, ['cmd'])])).toMatchObject({ name: 'exec_command', key: 'cmd' });
    expect(findShellTool([fn('run_commands', { commands: { type: 'array', items: { type: 'string' } } }, ['commands'])])).toMatchObject({ key: 'commands', shape: 'list' });
    // A tool with an unusual key is found by its name and its one required string.
    expect(findShellTool([fn('shell', { line: { type: 'string' } }, ['line'])])).toMatchObject({ name: 'shell', key: 'line' });
    // A command-shaped tool that is not named like a shell still counts; a named one wins.
    const runner = fn('runner', { command: { type: 'string' } }, ['command']);
    expect(findShellTool([runner])).toMatchObject({ name: 'runner' });
    expect(findShellTool([runner, fn('bash', { command: { type: 'string' } }, ['command'])])).toMatchObject({ name: 'bash' });
    expect(findShellTool([write])).toBeNull();
    expect(findShellTool(undefined)).toBeNull();
  });

  it('fills other required arguments with values of their type, and reads a call back', () => {
    const tool = findShellTool([fn('bash', { command: { type: 'string' }, description: { type: 'string' }, is_background: { type: 'boolean' }, timeout: { type: 'integer', default: 120 } }, ['command', 'description', 'is_background', 'timeout'])])!;
    const args = JSON.parse(shellArguments(tool, 'ls')) as Record<string, unknown>;
    expect(args).toEqual({ command: 'ls', description: expect.any(String), is_background: false, timeout: 120 });
    expect(commandOf(tool, { name: 'bash', arguments: shellArguments(tool, 'echo hi') })).toBe('echo hi');
    expect(commandOf(tool, { name: 'write', arguments: '{"command":"x"}' })).toBeNull();
    expect(commandOf(tool, { name: 'bash', arguments: 'not json' })).toBeNull();
  });
});
