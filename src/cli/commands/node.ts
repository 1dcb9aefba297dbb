import type { SovereignNode } from '../../api/generated/types.ts';
import { parseManifests } from '../../api/manifests.ts';
import { formatIssues, validate } from '../../api/validate.ts';

import { httpsFetcher } from '../../trust/fetcher.ts';
import { proveNode } from '../../trust/issue.ts';
import { TrustVerifier, type Challenge } from '../../trust/verifier.ts';
import { caBundle } from '../ca.ts';
import type { CliCommand, CliOutput } from '../command.ts';
import { UsageError } from '../errors.ts';
import { readText } from '../input.ts';
import { hostKubeConfig } from '../kubeconfig.ts';
import { readTrustAnchors } from '../trust-anchors.ts';
import { epochSeconds, seconds } from '../values.ts';
import { collectStatusList, localStatusLists } from '../local-status-lists.ts';
import { readKeyFile } from './keyfile.ts';

interface VerifyOptions {
  file: string;
  trustAnchors: string;
  now?: string;
  nonce?: string;
  ca?: string;
  allowLoopback?: boolean;
  statusList: string[];
}

export function registerNode(program: CliCommand, io: CliOutput): void {
  const node = program.command('node').description("a node's side (prove, answer) and the operator's check (verify)");
  node
    .command('prove')
    .description("sign a challenge with the node's DID key (a proof of possession, VP-JWT)")
    .required('--key <file>', "the node's private key")
    .option(
      '--challenge-from <sovereignnode.yaml>',
      "take the nonce and audience from the challenge in this SovereignNode's status (as kubectl get sn NAME -o yaml shows it)",
    )
    .option('--nonce <nonce>', "the challenge's nonce")
    .option('--aud <audience>', "the operator's audience, e.g. urn:cloudempire:operator")
    .handle<{ key: string; challengeFrom?: string; nonce?: string; aud?: string }>(async (options) => {
      const { nonce, audience } = challengeToAnswer(options);
      io.out(await proveNode(readKeyFile(options.key, 'key'), nonce, audience));
    });
  node
    .command('answer')
    .description("as a node agent: answer the challenge in the SovereignNode's status")
    .required('--key <file>', "the node's private key")
    .required('--name <sovereignnode>', 'the SovereignNode to answer for')
    .option('--kubeconfig <file>', 'the host cluster (default: $KUBECONFIG, ~/.kube/config or the pod)')
    .option('--wait <duration>', 'how long to wait for a challenge', '60s')
    .handle<{ key: string; name: string; kubeconfig?: string; wait: string }>(async (options) => {
      const key = readKeyFile(options.key, 'key');
      const waitMs = seconds(options.wait, 'wait') * 1000;
      const host = await hostKubeConfig(options.kubeconfig);
      const { answerChallenge } = await import('../../trust/node-agent.ts'); // the Kubernetes client, loaded on use (see hostKubeConfig)
      const nonce = await answerChallenge(host, options.name, key, waitMs);
      io.out(`answered challenge ${nonce}`);
    });
  node
    .command('verify')
    .description("run the operator's verification pipeline offline; JSON verdicts (exit 0 verified, 3 not, 2 bad input)")
    .required('-f, --file <sovereignnode.yaml>', 'the SovereignNode manifest(s)')
    .required('--trust-anchors <file>', "the operator's trust configuration (the ConfigMap or its document)")
    .option('--now <RFC3339>', 'verify as of this time')
    .option('--nonce <nonce>', 'the challenge the proofs answer (default: the one in each status)')
    .option('--ca <pem>', 'a CA to trust for did:web and status-list hosts, besides the system roots')
    .option(
      '--status-list <url=file>',
      'read the status list at URL from FILE (the JWT of `empirectl statuslist publish`) instead of fetching it; repeat for several lists',
      collectStatusList,
      [],
    )
    .option('--allow-loopback', 'let did:web and status-list hosts be on 127.0.0.0/8 or ::1 (local testing only; other private addresses stay refused)')
    .handle<VerifyOptions>(async (options) => verifyNodes(options, io));
}

/** The challenge `node prove` signs: from a SovereignNode's status, or given as --nonce and --aud. */
function challengeToAnswer(options: { challengeFrom?: string; nonce?: string; aud?: string }): { nonce: string; audience: string } {
  if (options.challengeFrom) {
    if (options.nonce || options.aud) throw new UsageError('give --challenge-from, or --nonce and --aud, not both');
    const [node] = readSovereignNodes(options.challengeFrom, '--challenge-from');
    const challenge = node.status?.challenge;
    if (!challenge)
      throw new UsageError(
        `${options.challengeFrom}: SovereignNode ${node.metadata.name} has no status.challenge yet: the operator publishes one when it first looks at the node`,
      );
    return { nonce: challenge.nonce, audience: challenge.audience };
  }
  if (!options.nonce || !options.aud) throw new UsageError('give --nonce and --aud (the challenge), or --challenge-from a SovereignNode manifest');
  return { nonce: options.nonce, audience: options.aud };
}

/** The valid SovereignNodes of a manifest file; anything else is bad input naming the document and field. */
function readSovereignNodes(file: string, flag: string): SovereignNode[] {
  let manifests;
  try {
    manifests = parseManifests(readText(file, flag), file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message);
  }
  const nodes = manifests.filter((m) => m.object.kind === 'SovereignNode');
  if (!nodes.length) throw new UsageError(`${file} holds no SovereignNode`);
  return nodes.map((m) => {
    const result = validate('SovereignNode', m.object);
    if (!result.ok) throw new UsageError(`${file} (document ${m.index + 1}) is not a valid SovereignNode:\n${formatIssues(result.issues)}`);
    return result.value;
  });
}

/** Runs exactly the operator's pipeline offline; returns the exit code (0 verified, 3 not). */
async function verifyNodes(options: VerifyOptions, io: CliOutput): Promise<number> {
  const checked = readSovereignNodes(options.file, '-f');
  const config = readTrustAnchors(options.trustAnchors);
  const nowMs = options.now ? epochSeconds(options.now, 'now') * 1000 : Date.now();
  const verifier = new TrustVerifier(config, {
    fetcher: localStatusLists(
      options.statusList,
      httpsFetcher({ ca: options.ca ? caBundle(options.ca) : undefined, allowLoopback: options.allowLoopback === true }),
    ),
    now: () => nowMs,
  });
  const verdicts = [];
  for (const node of checked) {
    const published = node.status?.challenge;
    const challenge: Challenge | undefined = options.nonce
      ? { nonce: options.nonce }
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
  io.out(JSON.stringify(verdicts.length === 1 ? verdicts[0] : verdicts, null, 2));
  return verdicts.every((v) => v.verified) ? 0 : 3;
}
