import { Contract, type Context } from 'fabric-contract-api';
import { EmbeddedClientIdentity, type EmbeddedStub, type LedgerIdentity } from './stub.ts';

type ContractClass = new () => Contract;

/**
 * Dispatches `Contract:Function` to the chaincode's own classes the way
 * fabric-contract-api's ChaincodeFromContract does: the first contract is
 * the default, functions are the class's own methods not starting with `_`,
 * and beforeTransaction / afterTransaction / unknownTransaction run around them.
 */
export class ContractRunner {
  private readonly contracts = new Map<string, { instance: Contract; functions: Set<string> }>();
  private readonly defaultContract: string;

  constructor(classes: ContractClass[]) {
    const base = new Set(Object.getOwnPropertyNames(Contract.prototype));
    for (const Class of classes) {
      const instance = new Class();
      const functions = new Set<string>();
      for (let proto = Object.getPrototypeOf(instance); proto && proto !== Contract.prototype; proto = Object.getPrototypeOf(proto)) {
        for (const name of Object.getOwnPropertyNames(proto)) {
          if (
            name !== 'constructor' &&
            !name.startsWith('_') &&
            !base.has(name) &&
            typeof (instance as unknown as Record<string, unknown>)[name] === 'function'
          )
            functions.add(name);
        }
      }
      this.contracts.set(instance.getName(), { instance, functions });
    }
    this.defaultContract = classes.length ? new classes[0]().getName() : '';
  }

  /** Runs one transaction; throws what the contract throws. The return value is the contract's string, as Fabric's wire carries it. */
  async run(fn: string, stub: EmbeddedStub, identity: LedgerIdentity): Promise<string> {
    const [contractName, functionName] = fn.includes(':') ? [fn.slice(0, fn.indexOf(':')), fn.slice(fn.indexOf(':') + 1)] : [this.defaultContract, fn];
    const contract = this.contracts.get(contractName);
    if (!contract) throw new Error(`You've asked to invoke a function that does not exist: ${fn} (no contract ${contractName})`);
    const ctx: Context = contract.instance.createContext();
    ctx.stub = stub;
    ctx.clientIdentity = new EmbeddedClientIdentity(identity);
    if (!contract.functions.has(functionName)) {
      await contract.instance.unknownTransaction(ctx);
      throw new Error(`You've asked to invoke a function that does not exist: ${functionName}`);
    }
    await contract.instance.beforeTransaction(ctx);
    const params = stub.getFunctionAndParameters().params;
    const result = await (contract.instance as unknown as Record<string, (ctx: Context, ...args: string[]) => Promise<unknown>>)[functionName](ctx, ...params);
    await contract.instance.afterTransaction(ctx, result);
    return result === undefined || result === null ? '' : typeof result === 'string' ? result : JSON.stringify(result);
  }
}
