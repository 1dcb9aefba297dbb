import type { Context } from 'fabric-contract-api';
import { canonicalJson } from './canonical-json.ts';
import { ContractError } from './errors.ts';

// Small helpers every contract uses to touch state the same deterministic way.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The transaction's own timestamp: the only clock a contract may read (every endorser sees the same one). */
export function txTime(ctx: Context): string {
  return ctx.stub.getDateTimestamp().toISOString();
}

export function key(ctx: Context, objectType: string, ...attributes: string[]): string {
  return ctx.stub.createCompositeKey(objectType, attributes);
}

export async function getJson<T>(ctx: Context, stateKey: string): Promise<T | undefined> {
  const bytes = await ctx.stub.getState(stateKey);
  return bytes && bytes.length ? (JSON.parse(decoder.decode(bytes)) as T) : undefined;
}

export async function putJson(ctx: Context, stateKey: string, value: unknown): Promise<void> {
  await ctx.stub.putState(stateKey, encoder.encode(canonicalJson(value)));
}

export async function listJson<T>(ctx: Context, objectType: string, attributes: string[] = []): Promise<T[]> {
  const out: T[] = [];
  for await (const kv of ctx.stub.getStateByPartialCompositeKey(objectType, attributes)) {
    out.push(JSON.parse(decoder.decode(kv.value)) as T);
  }
  return out;
}

export function emit(ctx: Context, name: string, payload: unknown): void {
  ctx.stub.setEvent(name, encoder.encode(canonicalJson(payload)));
}

export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export function text(value: Uint8Array): string {
  return decoder.decode(value);
}

/** Parses a JSON argument, naming it when it is not JSON. */
export function parseArgument<T>(raw: string, name: string): T {
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new ContractError('InvalidArgument', `${name} is not valid JSON`);
  }
}
