/** A tenant's dataset policy as the ledger tests publish it: EU only, inference, verified nodes, 10-minute grants. */
export const datasetPolicy = (datasetId = 'scans') => ({
  datasetId,
  allowedJurisdictions: ['EU'],
  allowedCountries: [] as string[],
  allowedProviders: [] as string[],
  allowedPurposes: ['inference'],
  verifiedNodesOnly: true,
  grantTtlSeconds: 600,
});

/** The protected details published with it (private data of the tenant's collection). */
export const DATASET_DETAILS = { location: 's3://tenant/scans', keyReference: 'kms://tenant/k1' };
