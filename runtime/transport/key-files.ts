/**
 * The CURVE key directory that `dynpipe keys generate --out DIR` writes and `--curve-keys DIR`
 * reads: `curve.public` and `curve.secret`, one Z85 key each. The directory is the job's
 * credential, so it is created mode 0700, the secret file 0600, and a secret file that group or
 * others may read is refused (as ssh refuses a private key).
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynpipeError } from '../errors.js';
import { type CurveKeys, checkCurveKeys } from './curve-keys.js';

export const PUBLIC_KEY_FILE = 'curve.public';
export const SECRET_KEY_FILE = 'curve.secret';

/** Writes `keys` into `dir` (created 0700); refuses to replace existing keys unless `overwrite`. */
export async function writeKeyDir(dir: string, keys: CurveKeys, overwrite = false): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const flag = overwrite ? 'w' : 'wx';
    await writeFile(join(dir, SECRET_KEY_FILE), keys.secretKey + '\n', { mode: 0o600, flag });
    await chmod(join(dir, SECRET_KEY_FILE), 0o600);
    await writeFile(join(dir, PUBLIC_KEY_FILE), keys.publicKey + '\n', { mode: 0o644, flag });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new DynpipeError('E_USAGE', `${dir} already holds CURVE keys (pass --force to replace them)`);
    throw new DynpipeError('E_IO', `cannot write CURVE keys to ${dir}: ${code ?? (e as Error).message}`, { cause: e });
  }
}

async function readKey(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DynpipeError('E_USAGE', `cannot read CURVE key ${path}: ${code === 'ENOENT' ? 'no such file (run dynpipe keys generate --out DIR)' : code ?? (e as Error).message}`);
  }
}

/** Reads and checks the key pair in `dir`; E_USAGE names the file and the fault. */
export async function readKeyDir(dir: string): Promise<CurveKeys> {
  const secretPath = join(dir, SECRET_KEY_FILE);
  const secretKey = await readKey(secretPath);
  const mode = (await stat(secretPath)).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new DynpipeError('E_USAGE', `${secretPath} is readable by others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 on it`);
  const publicKey = await readKey(join(dir, PUBLIC_KEY_FILE));
  return checkCurveKeys({ publicKey, secretKey }, dir);
}
