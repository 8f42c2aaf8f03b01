/**
 * Exit statuses shared by the commands. A module of its own so that a command
 * that needs them (interfaces, live) does not load the scan command, and with
 * it the analyzer, only to name a number.
 */

/** A usage error, or an input that is not a capture. */
export const EXIT_USAGE = 2;
/** poolwatch itself failed (a bug, an unexpected error). */
export const EXIT_INTERNAL = 1;
