// An installed agent, as its directory describes it (agents/<name>/agent.toml): plain data
// that crosses a worker's structured clone. Loading and validation live in
// harnesses/installed/; nothing here reads a file.

/** What the agent needs to run besides its own files. */
export type AgentRuntime = 'none' | 'host-node';

/** The wire API the agent speaks to the recording proxy. */
export const AGENT_APIS = ['openai-chat'] as const;
export type AgentApi = (typeof AGENT_APIS)[number];

export interface AgentDefinition {
  name: string;
  /** Absolute path of the agent's directory. */
  dir: string;
  description: string;
  api: AgentApi;
  install: {
    /** An npm package at an exact version, installed once per machine into a cache. */
    npm: string;
    version: string;
    /** The entry point, relative to the install directory (e.g. node_modules/pkg/cli.js). */
    entry: string;
  };
  runtime: AgentRuntime;
  /** argv templates; {instruction} is one argument, never split by a shell. */
  command: string[];
  env: Record<string, string>;
  /** Files written into the container before the run (path and content are templates). */
  files: Array<{ path: string; content: string }>;
}

/** Where things are inside the trial container, for the templates. */
export const AGENT_MOUNTS = {
  /** The install directory, read-only. */
  install: '/opt/pairbench/agent',
  /** The host's node binary, read-only (runtime host-node). */
  node: '/opt/pairbench/bin/node',
  /** The agent's writable home: state it keeps for itself (~/.pi, ~/.qwen, ~/.local/share/opencode). */
  home: '/tmp/pairbench-agent-home',
} as const;

/** What the run of one trial fills the templates with. */
export interface AgentTemplateValues {
  instruction: string;
  /** The recording proxy's OpenAI base URL, ending in /v1. */
  base_url: string;
  model: string;
  /** The trial's own key for the proxy; never the user's API key. */
  api_key: string;
  home: string;
  install: string;
  entry: string;
  node: string;
  workdir: string;
}
