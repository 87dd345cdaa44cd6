// What a server says of itself, stored with the sweep: its dialect's provenance routes
// (llama-server /props, /v1/models and /slots; vLLM /version; Ollama /api/tags; ...).
// A route that fails is recorded as such; provenance never fails a sweep.

import type { ServingEndpoint } from '../../core/serving.js';
import { readApiKey, serverRoot } from '../client/create.js';
import { excerpt } from '../client/errors.js';
import { dialectModule } from '../dialects/registry.js';

export async function fetchProvenance(endpoint: ServingEndpoint, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  const base = serverRoot(endpoint.baseUrl);
  const out: Record<string, unknown> = { dialect: endpoint.dialect, model: endpoint.model, simulated: endpoint.simulated, fetchedAt: new Date().toISOString() };
  let key: string | null = null;
  try {
    key = readApiKey(endpoint.apiKeyEnv, process.env);
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  }
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  await Promise.all(
    dialectModule(endpoint.dialect).provenanceRoutes.map(async (route) => {
      try {
        const res = await fetch(`${base}${route}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
        const text = await res.text();
        if (!res.ok) {
          out[route] = { error: `HTTP ${res.status}: ${excerpt(text, key)}` };
          return;
        }
        try {
          out[route] = JSON.parse(text) as unknown;
        } catch {
          out[route] = { text: excerpt(text, key) };
        }
      } catch (e) {
        out[route] = { error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
  return out;
}
