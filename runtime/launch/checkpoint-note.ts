/** The sentence a failed job ends with: where its newest complete checkpoint is, and how to go on from it. */
import { CheckpointStore } from '../checkpoint/checkpoint-store.js';

export async function lastCheckpointNote(root: string | undefined): Promise<string> {
  if (root === undefined) return 'no checkpoints were configured (--checkpoint-dir)';
  const { set } = await new CheckpointStore(root).latestComplete().catch(() => ({ set: undefined }));
  if (!set) return `no complete checkpoint in ${root} yet`;
  return `last complete checkpoint: ${set.dir} (microbatch ${set.manifest.cutMicrobatch}); continue with --resume ${root}`;
}
