import { writeFileSync } from 'node:fs';
import { newStatusListFile, publishStatusList, type StatusListFile } from '../../trust/issue.ts';
import { decodeBitstring, encodeBitstring, setBit } from '../../trust/status-list.ts';
import { parse, readJson, required, seconds, UsageError } from '../args.ts';
import { readKeyFile } from './keyfile.ts';

const USAGE = `empirectl statuslist new --url URL --out FILE [--purpose revocation|suspension]
       empirectl statuslist revoke --list FILE --index I [--undo]
       empirectl statuslist publish --list FILE --issuer-key FILE [--valid-for 1d] [--out FILE]`;

function readList(path: string): StatusListFile {
  const list = readJson<StatusListFile>(path, '--list');
  try {
    decodeBitstring(list.encodedList);
  } catch (error) {
    throw new UsageError(`--list ${path} is not a status list from \`empirectl statuslist new\`: ${(error as Error).message}`);
  }
  return list;
}

export async function statusList(args: string[], out: (line: string) => void): Promise<void> {
  const [verb, ...rest] = args;
  if (verb === 'new') {
    const values = parse(rest, { url: { type: 'string' }, out: { type: 'string' }, purpose: { type: 'string' } }, USAGE);
    const url = required(values, 'url', USAGE);
    if (!url.startsWith('https://')) throw new UsageError(`--url ${url}: status lists are fetched over https only`);
    const purpose = (values.purpose as string | undefined) ?? 'revocation';
    if (purpose !== 'revocation' && purpose !== 'suspension') throw new UsageError(`--purpose ${purpose}: use revocation or suspension`);
    writeFileSync(required(values, 'out', USAGE), `${JSON.stringify(newStatusListFile(url, purpose), null, 2)}\n`);
    return;
  }
  if (verb === 'revoke') {
    const values = parse(rest, { list: { type: 'string' }, index: { type: 'string' }, undo: { type: 'boolean' } }, USAGE);
    const path = required(values, 'list', USAGE);
    const index = required(values, 'index', USAGE);
    if (!/^\d+$/.test(index)) throw new UsageError(`--index ${index}: use a non-negative integer`);
    const list = readList(path);
    const bits = decodeBitstring(list.encodedList);
    try {
      setBit(bits, Number(index), !values.undo);
    } catch (error) {
      throw new UsageError(`--index ${index}: ${(error as Error).message}`);
    }
    writeFileSync(path, `${JSON.stringify({ ...list, encodedList: encodeBitstring(bits) }, null, 2)}\n`);
    return;
  }
  if (verb === 'publish') {
    const values = parse(rest, { list: { type: 'string' }, 'issuer-key': { type: 'string' }, 'valid-for': { type: 'string' }, out: { type: 'string' } }, USAGE);
    const jwt = await publishStatusList(
      readKeyFile(required(values, 'issuer-key', USAGE), 'issuer-key'),
      readList(required(values, 'list', USAGE)),
      seconds((values['valid-for'] as string | undefined) ?? '1d', 'valid-for'),
    );
    if (values.out) writeFileSync(values.out as string, `${jwt}\n`);
    else out(jwt);
    return;
  }
  throw new UsageError(`unknown statuslist command ${JSON.stringify(verb ?? '')}\nusage: ${USAGE}`);
}
