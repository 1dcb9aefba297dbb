import { parseManifests } from '../../api/manifests.ts';
import { formatIssues, validate } from '../../api/validate.ts';
import { readTrustAnchors } from '../trust-anchors.ts';
import { httpsFetcher } from '../../trust/fetcher.ts';
import { proveNode } from '../../trust/issue.ts';
import { TrustVerifier, type Challenge } from '../../trust/verifier.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { answerChallenge } from '../../trust/node-agent.ts';
import { epochSeconds, parse, readText, required, seconds, UsageError } from '../args.ts';
import { readKeyFile } from './keyfile.ts';

const PROVE_USAGE = 'empirectl node prove --key FILE --nonce N --aud A';
const ANSWER_USAGE = 'empirectl node answer --key FILE --name SOVEREIGNNODE [--kubeconfig FILE] [--wait 60s]';
const VERIFY_USAGE = 'empirectl node verify -f SOVEREIGNNODE.yaml --trust-anchors ANCHORS.yaml [--now RFC3339] [--nonce N] [--ca PEM] [--allow-loopback]';

export async function nodeProve(args: string[], out: (line: string) => void): Promise<void> {
  const values = parse(args, { key: { type: 'string' }, nonce: { type: 'string' }, aud: { type: 'string' } }, PROVE_USAGE);
  const key = readKeyFile(required(values, 'key', PROVE_USAGE), 'key');
  out(await proveNode(key, required(values, 'nonce', PROVE_USAGE), required(values, 'aud', PROVE_USAGE)));
}

/** The node agent's step: answers the challenge the operator published in the SovereignNode's status. */
export async function nodeAnswer(args: string[], out: (line: string) => void): Promise<void> {
  const values = parse(args, { key: { type: 'string' }, name: { type: 'string' }, kubeconfig: { type: 'string' }, wait: { type: 'string' } }, ANSWER_USAGE);
  const key = readKeyFile(required(values, 'key', ANSWER_USAGE), 'key');
  const host = new KubeConfig();
  if (values.kubeconfig) host.loadFromFile(values.kubeconfig as string);
  else host.loadFromDefault();
  const nonce = await answerChallenge(host, required(values, 'name', ANSWER_USAGE), key, seconds((values.wait as string | undefined) ?? '60s', 'wait') * 1000);
  out(`answered challenge ${nonce}`);
}

/** Runs exactly the operator's pipeline offline; returns the exit code (0 verified, 3 not). */
export async function nodeVerify(args: string[], out: (line: string) => void): Promise<number> {
  const values = parse(
    args,
    { file: { type: 'string', short: 'f' }, 'trust-anchors': { type: 'string' }, now: { type: 'string' }, nonce: { type: 'string' }, ca: { type: 'string' }, 'allow-loopback': { type: 'boolean' } },
    VERIFY_USAGE,
  );
  const file = required(values, 'file', VERIFY_USAGE);
  let manifests;
  try {
    manifests = parseManifests(readText(file, '-f'), file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message);
  }
  const nodes = manifests.filter((m) => m.object.kind === 'SovereignNode');
  if (!nodes.length) throw new UsageError(`${file} holds no SovereignNode`);
  const checked = nodes.map((m) => {
    const result = validate('SovereignNode', m.object);
    if (!result.ok) throw new UsageError(`${file} (document ${m.index + 1}) is not a valid SovereignNode:\n${formatIssues(result.issues)}`);
    return result.value;
  });
  const config = readTrustAnchors(required(values, 'trust-anchors', VERIFY_USAGE));
  const nowMs = values.now ? epochSeconds(values.now as string, 'now') * 1000 : Date.now();
  const verifier = new TrustVerifier(config, {
    fetcher: httpsFetcher({ ca: values.ca ? readText(values.ca as string, '--ca') : undefined, allowLoopback: values['allow-loopback'] === true }),
    now: () => nowMs,
  });
  const verdicts = [];
  for (const node of checked) {
    const published = node.status?.challenge;
    const challenge: Challenge | undefined = values.nonce
      ? { nonce: values.nonce as string }
      : published
        ? { nonce: published.nonce, issuedAt: published.issuedAt }
        : undefined;
    const verdict = await verifier.verify({ ...node.spec }, { challenge, now: nowMs });
    verdicts.push({
      ...(checked.length > 1 ? { name: node.metadata.name } : {}),
      verified: verdict.verified,
      reason: verdict.reason,
      message: verdict.message,
      issuer: verdict.issuer ?? null,
      countryCode: verdict.countryCode ?? null,
      expiresAt: verdict.expiresAt ?? null,
    });
  }
  out(JSON.stringify(verdicts.length === 1 ? verdicts[0] : verdicts, null, 2));
  return verdicts.every((v) => v.verified) ? 0 : 3;
}
