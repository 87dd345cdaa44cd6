// No owned server outlives its runner: a process that owns a simulated server (through the
// serving controller, as a sweep does) is SIGKILLed, and the server exits on its own.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'pb-orphan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    return false;
  } catch {
    return true;
  }
}

describe('a SIGKILLed runner', () => {
  it('leaves no simulated server listening', async () => {
    const script = join(dir, 'runner.mjs');
    writeFileSync(
      script,
      `import { createServingController } from ${JSON.stringify(join(ROOT, 'dist/serving/control/controller.js'))};
import { simulatedServingConfig } from ${JSON.stringify(join(ROOT, 'dist/serving/control/config.js'))};
const c = createServingController(simulatedServingConfig({ timeScale: 0 }), { sweepDir: ${JSON.stringify(dir)} });
await c.start();
process.stdout.write(c.endpoint.baseUrl + '\\n');
setInterval(() => {}, 1000);
`,
    );
    const runner = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      runner.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      runner.once('exit', (code) => reject(new Error(`runner exited early (${code})`)));
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    runner.kill('SIGKILL');
    let gone = false;
    for (let i = 0; i < 40 && !gone; i++) {
      await new Promise((r) => setTimeout(r, 250));
      gone = await refused(url);
    }
    expect(gone).toBe(true);
  });
});
