#!/usr/bin/env node
// empirectl: the command-line companion of the Cloud Empire operator.
import './fatal-guard.ts';
import { main } from './main.ts';

export { main };

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
