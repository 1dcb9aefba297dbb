import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'winston';
import { exportAudit, ExportRequestError, meteringFromDir, parseFormat, parseKind, parseRange } from '../audit/export.ts';
import { JournalAuditSource } from '../audit/event-journal.ts';
import { EmbeddedAuditSource } from '../audit/source.ts';
import type { BlockVerifier } from '../ledger/embedded/block-signature.ts';
import type { Route } from './http.ts';

export const AUDIT_EXPORT_PATH = '/audit/export';

/** Who may export: the API server's answer for a bearer token, and its RBAC verdict on GET /audit/export. */
export interface AuditAuthorizer {
  /** 'unauthenticated', 'forbidden', or the user's name; throws when the API server cannot be asked. */
  authorize(token: string | undefined): Promise<{ allowed: true; user: string } | { allowed: false; status: 401 | 403; reason: string }>;
}

/**
 * As kube-rbac-proxy does: TokenReview authenticates the bearer token, a
 * SubjectAccessReview on the non-resource URL decides (grant it with a
 * ClusterRole rule `nonResourceURLs: ["/audit/export"], verbs: ["get"]`).
 */
export function kubeAuthorizer(host: KubeConfig): AuditAuthorizer {
  const authn = host.makeApiClient(AuthenticationV1Api);
  const authz = host.makeApiClient(AuthorizationV1Api);
  return {
    async authorize(token) {
      if (!token) return { allowed: false, status: 401, reason: 'send a bearer token (Authorization: Bearer …)' };
      const review = await authn.createTokenReview({ body: { spec: { token } } });
      const user = review.status?.user;
      if (!review.status?.authenticated || !user?.username) return { allowed: false, status: 401, reason: 'the token is not valid' };
      const access = await authz.createSubjectAccessReview({
        body: {
          spec: { user: user.username, uid: user.uid, groups: user.groups, extra: user.extra, nonResourceAttributes: { path: AUDIT_EXPORT_PATH, verb: 'get' } },
        },
      });
      if (!access.status?.allowed) return { allowed: false, status: 403, reason: `${user.username} may not get ${AUDIT_EXPORT_PATH}` };
      return { allowed: true, user: user.username };
    },
  };
}

function bearer(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** A response as a byte sink that waits when the client reads slower than the export writes. */
function responseSink(res: ServerResponse): (chunk: Buffer) => Promise<void> | void {
  return (chunk) => {
    if (res.write(chunk)) return;
    return new Promise<void>((resolve, reject) => {
      res.once('drain', resolve);
      res.once('close', () => reject(new Error('the client closed the connection')));
    });
  };
}

/**
 * GET /audit/export?kind=…&format=…&from=…&to=…: the same Parquet file as
 * `empirectl audit export`, streamed, for scheduled exports. Anonymous and
 * unauthorized callers get 401/403; answers never carry raw API errors.
 */
export function auditExportRoute(options: { ledgerDir: string; fabric: boolean; operator?: BlockVerifier; authorizer: AuditAuthorizer; log: Logger }): Route {
  return async (req, res) => {
    const reply = (status: number, message: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
    };
    if (req.method !== 'GET') return reply(405, 'use GET');
    let verdict;
    try {
      verdict = await options.authorizer.authorize(bearer(req));
    } catch (error) {
      options.log.warn('cannot review an audit export request', { component: 'audit', error: (error as Error).message });
      return reply(503, 'the API server cannot review the request now; try again');
    }
    if (!verdict.allowed) return reply(verdict.status, verdict.reason);
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    let request;
    try {
      const kind = parseKind(query.get('kind') ?? 'all');
      request = {
        kind,
        format: parseFormat(query.get('format') ?? 'audit', kind),
        range: parseRange(query.get('from') ?? undefined, query.get('to') ?? undefined),
      };
    } catch (error) {
      if (error instanceof ExportRequestError) return reply(400, error.message.replace(/--(\w+)/g, '$1'));
      throw error;
    }
    const source = options.fabric ? new JournalAuditSource(options.ledgerDir) : new EmbeddedAuditSource(options.ledgerDir, options.operator);
    res.writeHead(200, { 'content-type': 'application/vnd.apache.parquet', 'content-disposition': `attachment; filename="audit-${request.kind}.parquet"` });
    try {
      const result = await exportAudit({ ledger: source, metering: meteringFromDir(options.ledgerDir) }, request, responseSink(res));
      res.end();
      options.log.info('audit exported', { component: 'audit', user: verdict.user, kind: request.kind, format: request.format, rows: result.rows });
    } catch (error) {
      // Headers are out: cut the body, so the client holds no file with a footer (not a valid Parquet file).
      options.log.error('audit export failed', { component: 'audit', user: verdict.user, error: (error as Error).message });
      res.destroy();
    }
  };
}
