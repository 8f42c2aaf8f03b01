/** The writers' neutralising functions live in src/escape.ts, which every stage may import; kept here for the report's imports. */
export { csvCell, excerpt, forTerminal, hasUnsafe, safeJson, shortened } from '../escape';
