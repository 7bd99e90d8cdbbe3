/**
 * Where a worker learns its place in the job: rank, world size, local rank and the coordinator's
 * address and port, each from a flag or else from the launcher that started it. Pure: the caller
 * passes the environment record and the parsed flags; nothing here reads `process.env`.
 *
 * Resolution of each field, first match wins:
 *  1. the flag (`--rank`, ...), whatever the environment says;
 *  2. DYNPIPE_MASTER_ADDR / DYNPIPE_MASTER_PORT (address and port only): dynpipe's own variables,
 *     the environment form of the flags, so they override a launcher's values;
 *  3. variables a launcher sets, read verbatim: Slurm (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID),
 *     Open MPI (OMPI_COMM_WORLD_RANK, _SIZE, _LOCAL_RANK), torchrun-style (RANK, WORLD_SIZE,
 *     LOCAL_RANK). All that are set must agree: two that differ are an E_USAGE naming both. The
 *     reported source is the first in that order (Slurm, Open MPI, torchrun);
 *  4. MASTER_ADDR / MASTER_PORT (address and port only): torchrun's variables, which Open MPI users
 *     set too since mpirun has none of its own; reported as source 'env';
 *  5. values only implied by Slurm, used when nothing above sets the field: the coordinator is the
 *     first host of the step's node list, and its port is derived from the job id. They are
 *     guesses, so a variable that names the address or port replaces them without a conflict;
 *  6. local rank defaults to 0, and world size to the plan's number of ranks when the caller
 *     passes it (`planWorldSize`; ranks started by hand need not repeat it).
 * A missing rank, world size, address or port is an E_USAGE naming the flag and variables to set.
 *
 * `launcher` (flag, or DYNPIPE_LAUNCHER) restricts steps 3 and 5 to one launcher's variables, for jobs
 * where two launchers nest (mpirun inside an sbatch script leaves SLURM_PROCID in every rank's env).
 */
import { DynpipeError } from '../errors.js';
import { firstHost } from './hostlist.js';

export type Env = Readonly<Record<string, string | undefined>>;

export const LAUNCHERS = ['slurm', 'openmpi', 'torchrun'] as const;
export type Launcher = (typeof LAUNCHERS)[number];

export type SourceKind = 'flag' | 'dynpipe' | Launcher | 'env' | 'default';

/** Where a value came from: `{kind: 'slurm', detail: 'SLURM_PROCID'}`, `{kind: 'flag', detail: '--rank'}`. */
export interface Source {
  kind: SourceKind;
  detail: string;
}

export interface Sourced<T> {
  value: T;
  source: Source;
}

/** The worker's flags that concern placement; absent = not given on the command line. */
export interface LaunchFlags {
  rank?: number;
  worldSize?: number;
  localRank?: number;
  masterAddr?: string;
  masterPort?: number;
  launcher?: Launcher;
  /** The plan's number of ranks: the world size when no flag or launcher variable sets one. */
  planWorldSize?: number;
}

export interface DetectedLaunch {
  rank: Sourced<number>;
  worldSize: Sourced<number>;
  localRank: Sourced<number>;
  masterAddr: Sourced<string>;
  masterPort: Sourced<number>;
}

type Field = keyof DetectedLaunch;

/** Slurm-derived ports fall in [DERIVED_PORT_BASE, DERIVED_PORT_BASE + DERIVED_PORT_SPAN): above the
 * privileged range and Slurm's own 6817-6819, below Linux's ephemeral range (32768+). */
export const DERIVED_PORT_BASE = 20000;
export const DERIVED_PORT_SPAN = 10000;

/**
 * The coordinator port for Slurm job `jobId`: the same in every step of the job, so a separate
 * `dynpipe coordinator` step and the workers' step agree, and different for the 10000 jobs that
 * follow. Two trainings inside one allocation need DYNPIPE_MASTER_PORT for the second.
 */
export function derivedSlurmPort(jobId: number): number {
  return DERIVED_PORT_BASE + (jobId % DERIVED_PORT_SPAN);
}

interface FieldSpec {
  flag: string;
  label: string;
  parse(text: string, what: string): number | string;
  /** Launcher variables read verbatim (step 3), in source order. */
  vars: ReadonlyArray<readonly [Launcher, string]>;
  /** dynpipe's own variable (step 2). */
  dynpipeVar?: string;
  /** A variable any launcher's user may set (step 4). */
  genericVar?: string;
}

function parseCount(min: number, max: number) {
  return (text: string, what: string): number => {
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new DynpipeError('E_USAGE', `${what} must be an integer in [${min}, ${max}], got '${text}'`);
    }
    return n;
  };
}

function parseHost(text: string, what: string): string {
  if (!/^[A-Za-z0-9._:[\]-]+$/.test(text)) throw new DynpipeError('E_USAGE', `${what} must be a host name or IP address, got '${text}'`);
  return text;
}

const MAX_RANKS = 1 << 20;

const FIELDS: Record<Field, FieldSpec> = {
  rank: {
    flag: '--rank',
    label: 'rank',
    parse: parseCount(0, MAX_RANKS - 1),
    vars: [['slurm', 'SLURM_PROCID'], ['openmpi', 'OMPI_COMM_WORLD_RANK'], ['torchrun', 'RANK']],
  },
  worldSize: {
    flag: '--world-size',
    label: 'world size',
    parse: parseCount(1, MAX_RANKS),
    vars: [['slurm', 'SLURM_NTASKS'], ['openmpi', 'OMPI_COMM_WORLD_SIZE'], ['torchrun', 'WORLD_SIZE']],
  },
  localRank: {
    flag: '--local-rank',
    label: 'local rank',
    parse: parseCount(0, MAX_RANKS - 1),
    vars: [['slurm', 'SLURM_LOCALID'], ['openmpi', 'OMPI_COMM_WORLD_LOCAL_RANK'], ['torchrun', 'LOCAL_RANK']],
  },
  masterAddr: {
    flag: '--master-addr',
    label: 'coordinator address',
    parse: parseHost,
    vars: [],
    dynpipeVar: 'DYNPIPE_MASTER_ADDR',
    genericVar: 'MASTER_ADDR',
  },
  masterPort: {
    flag: '--master-port',
    label: 'coordinator port',
    parse: parseCount(1, 65535),
    vars: [],
    dynpipeVar: 'DYNPIPE_MASTER_PORT',
    genericVar: 'MASTER_PORT',
  },
};

/** Node-list variables, most specific first: a step may run on a subset of the job's nodes. */
const SLURM_NODELISTS = ['SLURM_STEP_NODELIST', 'SLURM_JOB_NODELIST', 'SLURM_NODELIST'];

function read(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** The one launcher to consult (--launcher, else DYNPIPE_LAUNCHER), or undefined for all of them. */
function chosenLauncher(env: Env, flags: LaunchFlags): Launcher | undefined {
  const [what, v] = flags.launcher !== undefined ? ['--launcher', flags.launcher] : ['DYNPIPE_LAUNCHER', read(env, 'DYNPIPE_LAUNCHER')];
  if (v === undefined) return undefined;
  if (!(LAUNCHERS as readonly string[]).includes(v)) {
    throw new DynpipeError('E_USAGE', `${what} must be one of ${LAUNCHERS.join(', ')}, got '${v}'`);
  }
  return v as Launcher;
}

/** Step 3: every launcher variable that is set must agree; the first in source order is reported. */
function fromLaunchers(env: Env, field: Field, only: Launcher | undefined): Sourced<number | string> | undefined {
  const spec = FIELDS[field];
  let found: { value: number | string; name: string; kind: Launcher } | undefined;
  for (const [kind, name] of spec.vars) {
    if (only !== undefined && kind !== only) continue;
    const text = read(env, name);
    if (text === undefined) continue;
    const value = spec.parse(text, name);
    if (found === undefined) {
      found = { value, name, kind };
    } else if (found.value !== value) {
      throw new DynpipeError(
        'E_USAGE',
        `${spec.label}: ${found.name}=${found.value} (${found.kind}) disagrees with ${name}=${value} (${kind}); ` +
          `pass ${spec.flag}, unset one, or set DYNPIPE_LAUNCHER`,
      );
    }
  }
  return found && { value: found.value, source: { kind: found.kind, detail: found.name } };
}

/** Step 5: the coordinator host and port that a Slurm step implies. */
function impliedBySlurm(env: Env, field: Field): Sourced<number | string> | undefined {
  if (field === 'masterAddr') {
    for (const name of SLURM_NODELISTS) {
      const list = read(env, name);
      if (list === undefined) continue;
      let host: string;
      try {
        host = firstHost(list);
      } catch (e) {
        throw new DynpipeError('E_USAGE', `${name}: ${(e as Error).message}`);
      }
      return { value: host, source: { kind: 'slurm', detail: `first host of ${name}=${list}` } };
    }
  }
  if (field === 'masterPort') {
    const job = read(env, 'SLURM_JOB_ID');
    if (job === undefined) return undefined;
    const jobId = parseCount(0, Number.MAX_SAFE_INTEGER)(job, 'SLURM_JOB_ID');
    return { value: derivedSlurmPort(jobId), source: { kind: 'slurm', detail: `derived from SLURM_JOB_ID=${jobId}` } };
  }
  return undefined;
}

function missing(field: Field, only: Launcher | undefined): DynpipeError {
  const spec = FIELDS[field];
  const vars = [
    ...(spec.dynpipeVar ? [spec.dynpipeVar] : []),
    ...spec.vars.filter(([k]) => only === undefined || k === only).map(([, n]) => n),
    ...(spec.genericVar ? [spec.genericVar] : []),
  ];
  const slurmHint =
    field === 'masterAddr' ? ' (Slurm sets it through SLURM_JOB_NODELIST)' : field === 'masterPort' ? ' (Slurm sets it through SLURM_JOB_ID)' : '';
  return new DynpipeError('E_USAGE', `${spec.label} not set: pass ${spec.flag} or set ${vars.join(' or ')}${slurmHint}`);
}

function fromVar(env: Env, spec: FieldSpec, name: string | undefined, kind: SourceKind): Sourced<number | string> | undefined {
  const text = name === undefined ? undefined : read(env, name);
  return text === undefined || name === undefined ? undefined : { value: spec.parse(text, name), source: { kind, detail: name } };
}

function resolve(env: Env, flags: LaunchFlags, field: Field, only: Launcher | undefined): Sourced<number | string> {
  const spec = FIELDS[field];
  const flag = flags[field];
  if (flag !== undefined) return { value: spec.parse(String(flag), spec.flag), source: { kind: 'flag', detail: spec.flag } };
  const found =
    fromVar(env, spec, spec.dynpipeVar, 'dynpipe') ??
    fromLaunchers(env, field, only) ??
    fromVar(env, spec, spec.genericVar, 'env') ??
    (only === undefined || only === 'slurm' ? impliedBySlurm(env, field) : undefined);
  if (found) return found;
  if (field === 'localRank') return { value: 0, source: { kind: 'default', detail: 'default' } };
  if (field === 'worldSize' && flags.planWorldSize !== undefined) return { value: flags.planWorldSize, source: { kind: 'default', detail: 'the plan' } };
  throw missing(field, only);
}

/** Where a value came from, for messages: '--rank', 'default', 'SLURM_PROCID (slurm)'. */
export function describeSource(s: Sourced<unknown>): string {
  const { kind, detail } = s.source;
  return kind === 'flag' || kind === 'default' ? detail : `${detail} (${kind})`;
}

/**
 * Resolves the five placement fields (see the module comment for the order). Throws E_USAGE, one
 * line, on a malformed value, two launchers that disagree, a missing field, or a rank or local rank
 * not below the world size.
 */
export function detectLaunch(env: Env, flags: LaunchFlags = {}): DetectedLaunch {
  const only = chosenLauncher(env, flags);
  const get = (f: Field) => resolve(env, flags, f, only);
  const out: DetectedLaunch = {
    rank: get('rank') as Sourced<number>,
    worldSize: get('worldSize') as Sourced<number>,
    localRank: get('localRank') as Sourced<number>,
    masterAddr: get('masterAddr') as Sourced<string>,
    masterPort: get('masterPort') as Sourced<number>,
  };
  for (const f of ['rank', 'localRank'] as const) {
    if (out[f].value >= out.worldSize.value) {
      throw new DynpipeError(
        'E_USAGE',
        `${FIELDS[f].label} ${out[f].value} from ${describeSource(out[f])} must be below world size ${out.worldSize.value} from ${describeSource(out.worldSize)}`,
      );
    }
  }
  return out;
}

/** `dynpipe worker --print-env`: one row per field with its value and source, columns aligned. */
export function formatDetected(d: DetectedLaunch): string {
  const rows: string[][] = [
    ['field', 'value', 'source'],
    ...(Object.keys(FIELDS) as Field[]).map((f) => [FIELDS[f].label, String(d[f].value), describeSource(d[f])]),
  ];
  const widths = [0, 1].map((c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`).join('\n') + '\n';
}
