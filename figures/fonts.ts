/**
 * The fonts figures are set in. resvg draws text only with the font files it is given, so PNGs
 * need these files; on Debian they come from the package fonts-dejavu-core.
 */
import { existsSync } from 'node:fs';

export const FONT_FAMILY = 'DejaVu Sans';

/** DejaVu Sans regular and bold, as installed by Debian's fonts-dejavu-core. */
export const DEJAVU_FONT_FILES: readonly string[] = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
];

/** The font files that do not exist (empty when rendering PNGs can go ahead). */
export function missingFonts(fontFiles: readonly string[]): string[] {
  return fontFiles.filter((f) => !existsSync(f));
}
