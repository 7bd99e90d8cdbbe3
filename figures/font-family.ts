/**
 * The family every figure's text is set in. Its own module, free of Node imports, because the
 * figure specs that name it also run in the dashboard's browser page (runtime/dashboard/page/).
 */
export const FONT_FAMILY = 'DejaVu Sans';
