/**
 * The child side of "no orphans": a generator process ends when its parent goes away, however that
 * happens. Three independent triggers, any one suffices:
 *  - the IPC channel to the parent closes ('disconnect'; the parent died, even by SIGKILL);
 *  - the parent pid changes (re-parented to init or a subreaper), checked every `pollMs`;
 *  - SIGTERM or SIGINT (the parent's orderly stop, or Ctrl-C reaching the process group).
 * After the trigger the process has `graceMs` to clean up, then exits regardless.
 */

export function watchParent(onGone: () => void, pollMs = 250, graceMs = 1000): void {
  const parent = process.ppid;
  let gone = false;
  const trigger = (): void => {
    if (gone) return;
    gone = true;
    clearInterval(poll);
    setTimeout(() => process.exit(0), graceMs).unref();
    onGone();
  };
  const poll = setInterval(() => {
    if (process.ppid !== parent) trigger();
  }, pollMs);
  process.on('disconnect', trigger);
  process.on('SIGTERM', trigger);
  process.on('SIGINT', trigger);
}
