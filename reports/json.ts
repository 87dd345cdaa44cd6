// Report -> JSON: every table of the markdown as data, with the simulated mark at the top.

import type { Report } from './model.js';
import type { Comparison } from './compare.js';

export function renderJson(report: Report | Comparison): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
