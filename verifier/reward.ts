// Turns the verifier's reward files into a reward, or into the exact reason there is none.
// Pure: the caller reads the files; a missing, an empty and an unparseable reward are
// different substrate errors, so each gets its own result (Harbor's reward-file rules).

export const REWARD_JSON = 'reward.json';
export const REWARD_TXT = 'reward.txt';

export type RewardRead =
  | { kind: 'ok'; file: string; reward: number; rewards: Record<string, number> | null }
  | { kind: 'missing'; looked: string[] }
  | { kind: 'empty'; file: string }
  | { kind: 'invalid'; file: string; problem: string };

/** File contents as read from the reward directory; null when the file is absent. */
export interface RewardFiles {
  json: string | null;
  txt: string | null;
}

// One plain decimal number: rejects `NaN`, `Infinity`, hex, and the empty string that
// Number() would quietly read as 0.
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** reward.json wins when present (even when broken: a broken json never falls back to txt). */
export function parseReward(files: RewardFiles): RewardRead {
  if (files.json !== null) return parseRewardJson(files.json);
  if (files.txt !== null) return parseRewardTxt(files.txt);
  return { kind: 'missing', looked: [REWARD_JSON, REWARD_TXT] };
}

export function parseRewardTxt(text: string): RewardRead {
  const body = text.trim();
  if (body === '') return { kind: 'empty', file: REWARD_TXT };
  if (!NUMBER.test(body)) {
    return { kind: 'invalid', file: REWARD_TXT, problem: `expected one number, got ${quote(body)}` };
  }
  const reward = Number(body);
  if (!Number.isFinite(reward)) {
    return { kind: 'invalid', file: REWARD_TXT, problem: `${quote(body)} is not a finite number` };
  }
  return { kind: 'ok', file: REWARD_TXT, reward, rewards: null };
}

export function parseRewardJson(text: string): RewardRead {
  if (text.trim() === '') return { kind: 'empty', file: REWARD_JSON };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { kind: 'invalid', file: REWARD_JSON, problem: `not valid JSON (${(e as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { kind: 'invalid', file: REWARD_JSON, problem: `expected an object of numbers, got ${what}` };
  }
  const problems: string[] = [];
  const rewards: Record<string, number> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'number' && Number.isFinite(v)) rewards[key] = v;
    else problems.push(`"${key}" is ${JSON.stringify(v) ?? String(v)}, not a finite number`);
  }
  if (!('reward' in rewards) && !('reward' in value)) problems.push('no "reward" key (the headline reward)');
  if (problems.length > 0) return { kind: 'invalid', file: REWARD_JSON, problem: problems.join('; ') };
  return { kind: 'ok', file: REWARD_JSON, reward: rewards.reward!, rewards };
}

/** A reward of 1 or more passes; anything lower (partial credit included) fails. */
export function isPassingReward(reward: number): boolean {
  return reward >= 1;
}

function quote(s: string): string {
  const cut = s.length > 80 ? `${s.slice(0, 80)}…` : s;
  return JSON.stringify(cut);
}
