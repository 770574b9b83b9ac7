/**
 * One archived line per event: the event with its personal data sealed (crypto-shredding,
 * docs/PRIVACY.md). What anyone may read stays in clear for analytics — mark, version, type,
 * times, schemaVersion and the data fields resolvers/lib/personal-data.ts names open (status,
 * price, times) — and the rest is one AES-256-GCM box under the data key of the mark's life
 * (keyring.ts):
 *
 *   { "mark", "version", "type", "recordedAt", "eventTime"?, "schemaVersion", "data": { open fields },
 *     "life": E, "sealed"?: "<base64: 12-byte IV | ciphertext | 16-byte tag>", "erased"?: true }
 *
 * The box holds `{ commandId?, data: { personal fields } }`: the commandId is a client's free
 * text, so it is sealed too. `life` is the mark's erasedBelow when the line was written (the
 * version of the forget that began the life, 0 for the first): the key of that life opens it. The additional authenticated data binds a box to its mark, version and
 * life, so a box moved to another line does not open. An event of a life already forgotten when
 * it reaches the archive (a redelivery, a late relay retry) is written without its personal data
 * and marked `erased`. Once a life's key is removed, its boxes are random bytes to whoever holds
 * the bucket.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { splitEventData } from '../../resolvers/lib/personal-data';
import type { MarkEventRecord } from '../lib/mark-event';

export interface ArchivedLine {
  mark: string;
  version: number;
  type: string;
  recordedAt: string;
  eventTime?: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  life: number;
  sealed?: string;
  erased?: true;
}

/** The key of one life of a mark: its versions from `erasedBelow` (its tombstone; 0 in the first life) on. */
export interface LifeKey {
  erasedBelow: number;
  dataKey?: Uint8Array;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;

const aad = (mark: string, version: number, life: number) => Buffer.from(JSON.stringify([mark, version, life]), 'utf8');

/** What of an event must be sealed: its commandId and personal data fields, or null when nothing. */
function secretOf(event: MarkEventRecord): { open: Record<string, unknown>; secret: { commandId?: string; data?: Record<string, unknown> } | null } {
  const { open, personal } = splitEventData(event.data, 'all');
  const secret: { commandId?: string; data?: Record<string, unknown> } = {};
  if (event.commandId !== undefined) secret.commandId = event.commandId;
  if (personal) secret.data = personal;
  return { open, secret: Object.keys(secret).length ? secret : null };
}

/** Whether archiving the event needs its life's key (it has something to seal and its life is not forgotten). */
export function needsKey(event: MarkEventRecord, life: LifeKey): boolean {
  return event.version >= life.erasedBelow && secretOf(event).secret !== null;
}

/** The archived line of an event, sealed with its life's key (needsKey says when there must be one). */
export function sealEvent(event: MarkEventRecord, life: LifeKey): ArchivedLine {
  const { open, secret } = secretOf(event);
  // field by field, so that the JSON keys keep the record's order (functions/lib/mark-event.ts)
  const line = { mark: event.mark, version: event.version, type: event.type, recordedAt: event.recordedAt } as ArchivedLine;
  if (event.eventTime !== undefined) line.eventTime = event.eventTime;
  Object.assign(line, { schemaVersion: event.schemaVersion, data: open, life: life.erasedBelow });
  if (!secret) return line;
  if (event.version < life.erasedBelow) return { ...line, erased: true };
  if (!life.dataKey) throw new Error(`no data key for ${event.mark} from version ${life.erasedBelow}`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', life.dataKey, iv);
  cipher.setAAD(aad(event.mark, event.version, life.erasedBelow));
  const box = Buffer.concat([iv, cipher.update(JSON.stringify(secret), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { ...line, sealed: box.toString('base64') };
}

export type Opened = { readable: true; event: MarkEventRecord } | { readable: false; event: MarkEventRecord; reason: 'erased' | 'no key' | 'wrong key' };

/**
 * An archived line as the event it was, given the mark's current life. A line of another life
 * than the key's, or whose box does not open with it, comes back with its open fields only.
 */
export function openLine(line: ArchivedLine, life: LifeKey | undefined): Opened {
  const event = { mark: line.mark, version: line.version, type: line.type, recordedAt: line.recordedAt } as MarkEventRecord;
  if (line.eventTime !== undefined) event.eventTime = line.eventTime;
  event.schemaVersion = line.schemaVersion;
  event.data = { ...line.data };
  if (line.erased) return { readable: false, event, reason: 'erased' };
  if (line.sealed === undefined) return { readable: true, event };
  if (!life?.dataKey || life.erasedBelow !== line.life) return { readable: false, event, reason: 'no key' };
  const secret = tryOpen(line, life.dataKey);
  if (!secret) return { readable: false, event, reason: 'wrong key' };
  const opened = { mark: event.mark, version: event.version, type: event.type, recordedAt: event.recordedAt } as MarkEventRecord;
  if (event.eventTime !== undefined) opened.eventTime = event.eventTime;
  if (secret.commandId !== undefined) opened.commandId = secret.commandId;
  opened.schemaVersion = event.schemaVersion;
  opened.data = { ...event.data, ...secret.data };
  return { readable: true, event: opened };
}

/** The sealed part of a line opened with a key, or undefined when that key does not open it. */
export function tryOpen(line: ArchivedLine, dataKey: Uint8Array): { commandId?: string; data?: Record<string, unknown> } | undefined {
  if (line.sealed === undefined) return undefined;
  const box = Buffer.from(line.sealed, 'base64');
  if (box.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, box.subarray(0, IV_BYTES));
    decipher.setAAD(aad(line.mark, line.version, line.life));
    decipher.setAuthTag(box.subarray(box.length - TAG_BYTES));
    const text = Buffer.concat([decipher.update(box.subarray(IV_BYTES, box.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    return JSON.parse(text) as { commandId?: string; data?: Record<string, unknown> };
  } catch {
    return undefined;
  }
}
