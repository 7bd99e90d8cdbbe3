/** NVIDIA GPUs as `nvidia-smi -L` lists them; its absence is an answer, not an error. */
import { execFile } from 'node:child_process';

export type NvidiaGpus = { readonly found: true; readonly gpus: string[] } | { readonly found: false; readonly detail: string };

/** Lines like "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-...)"; never rejects. */
export function listNvidiaGpus(timeoutMs = 5000): Promise<NvidiaGpus> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['-L'], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error === null) {
        resolve({ found: true, gpus: stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '') });
        return;
      }
      const code = (error as NodeJS.ErrnoException).code;
      const detail = code === 'ENOENT' ? 'nvidia-smi not found' : `nvidia-smi -L failed: ${(stderr.trim() || error.message).split('\n')[0]}`;
      resolve({ found: false, detail });
    });
  });
}
