/** Bad input on the command line or in a file it names: exit 2 with this message. */
export class UsageError extends Error {}
