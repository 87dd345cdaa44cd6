// The one agent loop behind both `terse` and `tmux`: ask the model, parse the reply under
// the contract lever, run it through the state lever's executor, feed the result back
// under the context policy, one TurnRecord per model call. The two harnesses differ only
// in the levers they start from.

import { ERROR_CODES, PairbenchError, isPairbenchError } from '../../core/errors.js';
import type { ChatResult } from '../../serving/client/types.js';
import type { TurnRecord } from '../../core/turn.js';
import { StateFile, buildMessages, type Exchange } from '../context.js';
import type { HarnessContext, HarnessResult, HarnessStop } from '../types.js';
import type { HarnessSpec, Levers } from '../../core/harness.js';
import { createExecutor } from './executors/create.js';
import type { ActionOutcome } from './executors/types.js';
import { cutToBudget } from './observation.js';
import { REPLY_CONTRACTS } from './replies.js';
import { cutBy, onComplete, onViolation } from './reply-policy.js';
import { buildChatRequest } from './request.js';
import { turnFromFailedCall, turnFromTelemetry } from './turn-record.js';
import { maybeThrowForTest } from './test-faults.js';
import { ModelCallError } from '../../serving/client/errors.js';

export const DEFAULT_COMMAND_TIMEOUT_SEC = 120;
const MIN_EXEC_OUTPUT_BYTES = 256 * 1024;

export async function runAgentLoop(spec: HarnessSpec, levers: Levers, ctx: HarnessContext): Promise<HarnessResult> {
  const model = ctx.model;
  if (model === null) {
    throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `harness "${spec.name}" needs a model endpoint (--serving)`, { outcome: 'serving_failed' });
  }
  const limits = spec.limits;
  const contract = REPLY_CONTRACTS[levers.contract];
  const opening = { system: contract.systemPrompt, instruction: ctx.task.instruction };
  const executor = createExecutor(levers.state, ctx.container, {
    commandTimeoutMs: (limits.commandTimeoutSec ?? DEFAULT_COMMAND_TIMEOUT_SEC) * 1000,
    maxOutputBytes: Math.max(MIN_EXEC_OUTPUT_BYTES, limits.observationBytes * 4),
  });
  const stateFile = levers.context.kind === 'state-file' ? new StateFile(ctx.trialDir, ctx.task.name) : null;
  let stateText: string | null = null;
  const history: Exchange[] = [];
  let turn = 0;
  let violationsInARow = 0;
  let pendingConfirmation = false;

  const stop = (why: HarnessStop): HarnessResult => {
    ctx.transcript({ type: 'stop', stop: why, turns: turn });
    return { stop: why, turns: turn };
  };
  const emit = (row: TurnRecord): void => {
    ctx.onTurn(row);
    turn++;
  };
  const remember = async (index: number, reply: ChatResult, feedback: string, ran: ActionOutcome | null): Promise<void> => {
    // Under the tools contract a call is answered by its tool result, corrections included.
    const call = reply.toolCalls[0];
    history.push(call === undefined ? { reply: reply.content, feedback } : { reply: reply.content, feedback, call });
    ctx.transcript({ type: 'feedback', turn: index, content: feedback });
    if (stateFile !== null) {
      stateFile.record({ turn: index, command: ran?.command ?? null, exitCode: ran?.exitCode ?? null, timedOut: ran?.timedOut ?? false, output: ran?.observation ?? '' });
      stateText = await stateFile.write();
    }
  };

  if (ctx.signal.aborted) return stop('agent_timeout');
  ctx.transcript({ type: 'start', harness: spec.name, levers, limits, executor: executor.kind });
  await executor.start(ctx.signal);

  for (;;) {
    if (ctx.signal.aborted) return stop('agent_timeout');
    if (turn >= limits.maxTurns) return stop('turn_limit');

    const request = buildChatRequest(buildMessages(levers.context, opening, history, stateText), levers, limits, { task: ctx.task.name, trial: ctx.trialId }, ctx.signal, contract.tools);
    ctx.transcript({ type: 'request', turn, messages: request.messages, thinking: request.thinking, speculative: request.speculative, maxTokens: request.maxTokens });
    let reply: ChatResult;
    try {
      reply = await model.chat(request);
    } catch (e) {
      if (ctx.signal.aborted) return stop('agent_timeout');
      // The failed call is a turn like any other: its status and code are the evidence.
      if (e instanceof ModelCallError) emit(turnFromFailedCall(turn, e));
      // The error's outcome says whose failure it is: the server's, or the conversation's.
      throw e;
    }
    ctx.transcript({ type: 'reply', turn, content: reply.content, reasoning: reply.reasoning, ...(reply.toolCalls.length > 0 && { toolCalls: reply.toolCalls }), telemetry: reply.telemetry });
    const row = turnFromTelemetry(turn, reply.telemetry);

    const parsed = contract.parse(reply);
    maybeThrowForTest(spec.name, ctx.task.instruction);
    if (!parsed.ok) {
      row.parse_ok = false;
      row.error_code = ERROR_CODES.CONTRACT_VIOLATION;
      const decision = onViolation(contract, parsed.problem, cutBy(reply.telemetry, limits.maxOutputTokens), violationsInARow);
      ctx.transcript({ type: 'violation', turn, problem: parsed.problem, decision: decision.kind });
      emit(row);
      if (decision.kind === 'output_limit' || decision.kind === 'context_limit') return stop(decision.kind);
      violationsInARow = decision.violationsInARow;
      await remember(row.turn_index, reply, decision.feedback, null);
      continue;
    }
    violationsInARow = 0;
    row.parse_ok = true;
    const step = parsed.value;

    let ran: ActionOutcome | null = null;
    if (step.actions.length > 0 || !step.complete) {
      try {
        ran = await executor.run(step.actions, ctx.signal);
      } catch (e) {
        // Record the turn that lost the container, then let the substrate error end the trial.
        row.command = step.actions.map((a) => (a.kind === 'command' ? a.command : a.keys)).join('\n');
        row.error_code = isPairbenchError(e) ? e.code : null;
        emit(row);
        throw e;
      }
      row.command = ran.command;
      row.exit_code = ran.exitCode;
      row.exec_ms = ran.execMs;
      row.wait_ms = ran.waitMs;
      if (ran.timedOut) row.error_code = ERROR_CODES.COMMAND_TIMEOUT;
      ctx.transcript({ type: 'exec', turn, executor: executor.kind, command: ran.command, exitCode: ran.exitCode, timedOut: ran.timedOut, execMs: ran.execMs, waitMs: ran.waitMs, observation: ran.observation });
      if (ran.aborted) {
        emit(row);
        return stop('agent_timeout');
      }
    }
    const observation = ran === null ? null : cutToBudget(ran.observation, limits.observationBytes);

    if (step.complete) {
      const decision = onComplete(contract, pendingConfirmation, observation);
      if (decision.kind === 'done') {
        emit(row);
        return stop('done');
      }
      pendingConfirmation = true;
      emit(row);
      await remember(row.turn_index, reply, decision.feedback, ran);
      continue;
    }
    pendingConfirmation = false;
    emit(row);
    await remember(row.turn_index, reply, observation ?? '', ran);
  }
}
