// Imported first by the entry point, so it runs before any library is loaded.
// Only when empirectl is the program: tests import its main in their own process.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { debugRequested, installFatalHandlers } from '../util/fatal.ts';

const entry = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (entry === fileURLToPath(new URL('./empirectl.ts', import.meta.url))) installFatalHandlers({ program: 'empirectl', debug: debugRequested() });
