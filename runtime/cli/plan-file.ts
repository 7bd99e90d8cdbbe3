/** Reads and validates a plan file for the CLI: one-line errors naming the file. */
import { readFile } from 'node:fs/promises';
import { parsePlan, type Plan } from '../plan/plan.js';
import { DynpipeError } from '../errors.js';

export async function readPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot read plan ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parsePlan(text, path);
}
