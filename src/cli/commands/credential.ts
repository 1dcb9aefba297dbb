import { issueNodeCredential } from '../../trust/issue.ts';
import { epochSeconds, parse, required, seconds, UsageError } from '../args.ts';
import { countryFlag, readKeyFile } from './keyfile.ts';

const USAGE =
  'empirectl credential issue --issuer-key FILE --subject DID --cluster C --node N --country CC [--provider P] [--valid-for 90d] [--valid-from RFC3339] [--status-list URL --status-index I]';

export async function credentialIssue(args: string[], out: (line: string) => void): Promise<void> {
  const values = parse(
    args,
    {
      'issuer-key': { type: 'string' }, subject: { type: 'string' }, cluster: { type: 'string' }, node: { type: 'string' },
      country: { type: 'string' }, provider: { type: 'string' }, 'valid-for': { type: 'string' }, 'valid-from': { type: 'string' },
      'status-list': { type: 'string' }, 'status-index': { type: 'string' },
    },
    USAGE,
  );
  const key = readKeyFile(required(values, 'issuer-key', USAGE), 'issuer-key');
  const subject = required(values, 'subject', USAGE);
  if (!/^did:(web|key):/.test(subject)) throw new UsageError(`--subject ${subject}: use the node's did:web or did:key`);
  const statusUrl = values['status-list'] as string | undefined;
  const statusIndex = values['status-index'] as string | undefined;
  if (Boolean(statusUrl) !== Boolean(statusIndex)) throw new UsageError('--status-list and --status-index go together');
  if (statusIndex !== undefined && !/^\d+$/.test(statusIndex)) throw new UsageError(`--status-index ${statusIndex}: use a non-negative integer`);
  out(
    await issueNodeCredential(key, {
      subject,
      memberCluster: required(values, 'cluster', USAGE),
      nodeName: required(values, 'node', USAGE),
      countryCode: countryFlag(required(values, 'country', USAGE)),
      provider: values.provider as string | undefined,
      validFrom: values['valid-from'] ? epochSeconds(values['valid-from'] as string, 'valid-from') : undefined,
      validForSeconds: seconds((values['valid-for'] as string | undefined) ?? '90d', 'valid-for'),
      statusList: statusUrl ? { url: statusUrl, index: Number(statusIndex) } : undefined,
    }),
  );
}
