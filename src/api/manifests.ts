import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface Manifest {
  source: string;
  /** Position of the document in its file, from 0. */
  index: number;
  object: Record<string, unknown>;
}

export class ManifestError extends Error {}

export function parseManifests(text: string, source: string): Manifest[] {
  const manifests: Manifest[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    if (doc.errors.length) {
      throw new ManifestError(`${source} (document ${index + 1}): ${doc.errors[0].message}`);
    }
    const object = doc.toJS();
    if (object === null || object === undefined) return;
    if (typeof object !== 'object' || Array.isArray(object)) {
      throw new ManifestError(`${source} (document ${index + 1}): expected a Kubernetes object, found ${Array.isArray(object) ? 'a list' : typeof object}`);
    }
    manifests.push({ source, index, object });
  });
  return manifests;
}

async function yamlFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .sort((a, b) => a.name.localeCompare(b.name))
      .filter((e) => e.isDirectory() || ['.yaml', '.yml'].includes(extname(e.name)))
      .map((e) => yamlFiles(join(path, e.name))),
  );
  return nested.flat();
}

/** Reads files and directories (recursively, in name order) the way `kubectl apply -f` does. */
export async function readManifests(paths: string[]): Promise<Manifest[]> {
  const manifests: Manifest[] = [];
  for (const path of paths) {
    for (const file of await yamlFiles(path)) {
      manifests.push(...parseManifests(await readFile(file, 'utf8'), file));
    }
  }
  return manifests;
}
