import type { Context } from 'fabric-contract-api';
import { caller } from './access.ts';
import { canonicalJson } from './canonical-json.ts';
import { ContractError } from './errors.ts';
import { getJson, key, parseArgument, putJson, txTime } from './ledger-context.ts';
import type { LedgerHeadRecord } from './records.ts';
import { SovereignContract } from './sovereign-contract.ts';
import * as v from './validation.ts';

const HEAD = 'LedgerHead';
const HASH = /^[0-9a-f]{64}$/;

/**
 * Where an operator's embedded ledger reached, kept on Fabric: a history the
 * operator's volume cannot shorten or rewrite unseen, since a head never
 * moves back and a height, once recorded, keeps its hash.
 */
export class LedgerHeadContract extends SovereignContract {
  constructor() {
    super('LedgerHead');
  }

  async PutHead(ctx: Context, ledgerId: string, headJson: string): Promise<string> {
    const id = v.string(ledgerId, 'ledgerId', v.NAME, v.NAME_HINT);
    const raw = v.object(parseArgument(headJson, 'head'), 'head');
    if (!Number.isInteger(raw.height) || (raw.height as number) < 0) throw new ContractError('InvalidArgument', 'head.height must be a non-negative integer');
    const hash = v.string(raw.hash, 'head.hash', HASH, 'write the block hash as 64 lowercase hex digits');
    const height = raw.height as number;
    const stateKey = key(ctx, HEAD, id);
    const stored = await getJson<LedgerHeadRecord>(ctx, stateKey);
    if (stored && stored.height > height)
      throw new ContractError('StaleHead', `ledger ${id} already reached block ${stored.height}; a head never moves back (to ${height})`);
    if (stored && stored.height === height) {
      if (stored.hash !== hash)
        throw new ContractError('StaleHead', `ledger ${id} recorded another block ${height} (hash ${stored.hash}): its history was rewritten`);
      return canonicalJson(stored);
    }
    const record: LedgerHeadRecord = { ledgerId: id, height, hash, recordedAt: txTime(ctx), recordedBy: caller(ctx), txId: ctx.stub.getTxID() };
    await putJson(ctx, stateKey, record);
    return canonicalJson(record);
  }

  async GetHead(ctx: Context, ledgerId: string): Promise<string> {
    const stored = await getJson<LedgerHeadRecord>(ctx, key(ctx, HEAD, v.string(ledgerId, 'ledgerId', v.NAME, v.NAME_HINT)));
    if (!stored) throw new ContractError('NotFound', `no head recorded for ledger ${ledgerId}`);
    return canonicalJson(stored);
  }
}
