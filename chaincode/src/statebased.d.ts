// fabric-shim ships the state-based endorsement helper without a declaration for its own module path.
declare module 'fabric-shim/lib/utils/statebased.js' {
  export default class KeyEndorsementPolicy {
    constructor(policy?: Uint8Array);
    addOrgs(role: 'PEER' | 'MEMBER', ...orgs: string[]): void;
    getPolicy(): Uint8Array;
  }
}
