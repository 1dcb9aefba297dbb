// One suite of contract scenarios, run against every ledger that executes
// the sovereignty chaincode: the embedded one and a real Fabric network.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCheckpoint, followEvents } from '../../src/ledger/event-follower.ts';
import { FabricHeadCheckpoint } from '../../src/ledger/fabric-head-checkpoint.ts';
import type { AttestationRecord, PlacementRequest, SovereigntyLedger } from '../../src/ledger/ledger.ts';

/** One client per party, each acting as its own organization's identity. */
export interface LedgerParties {
  /** TrustAuthorityMSP with cloudempire.role=operator: the operator. */
  operator: SovereigntyLedger;
  /** TrustAuthorityMSP with cloudempire.role=admin: registers trust anchors. */
  trustAdmin: SovereigntyLedger;
  /** A data owner's organization. */
  tenant: SovereigntyLedger;
  /** An infrastructure provider's organization. */
  provider: SovereigntyLedger;
  /** Whether the tenant's private data may be looked for in block files. */
  blockText?: () => string;
}

const ISSUER = 'did:web:issuer.example.eu';

export function contractSuite(setup: () => LedgerParties): void {
  const run = randomBytes(4).toString('hex');
  const id = (name: string) => `${name}-${run}`;
  let parties: LedgerParties;

  beforeAll(() => {
    parties = setup();
  });

  function attestation(nodeName: string, countryCode: string, overrides: Partial<AttestationRecord> = {}): AttestationRecord {
    return {
      sovereignNode: `${nodeName}-sn`,
      memberCluster: countryCode === 'FR' ? 'paris' : 'madrid',
      nodeName,
      did: `did:web:nodes.example.eu:${nodeName}`,
      verified: true,
      reason: 'VERIFIED',
      issuer: ISSUER,
      countryCode,
      jurisdiction: 'EU',
      provider: countryCode === 'FR' ? 'ovhcloud' : 'atos',
      expiresAt: '2099-01-01T00:00:00Z',
      credentialDigest: 'a'.repeat(64),
      observedAt: new Date().toISOString(),
      ...overrides,
    };
  }

  function target(a: AttestationRecord, pool?: string): PlacementRequest['targets'][number] {
    return {
      cluster: a.memberCluster,
      pool,
      provider: a.provider!,
      countryCode: a.countryCode!,
      nodes: [{ memberCluster: a.memberCluster, nodeName: a.nodeName, did: a.did }],
    };
  }

  const paris = () => attestation(id('gpu-paris'), 'FR');
  const madrid = () => attestation(id('gpu-madrid'), 'ES');
  const dataset = () => id('patients');
  const policy = () => ({
    datasetId: dataset(),
    allowedJurisdictions: ['EU'],
    allowedCountries: ['FR'],
    allowedProviders: [],
    allowedPurposes: ['inference'],
    verifiedNodesOnly: true,
    grantTtlSeconds: 3600,
  });

  it('lets only the trust authority register anchors and attestations', async () => {
    await expect(parties.operator.putTrustAnchor({ did: ISSUER, name: 'Issuer', countries: ['FR', 'ES'] })).rejects.toMatchObject({ code: 'AccessDenied' });
    const anchor = await parties.trustAdmin.putTrustAnchor({ did: ISSUER, name: 'Issuer', countries: ['FR', 'ES'] });
    expect(anchor).toMatchObject({ did: ISSUER, countries: ['ES', 'FR'] });
    expect((await parties.provider.listTrustAnchors()).map((a) => a.did)).toContain(ISSUER);
    await expect(parties.provider.recordAttestation(paris())).rejects.toMatchObject({
      code: 'AccessDenied',
      message: expect.stringContaining('TrustAuthorityMSP'),
    });
    await expect(parties.trustAdmin.recordAttestation(paris())).rejects.toMatchObject({ code: 'AccessDenied' });
    // A positive verdict needs a registered issuer, attesting a country that issuer may attest.
    await expect(parties.operator.recordAttestation({ ...paris(), issuer: 'did:web:rogue.example.com' })).rejects.toMatchObject({
      code: 'UntrustedIssuer',
      message: expect.stringContaining('not a registered trust anchor'),
    });
    await expect(parties.operator.recordAttestation(attestation(id('gpu-warsaw'), 'PL'))).rejects.toMatchObject({
      code: 'UntrustedIssuer',
      message: expect.stringContaining('not PL'),
    });
    // An anchor without countries would attest any country (fail open): it cannot be registered, so its verdicts stay refused.
    const everywhere = 'did:web:everywhere.example.eu';
    await expect(parties.trustAdmin.putTrustAnchor({ did: everywhere, name: 'No countries', countries: [] })).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringContaining('anchor.countries'),
    });
    await expect(parties.operator.recordAttestation({ ...attestation(id('gpu-anywhere'), 'FR'), issuer: everywhere })).rejects.toMatchObject({
      code: 'UntrustedIssuer',
    });
    const receipt = await parties.operator.recordAttestation(paris());
    await parties.operator.recordAttestation(madrid());
    expect(await parties.provider.getAttestation('paris', paris().nodeName)).toMatchObject({ verified: true, countryCode: 'FR', txId: receipt.txId });
    // The same verdict again is a no-op that names the original transaction: retries are safe.
    expect((await parties.operator.recordAttestation(paris())).txId).toBe(receipt.txId);
    // A verdict delivered late (older than the one recorded) goes into the history; the current state stays.
    const late = await parties.operator.recordAttestation({ ...paris(), verified: false, reason: 'PROOF_MISSING', observedAt: '2020-01-01T00:00:00Z' });
    expect(late.txId).not.toBe(receipt.txId);
    expect(await parties.provider.getAttestation('paris', paris().nodeName)).toMatchObject({ verified: true, txId: receipt.txId });
  });

  it("keeps an embedded ledger's head: only the operator writes it, and it never moves back or changes a recorded height", async () => {
    const checkpoint = new FabricHeadCheckpoint(parties.operator, id('operator-ledger'));
    const hash = (c: string) => c.repeat(64);
    expect(await checkpoint.read()).toBeUndefined();
    await checkpoint.write({ height: 3, hash: hash('a') });
    await checkpoint.write({ height: 3, hash: hash('a') }); // the same head again is a no-op
    await checkpoint.write({ height: 5, hash: hash('b') });
    expect(await new FabricHeadCheckpoint(parties.provider, id('operator-ledger')).read()).toEqual({ height: 5, hash: hash('b') });
    await expect(checkpoint.write({ height: 4, hash: hash('c') })).rejects.toMatchObject({
      code: 'StaleHead',
      message: expect.stringContaining('never moves back'),
    });
    await expect(checkpoint.write({ height: 5, hash: hash('d') })).rejects.toMatchObject({ code: 'StaleHead', message: expect.stringContaining('rewritten') });
    await expect(new FabricHeadCheckpoint(parties.trustAdmin, id('operator-ledger')).write({ height: 9, hash: hash('e') })).rejects.toMatchObject({
      code: 'AccessDenied',
    });
    await expect(parties.operator.putLedgerHead(id('operator-ledger'), { height: -1, hash: hash('f') })).rejects.toMatchObject({ code: 'InvalidArgument' });
  });

  it("refuses a provider's and the operator's attempts to rewrite a tenant's policy", async () => {
    const published = await parties.tenant.publishPolicy(policy(), { location: 's3://tenant-bucket/patients', keyReference: 'kms://tenant/key-7' });
    expect(published).toMatchObject({ ownerMsp: expect.any(String), version: 1, detailsHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const rewrite = { ...policy(), allowedCountries: ['FR', 'PL'], allowedPurposes: ['training'] };
    await expect(parties.provider.publishPolicy(rewrite)).rejects.toMatchObject({
      code: 'AccessDenied',
      message: expect.stringContaining(`owner of dataset ${dataset()}`),
    });
    await expect(parties.operator.publishPolicy(rewrite)).rejects.toMatchObject({ code: 'AccessDenied' });
    expect(await parties.provider.getPolicy(dataset())).toMatchObject({ version: 1, allowedCountries: ['FR'], allowedPurposes: ['inference'] });
  });

  it("keeps a tenant's protected details from other organizations and out of the blocks", async () => {
    await expect(parties.provider.readDatasetDetails(dataset())).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(parties.operator.readDatasetDetails(dataset())).rejects.toMatchObject({ code: 'AccessDenied' });
    expect(await parties.tenant.readDatasetDetails(dataset())).toEqual({ location: 's3://tenant-bucket/patients', keyReference: 'kms://tenant/key-7' });
    if (parties.blockText) expect(parties.blockText()).not.toContain('tenant-bucket');
  });

  it('rejects bad input with the field and the fix', async () => {
    await expect(parties.tenant.publishPolicy({ ...policy(), datasetId: id('other'), allowedCountries: ['fr'] })).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringContaining('policy.allowedCountries[0] "fr" is invalid: use an upper-case ISO 3166-1 alpha-2 code'),
    });
  });

  it('denies a placement into a country the policy does not allow, with the reason, and approves the allowed one', async () => {
    const request: PlacementRequest = {
      decisionId: id('decision-1'),
      workload: { namespace: 'research', name: 'triage' },
      purpose: 'inference',
      datasets: [dataset()],
      targets: [target(paris(), 'h100'), target(madrid(), 'a100')],
    };
    const decision = await parties.operator.authorizePlacement(request);
    expect(decision.approved).toBe(true);
    expect(decision.targets[0]).toMatchObject({ cluster: 'paris', approved: true, reasons: [] });
    expect(decision.targets[1]).toMatchObject({
      cluster: 'madrid',
      approved: false,
      reasons: [expect.objectContaining({ code: 'CountryNotAllowed', message: expect.stringContaining('not ES') })],
    });

    const wrongPurpose = await parties.operator.authorizePlacement({ ...request, purpose: 'training', targets: [target(paris())] });
    expect(wrongPurpose).toMatchObject({ approved: false, targets: [{ reasons: [expect.objectContaining({ code: 'PurposeNotAllowed' })] }] });
    const lying = await parties.operator.authorizePlacement({ ...request, targets: [{ ...target(madrid()), countryCode: 'FR' }] });
    expect(lying.targets[0].reasons.map((r) => r.code)).toContain('CountryMismatch');
    const unknownNode = await parties.operator.authorizePlacement({ ...request, targets: [target(attestation(id('ghost'), 'FR'))] });
    expect(unknownNode.targets[0].reasons.map((r) => r.code)).toEqual(['NodeNotAttested', 'JurisdictionNotAllowed']);
  });

  it('records a decision once: the ledger re-evaluates it, grants access, and refuses a replay', async () => {
    const request: PlacementRequest = {
      decisionId: id('decision-2'),
      workload: { namespace: 'research', name: 'triage', generation: 3 },
      purpose: 'inference',
      datasets: [dataset()],
      targets: [target(paris(), 'h100'), target(madrid(), 'a100')],
    };
    const recorded = await parties.operator.recordPlacement(request);
    expect(recorded).toMatchObject({ approved: true, txId: expect.any(String), grants: [`${request.decisionId}.${dataset()}`] });
    expect(await parties.provider.getDecision(request.decisionId)).toMatchObject({ txId: recorded.txId, approved: true });
    await expect(parties.operator.recordPlacement(request)).rejects.toMatchObject({
      code: 'DecisionReplayed',
      message: expect.stringContaining(recorded.txId),
    });
    await expect(parties.provider.recordPlacement({ ...request, decisionId: id('decision-3') })).rejects.toMatchObject({ code: 'AccessDenied' });
    const grant = await parties.provider.getGrant(recorded.grants[0]);
    expect(grant.nodeDids).toEqual([paris().did]);
  });

  it("records a placement's removal once, only by the operator, only for the workload the decision placed", async () => {
    const decisionId = id('removal');
    const workload = { namespace: 'research', name: 'removed' };
    await parties.operator.recordPlacement({ decisionId, workload, purpose: 'inference', datasets: [], targets: [target(paris())] });
    const removal = { workload, decisionId, reason: 'WorkloadDeleted' as const };
    await expect(parties.provider.recordRemoval(removal)).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(parties.operator.recordRemoval({ ...removal, workload: { namespace: 'research', name: 'other' } })).rejects.toMatchObject({
      code: 'WorkloadMismatch',
      message: expect.stringContaining('research/removed'),
    });
    await expect(parties.operator.recordRemoval({ ...removal, decisionId: id('never-recorded') })).rejects.toMatchObject({ code: 'NotFound' });
    await expect(parties.operator.recordRemoval({ ...removal, reason: 'Bored' as never })).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringContaining('removal.reason'),
    });
    const recorded = await parties.operator.recordRemoval(removal);
    expect(recorded).toMatchObject({ decisionId, workload, reason: 'WorkloadDeleted', txId: expect.any(String), removedAt: expect.any(String) });
    // A restart that records it again finds the first record: one removal per decision.
    expect((await parties.operator.recordRemoval(removal)).txId).toBe(recorded.txId);
  });

  it('refuses a grant used after its owner revokes it, and only the owner may revoke', async () => {
    const grantId = `${id('decision-2')}.${dataset()}`;
    expect(await parties.operator.recordAccess(grantId, paris().did)).toMatchObject({ allowed: true, reason: 'Allowed' });
    expect(await parties.operator.checkAccess(grantId, madrid().did)).toMatchObject({ allowed: false, reason: 'NodeNotBound' });
    await expect(parties.provider.revokeGrant(grantId)).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(parties.provider.recordAccess(grantId, paris().did)).rejects.toMatchObject({ code: 'AccessDenied' });
    expect(await parties.tenant.revokeGrant(grantId)).toMatchObject({ revoked: true });
    const refused = await parties.operator.recordAccess(grantId, paris().did);
    expect(refused).toMatchObject({ allowed: false, reason: 'GrantRevoked', txId: expect.any(String) });
  });

  it('ends the grants of a closed placement, whatever their TTL: a decision recorded but never run reads nothing', async () => {
    const request: PlacementRequest = {
      decisionId: id('never-applied'),
      workload: { namespace: 'research', name: 'abandoned' },
      purpose: 'inference',
      datasets: [dataset()],
      targets: [target(paris())],
    };
    const recorded = await parties.operator.recordPlacement(request);
    expect(await parties.operator.checkAccess(recorded.grants[0], paris().did)).toMatchObject({ allowed: true, reason: 'Allowed' });
    const removal = await parties.operator.recordRemoval({ workload: request.workload, decisionId: request.decisionId, reason: 'NeverApplied' });
    expect(await parties.operator.recordAccess(recorded.grants[0], paris().did)).toMatchObject({
      allowed: false,
      reason: 'PlacementRemoved',
      message: expect.stringContaining(`closed (NeverApplied)`),
    });
    expect(removal.reason).toBe('NeverApplied');
  });

  it('a decision a newer one superseded reads nothing once closed (Superseded); the newer one still reads', async () => {
    const workload = { namespace: 'research', name: 'moved' };
    const request = (decisionId: string, node: ReturnType<typeof paris>): PlacementRequest => ({
      decisionId,
      workload,
      purpose: 'inference',
      datasets: [dataset()],
      targets: [target(node)],
    });
    const before = await parties.operator.recordPlacement(request(id('moved-1'), paris()));
    const after = await parties.operator.recordPlacement(request(id('moved-2'), paris()));
    await parties.operator.recordRemoval({ workload, decisionId: id('moved-1'), reason: 'Superseded' });
    expect(await parties.operator.checkAccess(before.grants[0], paris().did)).toMatchObject({
      allowed: false,
      reason: 'PlacementRemoved',
      message: expect.stringContaining('closed (Superseded)'),
    });
    expect(await parties.operator.checkAccess(after.grants[0], paris().did)).toMatchObject({ allowed: true, reason: 'Allowed' });
  });

  it('an id closed as never applied before it was recorded stays closed: its RecordPlacement is refused', async () => {
    const request: PlacementRequest = {
      // The operator's id form (<namespace>.<name>.<20 hex>): only such an id of the named workload can be barred.
      decisionId: `research.late-${run}.${'0123456789abcdef0123'}`,
      workload: { namespace: 'research', name: `late-${run}` },
      purpose: 'inference',
      datasets: [dataset()],
      targets: [target(paris())],
    };
    const tombstone = await parties.operator.recordRemoval({ workload: request.workload, decisionId: request.decisionId, reason: 'NeverApplied' });
    expect(tombstone).toMatchObject({ reason: 'NeverApplied', unrecorded: true });
    await expect(parties.operator.recordPlacement(request)).rejects.toMatchObject({ code: 'DecisionClosed' });
    await expect(parties.operator.getDecision(request.decisionId)).rejects.toMatchObject({ code: 'NotFound' });
    // Another workload's id is refused, naming the form.
    await expect(
      parties.operator.recordRemoval({
        workload: { namespace: 'mallory', name: 'x' },
        decisionId: `research.late-${run}.${'f'.repeat(20)}`,
        reason: 'NeverApplied',
      }),
    ).rejects.toMatchObject({ code: 'WorkloadMismatch' });
  });

  it("lists a dataset's grants for its owner to find, revoked ones included, and no other dataset's", async () => {
    const grants = await parties.tenant.listGrants(dataset());
    expect(grants.map((g) => g.grantId)).toContain(`${id('decision-2')}.${dataset()}`);
    expect(grants.find((g) => g.decisionId === id('decision-2'))).toMatchObject({ revoked: true, nodeDids: [paris().did] });
    expect(grants.every((g) => g.datasetId === dataset())).toBe(true);
    expect(await parties.provider.listGrants(`${dataset()}-none`)).toEqual([]);
    await expect(parties.tenant.listGrants('Not A Name')).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('datasetId') });
  });

  it('refuses access from a node whose attestation was withdrawn since the grant', async () => {
    const request: PlacementRequest = {
      decisionId: id('decision-4'),
      workload: { namespace: 'research', name: 'triage' },
      purpose: 'inference',
      datasets: [dataset()],
      targets: [target(paris())],
    };
    const recorded = await parties.operator.recordPlacement(request);
    await parties.operator.recordAttestation(paris());
    await parties.operator.recordAttestation({ ...paris(), verified: false, reason: 'REVOKED' });
    expect(await parties.operator.checkAccess(recorded.grants[0], paris().did)).toMatchObject({ allowed: false, reason: 'NodeNotVerified' });
    await parties.operator.recordAttestation(paris());
  });

  it('streams chaincode events and resumes after a checkpoint', async () => {
    const seen: { blockNumber: number; txId: string; name: string; payload: string }[] = [];
    const controller = new AbortController();
    const decisionId = id('decision-events');
    const stream = (async () => {
      for await (const event of parties.provider.events({ checkpoint: { blockNumber: 0 }, signal: controller.signal })) {
        seen.push(event);
        if (event.name === 'PlacementRecorded' && JSON.parse(event.payload).decisionId === decisionId) controller.abort();
      }
    })();
    const recorded = await parties.operator.recordPlacement({
      decisionId,
      workload: { namespace: 'research', name: 'events' },
      purpose: 'inference',
      datasets: [],
      targets: [target(paris())],
    });
    await stream;
    const last = seen[seen.length - 1];
    expect(last).toMatchObject({ name: 'PlacementRecorded', txId: recorded.txId });
    expect(seen.some((e) => e.name === 'DatasetPolicyPublished')).toBe(true);

    // Resuming after the second-to-last event yields the last one again, and nothing before it.
    const before = seen[seen.length - 2];
    const resumed: string[] = [];
    const again = new AbortController();
    for await (const event of parties.provider.events({ checkpoint: { blockNumber: before.blockNumber, txId: before.txId }, signal: again.signal })) {
      resumed.push(event.txId);
      if (event.txId === recorded.txId) again.abort();
    }
    expect(resumed).toEqual([recorded.txId]);
  });

  it('resumes a consumer from its checkpoint file after a restart: no event skipped, none twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'event-checkpoint-'));
    try {
      const checkpoint = new FileCheckpoint(join(dir, 'checkpoint.json'));
      const record = (n: number) =>
        parties.operator.recordPlacement({
          decisionId: id(`follow-${n}`),
          workload: { namespace: 'research', name: 'follow' },
          purpose: 'inference',
          datasets: [],
          targets: [target(paris())],
        });
      const handled: string[] = [];
      const ours = new Set([1, 2, 3, 4].map((n) => id(`follow-${n}`)));
      const follow = async (until: string) => {
        const stop = new AbortController();
        await followEvents(
          parties.provider,
          checkpoint,
          (event) => {
            if (event.name !== 'PlacementRecorded') return;
            const decisionId = JSON.parse(event.payload).decisionId as string;
            if (ours.has(decisionId)) handled.push(decisionId);
            if (decisionId === until) stop.abort();
          },
          stop.signal,
        );
      };
      await record(1);
      await record(2);
      await follow(id('follow-2'));
      // The consumer is down while two more decisions are recorded.
      await record(3);
      await record(4);
      await follow(id('follow-4'));
      expect(handled).toEqual([...ours]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
