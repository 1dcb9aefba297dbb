#!/usr/bin/env node
// empirectl: the command-line companion of the Cloud Empire operator.
import { LedgerContractError, LedgerUnavailableError } from '../ledger/gateway.ts';
import { UsageError } from './args.ts';
import { catalog } from './commands/catalog.ts';
import { credentialIssue } from './commands/credential.ts';
import { didNew } from './commands/did.ts';
import { explain, federationSnapshot } from './commands/explain.ts';
import { ledger } from './commands/ledger.ts';
import { nodeAnswer, nodeProve, nodeVerify } from './commands/node.ts';
import { statusList } from './commands/statuslist.ts';

const HELP = `empirectl — Cloud Empire command line

  did new            create a did:key or did:web identity (private JWK, DID, did.json)
  credential issue   issue a SovereignNodeCredential (VC-JWT) for a node
  statuslist new|revoke|publish
                     keep a Bitstring Status List and sign it for publication
  node prove         sign a challenge with the node's DID key (a proof of possession)
  node answer        as a node agent: answer the challenge in a SovereignNode's status
  node verify        run the operator's verification pipeline offline (exit 0 verified, 3 not, 2 bad input)
  catalog            list the federation's GPU offerings from verified facts (table or json)
  catalog verify     check an offering's signed service-offering credential offline
  explain            why each cluster and GPU pool was chosen or refused for a FederatedWorkload,
                     and the replicas each gets (offline from a snapshot file, or live fw/NAME)
  federation snapshot
                     write the federation (MemberClusters, SovereignNodes, GpuPools) for offline explain
  ledger verify      recompute the embedded ledger's hash chain; name the first altered block
  ledger anchors sync
                     as the trust admin, register the configured trust anchors on Fabric
  ledger policy publish|get, ledger grant get|check|revoke, ledger decision get
                     as a data owner on Fabric: dataset policies, data-access grants, decisions

Run a command without arguments for its usage.`;

type Command = (args: string[], out: (line: string) => void) => Promise<number | void> | number | void;

const COMMANDS: Record<string, Command> = {
  'did new': didNew,
  'credential issue': credentialIssue,
  statuslist: statusList,
  'node prove': nodeProve,
  'node answer': nodeAnswer,
  'node verify': nodeVerify,
  catalog,
  explain,
  'federation snapshot': federationSnapshot,
  ledger,
};

export async function main(argv: string[], out = (line: string) => console.log(line), err = (line: string) => console.error(line)): Promise<number> {
  if (!argv.length || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    out(HELP);
    return argv.length ? 0 : 2;
  }
  const name = Object.keys(COMMANDS).find((key) => key.split(' ').every((word, i) => argv[i] === word));
  if (!name) {
    err(`empirectl: unknown command ${JSON.stringify(argv.slice(0, 2).join(' '))}\n\n${HELP}`);
    return 2;
  }
  try {
    const code = await COMMANDS[name](argv.slice(name.split(' ').length), out);
    return typeof code === 'number' ? code : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`empirectl ${name}: ${error.message}`);
      return 2;
    }
    // A ledger's refusal or absence is an answer, not a crash: its message says what happened.
    if (error instanceof LedgerContractError || error instanceof LedgerUnavailableError) {
      err(`empirectl ${name}: ${error.message}`);
      return 1;
    }
    err(`empirectl ${name}: ${(error as Error).stack ?? error}`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
