/** The sentence a failed job ends with: where its newest complete checkpoint is, and how to go on from it. */
import { CheckpointStore } from '../checkpoint/checkpoint-store.js';

/** `message`, followed by the newest complete checkpoint in `root` (unchanged when there is no store). */
export async function withCheckpointNote(message: string, root: string | undefined): Promise<string> {
  if (root === undefined) return message;
  const { set } = await new CheckpointStore(root).latestComplete().catch(() => ({ set: undefined }));
  if (!set) return `${message}; no complete checkpoint in ${root} yet`;
  return `${message}; last complete checkpoint: ${set.dir} (microbatch ${set.manifest.cutMicrobatch}); continue with --resume ${root}`;
}
