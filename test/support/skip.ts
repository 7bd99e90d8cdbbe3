/** Skipping with a visible reason: mocha's `this.skip()` takes none, so the reason joins the titles. */

const mark = (reason: string) => ` [skipped: ${reason}]`;

/**
 * In a `beforeEach` hook or a test: when `reason` is defined, appends it to the test's title and
 * skips the test (mocha counts it as pending, never as passed).
 */
export function skipIf(ctx: Mocha.Context, reason: string | undefined): void {
  if (reason === undefined) return;
  const test = ctx.currentTest ?? ctx.test;
  if (test && !test.title.includes(mark(reason))) test.title += mark(reason);
  ctx.skip();
}

/** In a `before` hook: when `reason` is defined, marks every test of the suite with it and skips them all. */
export function skipSuiteIf(ctx: Mocha.Context, reason: string | undefined): void {
  if (reason === undefined) return;
  for (const test of ctx.test?.parent?.tests ?? []) if (!test.title.includes(mark(reason))) test.title += mark(reason);
  ctx.skip();
}
