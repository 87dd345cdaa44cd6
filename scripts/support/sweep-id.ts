// The sweep id of a running `pairbench run --json`, read from its sweep_start line as soon as
// it is printed: shared by the check scripts and the e2e tests that signal a running sweep.

import type { ResultPromise } from 'execa';

export function sweepIdOf(child: ResultPromise): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"event":"sweep_start"[^\n]*"sweepId":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    void Promise.resolve(child).then((r) => reject(new Error(`pairbench exited before starting a sweep (${r.exitCode}): ${String(r.all ?? '')}`)));
  });
}
