// A variant that asks per request for a lever the server takes only at start-up is named
// before the sweep starts, so no difference is read into a lever the server never applied.
import { describe, expect, it } from 'vitest';
import { harnessesFor, serverLeverWarnings } from '../../runner/sweep/prepare.js';
import { servingConfigFromFlags, simulatedServingConfig } from '../../serving/control/config.js';

describe('serverLeverWarnings', () => {
  const problems: string[] = [];
  const harnesses = harnessesFor(['terse', 'tmux', 'tmux+spec', 'oracle'], null, problems);

  it('names each variant asking for speculative decoding per request on a llama-server', () => {
    expect(problems).toEqual([]);
    const [w, ...rest] = serverLeverWarnings(harnesses, servingConfigFromFlags({ baseUrl: 'http://127.0.0.1:8080', model: 'm', dialect: 'llama-server' }));
    expect(rest).toEqual([]);
    expect(w).toMatch(/^terse, tmux\+spec ask for speculative decoding per request, which llama-server applies only with a draft model at start-up/);
  });

  it('says nothing when no variant asks, or the server is the simulated one', () => {
    expect(serverLeverWarnings(harnessesFor(['tmux'], null, []), servingConfigFromFlags({ baseUrl: 'http://127.0.0.1:8080', model: 'm', dialect: 'llama-server' }))).toEqual([]);
    expect(serverLeverWarnings(harnesses, simulatedServingConfig({ timeScale: 0 }))).toEqual([]);
  });
});
