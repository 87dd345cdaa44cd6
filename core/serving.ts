// The serving layer as every floor names it: its dialects and the endpoint a trial talks to.

export const DIALECTS = ['llama-server', 'vllm', 'ollama', 'openai'] as const;
export type Dialect = (typeof DIALECTS)[number];

export interface ServingEndpoint {
  baseUrl: string; // e.g. http://127.0.0.1:8080
  model: string;
  dialect: Dialect;
  /** Name of the environment variable holding the API key; the key itself never travels. */
  apiKeyEnv: string | null;
  simulated: boolean;
  timeouts?: { firstTokenMs?: number; idleMs?: number };
}

/** The route on which pairbench's simulated server says what it is, and what it says. */
export const SIMULATED_IDENTITY_ROUTE = '/pairbench/identity';
export const SIMULATED_IDENTITY = { server: 'pairbench-simulated-llama-server', simulated: true } as const;
