// empirectl's Fabric-side ledger commands: what a data owner or the trust
// authority's admin does with its own identity (a connection directory).
import { parse as parseYaml } from 'yaml';
import { parseDetails, parsePolicy } from '@cloud-empire/chaincode/dataset-policy';
import { ContractError } from '@cloud-empire/chaincode/errors';
import { FabricConnectionError, readFabricConnection } from '../../ledger/fabric/connection-files.ts';
import { anchorsOf, type SovereigntyLedger } from '../../ledger/ledger.ts';
import type { CliCommand, CliOutput, ExitCode } from '../command.ts';
import { UsageError } from '../errors.ts';
import { readText } from '../input.ts';
import { readTrustAnchors } from '../trust-anchors.ts';

const CONNECTION = ['--fabric-connection <dir>', 'your Fabric identity: a directory with connection.json, tls-ca.pem, cert.pem and key.pem'] as const;

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

async function connect(dir: string): Promise<SovereigntyLedger> {
  // The ledger clients (gRPC, the contracts) load when a command connects, not for --help.
  const { openFabricLedger } = await import('../../ledger/open.ts');
  try {
    return await openFabricLedger(readFabricConnection(dir, (path) => readText(path, '--fabric-connection')));
  } catch (error) {
    if (error instanceof FabricConnectionError) throw new UsageError(error.message);
    throw error;
  }
}

/** Opens the connection after the caller has checked every input, runs `work` and closes it. */
async function withLedger(dir: string, work: (ledger: SovereigntyLedger) => Promise<ExitCode>): Promise<ExitCode> {
  const ledger = await connect(dir);
  try {
    return await work(ledger);
  } finally {
    await ledger.close();
  }
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

type Connected = { fabricConnection: string };

export function registerFabricLedger(ledger: CliCommand, io: CliOutput): void {
  ledger
    .command('anchors')
    .description('the trust anchors registered on the ledger')
    .command('sync')
    .description("as the trust authority's admin (cloudempire.role=admin): make the ledger's trust anchors those of the trust configuration")
    .required(...CONNECTION)
    .required('--trust-anchors <file>', "the operator's trust configuration")
    .handle<Connected & { trustAnchors: string }>((options) => {
      const anchors = anchorsOf(readTrustAnchors(options.trustAnchors));
      return withLedger(options.fabricConnection, async (client) => {
        const { put, removed } = await client.syncTrustAnchors(anchors);
        io.out(`trust anchors: ${anchors.length} configured, ${put.length} registered or updated, ${removed.length} removed`);
        for (const did of put) io.out(`  + ${did}`);
        for (const did of removed) io.out(`  - ${did}`);
      });
    });

  const policy = ledger.command('policy').description("a data owner's dataset policies");
  policy
    .command('publish')
    .description("publish (or change) a dataset's policy; the details (location, keyReference) go as transient data into your private collection")
    .required(...CONNECTION)
    .required('-f, --file <policy.yaml>', 'the dataset policy')
    .option('--details <details.yaml>', "the dataset's private details")
    .handle<Connected & { file: string; details?: string }>((options) => {
      const parsed = readChecked(options.file, '-f', parsePolicy);
      const details = options.details ? readChecked(options.details, '--details', parseDetails) : undefined;
      return withLedger(options.fabricConnection, async (client) => io.out(json(await client.publishPolicy(parsed, details))));
    });
  policy
    .command('get')
    .description("read a dataset's policy")
    .required(...CONNECTION)
    .required('--dataset <id>', 'the dataset')
    .handle<Connected & { dataset: string }>((options) =>
      withLedger(options.fabricConnection, async (client) => io.out(json(await client.getPolicy(options.dataset)))),
    );

  const grant = ledger.command('grant').description('data-access grants');
  grant
    .command('list')
    .description('every grant issued on a dataset, oldest first (revoked and expired ones too): who may read your data, for which workload, on which nodes')
    .required(...CONNECTION)
    .required('--dataset <id>', 'the dataset')
    .option('-o, --output <format>', 'json, or name (the grant ids, one a line)', 'json')
    .handle<Connected & { dataset: string; output: string }>((options) => {
      if (options.output !== 'json' && options.output !== 'name') throw new UsageError(`-o ${options.output}: use json or name`);
      return withLedger(options.fabricConnection, async (client) => {
        const grants = await client.listGrants(options.dataset);
        if (options.output === 'json') io.out(json(grants));
        else for (const g of grants) io.out(g.grantId);
      });
    });
  grant
    .command('get')
    .description('read a grant')
    .required(...CONNECTION)
    .required('--grant <id>', 'the grant')
    .handle<Connected & { grant: string }>((options) =>
      withLedger(options.fabricConnection, async (client) => io.out(json(await client.getGrant(options.grant)))),
    );
  grant
    .command('check')
    .description('may this node, or without --node each node the grant is bound to, read the data now? (exit 0 allowed, 3 not)')
    .required(...CONNECTION)
    .required('--grant <id>', 'the grant')
    .option('--node <did>', "the node's DID (default: every node of the grant)")
    .handle<Connected & { grant: string; node?: string }>((options) =>
      withLedger(options.fabricConnection, async (client) => {
        const nodes = options.node ? [options.node] : (await client.getGrant(options.grant)).nodeDids;
        const verdicts = [];
        for (const node of nodes) verdicts.push(await client.checkAccess(options.grant, node));
        io.out(json(options.node ? verdicts[0] : verdicts));
        return verdicts.length && verdicts.every((v) => v.allowed) ? 0 : 3;
      }),
    );
  grant
    .command('revoke')
    .description('revoke a grant')
    .required(...CONNECTION)
    .required('--grant <id>', 'the grant')
    .handle<Connected & { grant: string }>((options) =>
      withLedger(options.fabricConnection, async (client) => io.out(json(await client.revokeGrant(options.grant)))),
    );

  ledger
    .command('decision')
    .description('placement decisions')
    .command('get')
    .description('read a placement decision')
    .required(...CONNECTION)
    .required('--decision <id>', 'the decision')
    .handle<Connected & { decision: string }>((options) =>
      withLedger(options.fabricConnection, async (client) => io.out(json(await client.getDecision(options.decision)))),
    );
}
