import { join } from 'node:path';

// Where an embedded ledger keeps its files inside its directory.
export const BLOCKS_FILE = 'blocks.log';
export const PRIVATE_DIR = 'private';
export const PRIVATE_FILE_SUFFIX = '.jsonl';

export const blocksPath = (dir: string) => join(dir, BLOCKS_FILE);
export const privateDirOf = (dir: string) => join(dir, PRIVATE_DIR);
