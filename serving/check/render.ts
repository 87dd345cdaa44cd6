// A serving check as the reports print things: a heading, the SIMULATED notice where it
// applies, and one markdown table row per question. `--json` prints the ServingCheck itself.

import { CHECK_QUESTIONS, QUESTION_IDS, type CheckQuestion, type Finding, type ServingCheck } from './findings.js';

export const SIMULATED_CHECK_NOTICE =
  "SIMULATED SERVING: this server is pairbench's simulated llama-server, not a model server; its answers show what the simulator does.";

export function renderCheck(check: ServingCheck): string {
  const t = check.target;
  const lines = [`# Serving check: ${t.baseUrl} (${t.dialect}, model ${t.model})`, '', `checked ${check.checkedAt}`, ''];
  if (t.simulated) lines.push(SIMULATED_CHECK_NOTICE, '');
  lines.push('| lever | answer | evidence |', '|---|---|---|');
  for (const id of QUESTION_IDS) {
    const f = check.findings[id];
    lines.push(`| ${CHECK_QUESTIONS[id]} | ${answer(id, f)} | ${cell(evidence(f))} |`);
  }
  const ignored = QUESTION_IDS.filter((id) => check.findings[id].verdict === 'no');
  lines.push('');
  lines.push(
    ignored.length === 0
      ? 'Every lever checked answered as pairbench expects.'
      : `Not honoured here: ${ignored.map((id) => CHECK_QUESTIONS[id]).join('; ')}. A sweep on this server warns before it starts when a variant asks for one of these.`,
  );
  return `${lines.join('\n')}\n`;
}

function answer(id: CheckQuestion, f: Finding): string {
  if (f.verdict === 'unknown') return `unknown: ${cell(f.detail)}`;
  // The context size is a figure, not a yes or no.
  return id === 'contextSize' && f.verdict === 'yes' ? `${String(f.value)} tokens` : f.verdict;
}

function evidence(f: Finding): string {
  if (f.verdict === 'unknown') return '';
  if (f.field === null) return f.detail;
  const shown = `${f.field} = ${value(f.value)}`;
  return f.detail === '' ? shown : `${shown}; ${f.detail}`;
}

function value(v: unknown): string {
  if (v === null || v === undefined) return 'absent';
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k} ${String(x)}`).join(', ');
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
