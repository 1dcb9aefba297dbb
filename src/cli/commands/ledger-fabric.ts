// empirectl's Fabric-side ledger commands: what a data owner or the trust
// authority's admin does with its own identity (a connection directory).
import { parse as parseYaml } from 'yaml';
import { parseDetails, parsePolicy } from '@cloud-empire/chaincode/dataset-policy';
import { ContractError } from '@cloud-empire/chaincode/errors';
import { FabricConnectionError, readFabricConnection } from '../../ledger/fabric/connection-files.ts';
import { anchorsOf, type SovereigntyLedger } from '../../ledger/ledger.ts';
import { openFabricLedger } from '../../ledger/open.ts';
import { parse, readText, required, UsageError } from '../args.ts';
import { readTrustAnchors } from '../trust-anchors.ts';

export const FABRIC_USAGE = `empirectl ledger anchors sync --fabric-connection DIR --trust-anchors FILE
  As the trust authority's admin (cloudempire.role=admin), make the ledger's
  trust anchors those of the operator's trust configuration.
empirectl ledger policy publish --fabric-connection DIR -f POLICY.yaml [--details DETAILS.yaml]
  As a data owner, publish (or change) a dataset's policy; the details
  (location, keyReference) go as transient data into your private collection.
empirectl ledger policy get --fabric-connection DIR --dataset ID
empirectl ledger grant get|check|revoke --fabric-connection DIR --grant ID [--node DID]
empirectl ledger decision get --fabric-connection DIR --decision ID
  DIR holds connection.json, tls-ca.pem, cert.pem and key.pem.`;

const SUBCOMMANDS = ['anchors sync', 'policy publish', 'policy get', 'grant get', 'grant check', 'grant revoke', 'decision get'];

export function isFabricSubcommand(args: string[]): boolean {
  return SUBCOMMANDS.includes(args.slice(0, 2).join(' '));
}

/** Reads a YAML or JSON file and runs the contract's own parser on it, so bad input fails here (exit 2) with the contract's words. */
function readChecked<T>(file: string, what: string, check: (raw: unknown) => T): T {
  let raw: unknown;
  try {
    raw = parseYaml(readText(file, what));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  try {
    return check(raw);
  } catch (error) {
    if (error instanceof ContractError) throw new UsageError(`${file}: ${error.message.replace(/^InvalidArgument: /, '')}`);
    throw error;
  }
}

async function connect(values: Record<string, unknown>): Promise<SovereigntyLedger> {
  try {
    return await openFabricLedger(readFabricConnection(required(values, 'fabric-connection', FABRIC_USAGE)));
  } catch (error) {
    if (error instanceof FabricConnectionError) throw new UsageError(error.message);
    throw error;
  }
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

export async function ledgerFabric(args: string[], out: (line: string) => void): Promise<number> {
  const command = args.slice(0, 2).join(' ');
  const values = parse(
    args.slice(2),
    {
      'fabric-connection': { type: 'string' },
      'trust-anchors': { type: 'string' },
      file: { type: 'string', short: 'f' },
      details: { type: 'string' },
      dataset: { type: 'string' },
      grant: { type: 'string' },
      node: { type: 'string' },
      decision: { type: 'string' },
    },
    FABRIC_USAGE,
  );
  // Check every input before opening a connection.
  const policy = command === 'policy publish' ? readChecked(required(values, 'file', FABRIC_USAGE), '-f', parsePolicy) : undefined;
  const details = command === 'policy publish' && values.details ? readChecked(values.details as string, '--details', parseDetails) : undefined;
  const anchors = command === 'anchors sync' ? anchorsOf(readTrustAnchors(required(values, 'trust-anchors', FABRIC_USAGE))) : undefined;
  const want = (name: string) => required(values, name, FABRIC_USAGE);
  const argument =
    command === 'policy get' ? want('dataset') : command.startsWith('grant') ? want('grant') : command === 'decision get' ? want('decision') : undefined;
  const node = command === 'grant check' ? want('node') : undefined;

  const client = await connect(values);
  try {
    switch (command) {
      case 'anchors sync': {
        const { put, removed } = await client.syncTrustAnchors(anchors!);
        out(`trust anchors: ${anchors!.length} configured, ${put.length} registered or updated, ${removed.length} removed`);
        for (const did of put) out(`  + ${did}`);
        for (const did of removed) out(`  - ${did}`);
        return 0;
      }
      case 'policy publish':
        out(json(await client.publishPolicy(policy!, details)));
        return 0;
      case 'policy get':
        out(json(await client.getPolicy(argument!)));
        return 0;
      case 'grant get':
        out(json(await client.getGrant(argument!)));
        return 0;
      case 'grant check': {
        const verdict = await client.checkAccess(argument!, node!);
        out(json(verdict));
        return verdict.allowed ? 0 : 3;
      }
      case 'grant revoke':
        out(json(await client.revokeGrant(argument!)));
        return 0;
      default:
        out(json(await client.getDecision(argument!)));
        return 0;
    }
  } finally {
    await client.close();
  }
}
