import { parseHead, type HeadCheckpoint, type LedgerHead } from './embedded/head-checkpoint.ts';
import { LedgerContractError, type SovereigntyLedger } from './ledger.ts';

/**
 * The embedded ledger's head recorded on a Fabric network (LedgerHead
 * contract): kept by every peer, and the contract refuses a head that moves
 * back or a height whose hash changes, so not even the host cluster's
 * administrators can lower it.
 */
export class FabricHeadCheckpoint implements HeadCheckpoint {
  readonly where: string;
  private readonly ledger: SovereigntyLedger;
  private readonly ledgerId: string;

  constructor(ledger: SovereigntyLedger, ledgerId: string) {
    this.ledger = ledger;
    this.ledgerId = ledgerId;
    this.where = `Fabric LedgerHead ${ledgerId}`;
  }

  async read(): Promise<LedgerHead | undefined> {
    try {
      return parseHead(await this.ledger.getLedgerHead(this.ledgerId), this.where);
    } catch (error) {
      if (error instanceof LedgerContractError && error.code === 'NotFound') return undefined;
      throw error;
    }
  }

  async write(head: LedgerHead): Promise<void> {
    await this.ledger.putLedgerHead(this.ledgerId, head);
  }
}

/** One head kept in several places (a ConfigMap and Fabric): read as the furthest of them, written to each. */
export class ReplicatedHeadCheckpoint implements HeadCheckpoint {
  readonly where: string;
  private readonly checkpoints: HeadCheckpoint[];

  constructor(checkpoints: HeadCheckpoint[]) {
    this.checkpoints = checkpoints;
    this.where = checkpoints.map((c) => c.where).join(' and ');
  }

  async read(): Promise<LedgerHead | undefined> {
    const heads = (await Promise.all(this.checkpoints.map((c) => c.read()))).filter((h): h is LedgerHead => h !== undefined);
    return heads.sort((a, b) => b.height - a.height)[0];
  }

  async write(head: LedgerHead): Promise<void> {
    await Promise.all(this.checkpoints.map((c) => c.write(head)));
  }
}
