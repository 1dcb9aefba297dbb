import { issueNodeCredential } from '../../trust/issue.ts';
import type { CliCommand, CliOutput } from '../command.ts';
import { UsageError } from '../errors.ts';
import { epochSeconds, seconds } from '../values.ts';
import { countryFlag, readKeyFile } from './keyfile.ts';

interface IssueOptions {
  issuerKey: string;
  subject: string;
  cluster: string;
  node: string;
  country: string;
  provider?: string;
  validFor: string;
  validFrom?: string;
  statusList?: string;
  statusIndex?: string;
}

export function registerCredential(program: CliCommand, io: CliOutput): void {
  const credential = program.command('credential').description('credentials issued by a trust anchor');
  credential
    .command('issue')
    .description('issue a SovereignNodeCredential (VC-JWT) for a node; prints the JWT')
    .required('--issuer-key <file>', "the issuer's private key from `empirectl did new`")
    .required('--subject <did>', "the node's did:web or did:key")
    .required('--cluster <name>', 'the MemberCluster the node belongs to')
    .required('--node <name>', "the node's name in its member cluster")
    .required('--country <CC>', 'the attested country, ISO 3166-1 alpha-2 (FR)')
    .option('--provider <name>', 'the infrastructure provider')
    .option('--valid-for <duration>', 'validity, e.g. 90d, 12h', '90d')
    .option('--valid-from <RFC3339>', 'start of validity (default: now)')
    .option('--status-list <url>', 'the Bitstring Status List that can revoke it (with --status-index)')
    .option('--status-index <n>', "the credential's index in the status list")
    .handle<IssueOptions>(async (options) => io.out(await issue(options)));
}

async function issue(options: IssueOptions): Promise<string> {
  const key = readKeyFile(options.issuerKey, 'issuer-key');
  const { subject, statusList, statusIndex } = options;
  if (!/^did:(web|key):/.test(subject)) throw new UsageError(`--subject ${subject}: use the node's did:web or did:key`);
  if (Boolean(statusList) !== Boolean(statusIndex)) throw new UsageError('--status-list and --status-index go together');
  if (statusIndex !== undefined && !/^\d+$/.test(statusIndex)) throw new UsageError(`--status-index ${statusIndex}: use a non-negative integer`);
  return issueNodeCredential(key, {
    subject,
    memberCluster: options.cluster,
    nodeName: options.node,
    countryCode: countryFlag(options.country),
    provider: options.provider,
    validFrom: options.validFrom ? epochSeconds(options.validFrom, 'valid-from') : undefined,
    validForSeconds: seconds(options.validFor, 'valid-for'),
    statusList: statusList ? { url: statusList, index: Number(statusIndex) } : undefined,
  });
}
