// The contracts hash and store canonical JSON too; one implementation serves both sides.
export { canonicalJson, sameJson } from '@cloud-empire/chaincode/canonical-json';
