import { Contract, type Context } from 'fabric-contract-api';
import { authorize } from './access.ts';

/** The base of every contract here: access is checked before any transaction runs. */
export abstract class SovereignContract extends Contract {
  override async beforeTransaction(ctx: Context): Promise<void> {
    authorize(ctx, this.getName(), functionName(ctx));
  }

  override async unknownTransaction(ctx: Context): Promise<void> {
    authorize(ctx, this.getName(), functionName(ctx));
  }
}

/** Fabric names a transaction `Contract:Function`; the default contract may be called by function alone. */
function functionName(ctx: Context): string {
  const { fcn } = ctx.stub.getFunctionAndParameters();
  return fcn.includes(':') ? fcn.slice(fcn.indexOf(':') + 1) : fcn;
}
