import type { RegisterCommand } from '../command.ts';
import { registerAudit } from './audit.ts';
import { registerCatalog } from './catalog.ts';
import { registerCompletion } from './completion.ts';
import { registerCredential } from './credential.ts';
import { registerDid } from './did.ts';
import { registerExplain } from './explain.ts';
import { registerLedger } from './ledger.ts';
import { registerNode } from './node.ts';
import { registerStatusList } from './statuslist.ts';

/**
 * Every command group of empirectl, in the order help lists them. A new
 * command is one file in this directory exporting a RegisterCommand, and one
 * line here.
 */
export const COMMANDS: RegisterCommand[] = [
  registerDid,
  registerCredential,
  registerStatusList,
  registerNode,
  registerCatalog,
  registerExplain,
  registerLedger,
  registerAudit,
  registerCompletion,
];
