/**
 * The fonts figures are set in. resvg draws text only with the font files it is given, so PNGs
 * need these files; on Debian they come from the package fonts-dejavu-core.
 */
import { existsSync } from 'node:fs';

export { FONT_FAMILY } from './font-family.js';

/** A regular and a bold face of one family: what text is measured and drawn with. */
export interface FontFaces {
  regular: string;
  bold: string;
}

/** DejaVu Sans as installed by Debian's fonts-dejavu-core. */
export const DEJAVU_FACES: FontFaces = {
  regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
};

export const DEJAVU_FONT_FILES: readonly string[] = [DEJAVU_FACES.regular, DEJAVU_FACES.bold];

/** The font files that do not exist (empty when rendering PNGs can go ahead). */
export function missingFonts(fontFiles: readonly string[]): string[] {
  return fontFiles.filter((f) => !existsSync(f));
}
