import { stringify } from 'yaml';

export interface KubeconfigIdentity {
  cluster: string;
  server: string;
  /** PEM bundle that verifies the API server's serving certificate. */
  caPem: string;
  user: string;
  token: string;
}

/** A kubeconfig with one cluster, one token user and one current context. */
export function kubeconfigYaml(identity: KubeconfigIdentity): string {
  const context = `${identity.user}@${identity.cluster}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: identity.cluster,
        cluster: {
          server: identity.server,
          'certificate-authority-data': Buffer.from(identity.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: identity.user, user: { token: identity.token } }],
    contexts: [{ name: context, context: { cluster: identity.cluster, user: identity.user } }],
    'current-context': context,
  });
}
