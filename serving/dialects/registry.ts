// Every dialect's module, keyed by the Dialect union: a dialect added to core/serving.ts
// without a module here does not compile.

import type { Dialect } from '../../core/serving.js';
import { llamaServer } from './llama-server.js';
import { ollama } from './ollama.js';
import { openai } from './openai.js';
import type { DialectModule } from './types.js';
import { vllm } from './vllm.js';

export const DIALECT_MODULES: Record<Dialect, DialectModule> = {
  'llama-server': llamaServer,
  vllm,
  ollama,
  openai,
};

export function dialectModule(dialect: Dialect): DialectModule {
  return DIALECT_MODULES[dialect];
}
