/**
 * A refusal a client can act on. The code leads the message because a
 * contract error reaches a Fabric client as text only; `parseContractError`
 * recovers the code on the client side.
 */
export class ContractError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
    this.name = 'ContractError';
  }
}

export const ERROR_CODES = [
  'AccessDenied',
  'InvalidArgument',
  'NotFound',
  'AlreadyExists',
  'DecisionReplayed',
  'DecisionClosed',
  'UntrustedIssuer',
  'UnknownTransaction',
  'StaleHead',
  'WorkloadMismatch',
] as const;
export type ContractErrorCode = (typeof ERROR_CODES)[number];

/** Finds a contract error's code in any text that carries its message (an endorsement error's details, say). */
export function parseContractError(text: string): { code: ContractErrorCode; message: string } | undefined {
  const match = new RegExp(`\\b(${ERROR_CODES.join('|')}): (.*)$`, 's').exec(text);
  return match ? { code: match[1] as ContractErrorCode, message: match[0] } : undefined;
}
