import type { TrialContainer } from '../../../core/container.js';
import type { Levers } from '../../../core/harness.js';
import { HostExecExecutor } from './host-exec.js';
import { TmuxExecutor } from './tmux.js';
import type { Executor, ExecutorOptions } from './types.js';

export function createExecutor(state: Levers['state'], container: TrialContainer, options: ExecutorOptions): Executor {
  return state === 'tmux' ? new TmuxExecutor(container, options) : new HostExecExecutor(container, options);
}
