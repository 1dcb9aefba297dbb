import { collectionOwner, EmbeddedClientIdentity, EmbeddedStub, type Invocation, type SimulationState } from '../../../src/ledger/embedded/stub.ts';
import { WorldState } from '../../../src/ledger/embedded/world-state.ts';

// The ChaincodeStub the contracts see on the embedded ledger, in memory: what it reads, buffers and refuses.

const TENANT = { mspId: 'TenantMSP', id: 'x509::/CN=steward', attributes: { 'cloudempire.role': 'owner' } };
const AT = new Date('2026-06-01T12:00:00.123Z');

function stubOver(world: Partial<SimulationState> = {}, invocation: Partial<Invocation> = {}) {
  const state = world.state ?? new WorldState();
  const tenantData = new WorldState();
  const full: SimulationState = {
    state,
    validation: world.validation ?? new WorldState(),
    collection: world.collection ?? ((name, forMsp) => (collectionOwner(name) === forMsp ? tenantData : undefined)),
  };
  const stub = new EmbeddedStub(
    {
      txId: 'tx1',
      channel: 'sovereignty',
      fn: 'Placement:GetDecision',
      args: ['d1'],
      creator: TENANT,
      timestamp: AT,
      transient: new Map([['k', Buffer.from('v')]]),
      ...invocation,
    },
    full,
  );
  return { stub, state, tenantData };
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const put = (state: WorldState, entries: Record<string, string>) =>
  state.apply(
    Object.entries(entries).map(([key, value]) => ({ key, value: Buffer.from(value) })),
    1,
  );
async function keysOf(iterator: AsyncIterable<{ key: string }>): Promise<string[]> {
  const keys: string[] = [];
  for await (const kv of iterator) keys.push(kv.key);
  return keys;
}

describe('EmbeddedClientIdentity', () => {
  it('answers as the certificate would: MSP, id, attributes, and null for an attribute it lacks', () => {
    const identity = new EmbeddedClientIdentity(TENANT);
    expect([identity.getMSPID(), identity.getID(), Buffer.from(identity.getIDBytes()).toString()]).toEqual(['TenantMSP', TENANT.id, TENANT.id]);
    expect(identity.getAttributeValue('cloudempire.role')).toBe('owner');
    expect(identity.getAttributeValue('other')).toBeNull();
    expect(new EmbeddedClientIdentity({ mspId: 'M', id: 'i' }).getAttributeValue('cloudempire.role')).toBeNull();
    expect(identity.assertAttributeValue('cloudempire.role', 'owner')).toBe(true);
    expect(identity.assertAttributeValue('cloudempire.role', 'admin')).toBe(false);
  });
});

describe('EmbeddedStub', () => {
  it('describes its invocation as a peer would', () => {
    const { stub } = stubOver();
    expect(stub.getArgs()).toEqual(['Placement:GetDecision', 'd1']);
    expect(stub.getStringArgs()).toEqual(['Placement:GetDecision', 'd1']);
    expect(stub.getFunctionAndParameters()).toEqual({ fcn: 'Placement:GetDecision', params: ['d1'] });
    expect([stub.getTxID(), stub.getChannelID(), stub.getMspID()]).toEqual(['tx1', 'sovereignty', 'TenantMSP']);
    expect(stub.getCreator()).toEqual({ mspid: 'TenantMSP', idBytes: Buffer.from(TENANT.id) });
    const { seconds, nanos } = stub.getTxTimestamp();
    expect([seconds.toNumber(), nanos]).toEqual([Math.floor(AT.getTime() / 1000), 123_000_000]);
    expect(stub.getDateTimestamp().toISOString()).toBe(AT.toISOString());
    // Copies: a contract cannot change the invocation through them.
    stub.getDateTimestamp().setTime(0);
    stub.getTransient().delete('k');
    stub.getFunctionAndParameters().params.pop();
    expect([stub.getDateTimestamp().getTime(), text(stub.getTransient().get('k')!), stub.getFunctionAndParameters().params]).toEqual([
      AT.getTime(),
      'v',
      ['d1'],
    ]);
  });

  it('reads committed state only and buffers its writes, deletes and endorsement policies as its result', async () => {
    const { stub, state } = stubOver();
    put(state, { a: '1', b: '2' });
    await stub.putState('a', Buffer.from('changed'));
    await stub.deleteState('b');
    await stub.putState('c', Buffer.from('3'));
    await stub.setStateValidationParameter('a', Buffer.from('policy'));
    expect(text(await stub.getState('a'))).toBe('1'); // no read-your-own-writes, as on a peer
    expect((await stub.getState('missing')).length).toBe(0);
    expect((await stub.getStateValidationParameter('a')).length).toBe(0);
    const result = stub.result();
    expect(result.writes.map((w) => [w.key, w.value && text(w.value)])).toEqual([
      ['a', 'changed'],
      ['b', undefined],
      ['c', '3'],
    ]);
    expect(result.validationWrites.map((w) => [w.key, text(w.value!)])).toEqual([['a', 'policy']]);
    expect(result.event).toBeUndefined();
    await expect(stub.putState('', Buffer.from('x'))).rejects.toThrow('putState: the key must not be empty');
  });

  it('reads endorsement policies already committed', async () => {
    const validation = new WorldState();
    put(validation, { a: 'policy' });
    expect(text(await stubOver({ validation }).stub.getStateValidationParameter('a'))).toBe('policy');
  });

  it('keeps the last event set, and refuses an unnamed one', () => {
    const { stub } = stubOver();
    stub.setEvent('First', Buffer.from('1'));
    stub.setEvent('Second', Buffer.from('2'));
    expect(stub.result().event).toEqual({ name: 'Second', payload: Buffer.from('2') });
    expect(() => stub.setEvent('', Buffer.from('x'))).toThrow('setEvent: the event name must not be empty');
  });

  it('makes and splits composite keys as Fabric does, refusing the reserved characters', () => {
    const { stub } = stubOver();
    const key = stub.createCompositeKey('Grant', ['d1', 'scans']);
    expect(key).toBe('\u0000Grant\u0000d1\u0000scans\u0000');
    expect(stub.createCompositeKey('Grant', [])).toBe('\u0000Grant\u0000');
    expect(stub.splitCompositeKey(key)).toEqual({ objectType: 'Grant', attributes: ['d1', 'scans'] });
    expect(stub.splitCompositeKey('')).toEqual({ objectType: '', attributes: [] });
    expect(() => stub.createCompositeKey('Grant', ['a\u0000b'])).toThrow('composite key part "a\\u0000b" holds a reserved character');
    expect(() => stub.createCompositeKey('G\u{10FFFF}', [])).toThrow('holds a reserved character');
  });

  it('scans ranges and composite-key prefixes in key order, through both iterator styles', async () => {
    const { stub, state } = stubOver();
    put(state, {
      '\u0000G\u0000a\u0000': '1',
      '\u0000G\u0000b\u0000': '2',
      '\u0000G\u0000b\u0000x\u0000': '3',
      '\u0000H\u0000a\u0000': '4',
      k1: '5',
      k2: '6',
      k3: '7',
    });
    expect(await keysOf(stub.getStateByPartialCompositeKey('G', []))).toEqual(['\u0000G\u0000a\u0000', '\u0000G\u0000b\u0000', '\u0000G\u0000b\u0000x\u0000']);
    expect(await keysOf(stub.getStateByPartialCompositeKey('G', ['b']))).toEqual(['\u0000G\u0000b\u0000', '\u0000G\u0000b\u0000x\u0000']);
    expect(await keysOf(stub.getStateByRange('k1', 'k3'))).toEqual(['k1', 'k2']);
    expect(await keysOf(stub.getStateByRange('k2', ''))).toEqual(['k2', 'k3']);
    const iterator = await stub.getStateByRange('k1', 'k3');
    const first = await iterator.next();
    expect([first.done, first.value.key, text(first.value.value)]).toEqual([false, 'k1', '5']);
    expect((await iterator.next()).value.key).toBe('k2');
    expect((await iterator.next()).done).toBe(true);
    expect(await iterator.close()).toBeUndefined();
  });

  it('lets only a member read a private collection, and writes only the implicit per-organization ones', async () => {
    const { stub, tenantData } = stubOver();
    put(tenantData, { '\u0000D\u0000scans\u0000': 'secret', '\u0000D\u0000x\u0000': 'other' });
    expect(text(await stub.getPrivateData('_implicit_org_TenantMSP', '\u0000D\u0000scans\u0000'))).toBe('secret');
    expect((await stub.getPrivateData('_implicit_org_TenantMSP', 'missing')).length).toBe(0);
    expect(await keysOf(stub.getPrivateDataByPartialCompositeKey('_implicit_org_TenantMSP', 'D', ['scans']))).toEqual(['\u0000D\u0000scans\u0000']);
    expect(await keysOf(stub.getPrivateDataByRange('_implicit_org_TenantMSP', '', ''))).toHaveLength(2);
    await expect(stub.getPrivateData('_implicit_org_ProviderMSP', 'k')).rejects.toThrow(
      'private data of collection _implicit_org_ProviderMSP is not available to TenantMSP: its peers are not members of that collection',
    );
    expect(() => stub.getPrivateDataByRange('_implicit_org_ProviderMSP', '', '')).toThrow('is not available to TenantMSP');
    // The hash is public: any organization may ask for it.
    const hash = await stubOver(
      { collection: (name) => (name === '_implicit_org_TenantMSP' ? tenantData : undefined) },
      { creator: { mspId: 'ProviderMSP', id: 'p' } },
    ).stub.getPrivateDataHash('_implicit_org_TenantMSP', '\u0000D\u0000scans\u0000');
    expect(Buffer.from(hash).toString('hex')).toBe('2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b');
    expect((await stub.getPrivateDataHash('_implicit_org_TenantMSP', 'missing')).length).toBe(0);
    await stub.putPrivateData('_implicit_org_TenantMSP', 'a', Buffer.from('1'));
    await stub.deletePrivateData('_implicit_org_TenantMSP', 'b');
    await stub.purgePrivateData('_implicit_org_TenantMSP', 'c');
    expect([...stub.result().privateWrites].map(([c, writes]) => [c, writes.map((w) => [w.key, w.value && text(w.value)])])).toEqual([
      [
        '_implicit_org_TenantMSP',
        [
          ['a', '1'],
          ['b', undefined],
          ['c', undefined],
        ],
      ],
    ]);
    await expect(stub.putPrivateData('patients', 'a', Buffer.from('1'))).rejects.toThrow(
      'collection patients is not defined: the embedded ledger has the implicit per-organization collections only',
    );
  });

  it('refuses, by name, what the embedded ledger does not implement', async () => {
    const { stub } = stubOver();
    const refusals: [string, () => unknown][] = [
      ['getSignedProposal', () => stub.getSignedProposal()],
      ['getBinding', () => stub.getBinding()],
      ['getStateByRangeWithPagination', () => stub.getStateByRangeWithPagination()],
      ['getStateByPartialCompositeKeyWithPagination', () => stub.getStateByPartialCompositeKeyWithPagination()],
      ['getQueryResult (rich queries need CouchDB)', () => stub.getQueryResult()],
      ['getQueryResultWithPagination', () => stub.getQueryResultWithPagination()],
      ['getHistoryForKey', () => stub.getHistoryForKey()],
      ['getPrivateDataQueryResult', () => stub.getPrivateDataQueryResult()],
    ];
    for (const [what, call] of refusals) expect(call).toThrow(`${what} is not supported by the embedded ledger (and not used by these contracts)`);
    for (const [what, call] of [
      ['invokeChaincode', () => stub.invokeChaincode()],
      ['setPrivateDataValidationParameter', () => stub.setPrivateDataValidationParameter()],
      ['getPrivateDataValidationParameter', () => stub.getPrivateDataValidationParameter()],
    ] as const)
      await expect(call()).rejects.toThrow(`${what} is not supported by the embedded ledger`);
  });

  it('knows the owner of an implicit collection only', () => {
    expect(collectionOwner('_implicit_org_TenantMSP')).toBe('TenantMSP');
    expect(collectionOwner('patients')).toBeUndefined();
    expect(collectionOwner('x_implicit_org_TenantMSP')).toBeUndefined();
  });
});
