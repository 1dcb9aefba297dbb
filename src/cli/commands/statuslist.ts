import { writeFileSync } from 'node:fs';
import { newStatusListFile, publishStatusList, type StatusListFile } from '../../trust/issue.ts';
import { decodeBitstring, encodeBitstring, setBit } from '../../trust/status-list.ts';
import type { CliCommand, CliOutput } from '../command.ts';
import { UsageError } from '../errors.ts';
import { readJson } from '../input.ts';
import { seconds } from '../values.ts';
import { readKeyFile } from './keyfile.ts';

function readList(path: string): StatusListFile {
  const list = readJson<StatusListFile>(path, '--list');
  try {
    decodeBitstring(list.encodedList);
  } catch (error) {
    throw new UsageError(`--list ${path} is not a status list from \`empirectl statuslist new\`: ${(error as Error).message}`);
  }
  return list;
}

export function registerStatusList(program: CliCommand, io: CliOutput): void {
  const statusList = program.command('statuslist').description("an issuer's Bitstring Status List: create, revoke entries, sign for publication");
  statusList
    .command('new')
    .description('create an empty status list file')
    .required('--url <url>', 'where the signed list will be published (https)')
    .required('--out <file>', 'the status list file to write')
    .option('--purpose <purpose>', 'revocation or suspension', 'revocation')
    .handle<{ url: string; out: string; purpose: string }>(({ url, out, purpose }) => {
      if (!url.startsWith('https://')) throw new UsageError(`--url ${url}: status lists are fetched over https only`);
      if (purpose !== 'revocation' && purpose !== 'suspension') throw new UsageError(`--purpose ${purpose}: use revocation or suspension`);
      writeFileSync(out, `${JSON.stringify(newStatusListFile(url, purpose), null, 2)}\n`);
    });
  statusList
    .command('revoke')
    .description("set (or with --undo clear) a credential's entry")
    .required('--list <file>', 'the status list file')
    .required('--index <n>', "the credential's --status-index")
    .option('--undo', 'clear the entry instead')
    .handle<{ list: string; index: string; undo?: boolean }>(({ list: path, index, undo }) => {
      if (!/^\d+$/.test(index)) throw new UsageError(`--index ${index}: use a non-negative integer`);
      const list = readList(path);
      const bits = decodeBitstring(list.encodedList);
      try {
        setBit(bits, Number(index), !undo);
      } catch (error) {
        throw new UsageError(`--index ${index}: ${(error as Error).message}`);
      }
      writeFileSync(path, `${JSON.stringify({ ...list, encodedList: encodeBitstring(bits) }, null, 2)}\n`);
    });
  statusList
    .command('publish')
    .description('sign the list as a status-list credential (VC-JWT) to serve at its URL')
    .required('--list <file>', 'the status list file')
    .required('--issuer-key <file>', "the issuer's private key")
    .option('--valid-for <duration>', 'how long the signed list is valid', '1d')
    .option('--out <file>', 'write the JWT here instead of stdout')
    .handle<{ list: string; issuerKey: string; validFor: string; out?: string }>(async (options) => {
      const jwt = await publishStatusList(readKeyFile(options.issuerKey, 'issuer-key'), readList(options.list), seconds(options.validFor, 'valid-for'));
      if (options.out) writeFileSync(options.out, `${jwt}\n`);
      else io.out(jwt);
    });
}
