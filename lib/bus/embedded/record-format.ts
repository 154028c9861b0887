// On-disk format of one record in a segment file. Pure functions, no I/O.
//
//   offset  size  field
//   0       4     body length N (u32 BE): bytes that follow the 8-byte prefix
//   4       4     CRC-32 (IEEE, node:zlib crc32) of the N body bytes
//   --- body (N bytes) ---
//   8       1     format version (1)
//   9       8     offset (u64 BE): the record's position in its partition
//   17      8     timestamp (u64 BE): epoch ms at which the record was appended
//   25      4     key length K, then K bytes of UTF-8 key
//           4     value length V, then V bytes of value
//           2     header count H, then H × (u16 name length, UTF-8 name, u32 value length, UTF-8 value)
//
// Invariants: the CRC covers everything a reader trusts (offset, timestamp, key, value, headers); a
// body is never longer than MAX_RECORD_BODY_BYTES, so a length field above it is corruption, not a
// huge record; the decoder accepts a body only if its fields add up to exactly N bytes.
import { crc32 } from "node:zlib";
import type { ProduceMessage } from "../types.ts";

export const PREFIX_BYTES = 8;
export const FORMAT_VERSION = 1;
/** Largest record body (key + value + headers + 27 bytes of fixed fields). Part of the format: recovery treats larger lengths as torn. */
export const MAX_RECORD_BODY_BYTES = 16 * 1024 * 1024;
const FIXED_BODY_BYTES = 1 + 8 + 8 + 4 + 4 + 2;
const U16_MAX = 0xffff;

/** A message validated and turned into bytes, waiting for its offset and timestamp. */
export interface PreparedRecord {
  key: Buffer;
  value: Buffer;
  headers: Array<[name: Buffer, value: Buffer]>;
  /** The message's key and headers as given (kept in memory for readers, who each get a copy of the headers; see partition-log.ts). */
  keyText: string;
  headerMap: Record<string, string>;
  /** Bytes the record takes on disk, prefix included. */
  size: number;
}

export interface StoredRecord {
  offset: number;
  timestamp: number;
  key: string;
  /** Shares memory with the chunk it was read from; copy it before keeping it long. */
  value: Buffer;
  headers: Record<string, string>;
}

export type DecodeResult =
  | { status: "ok"; record: StoredRecord; next: number }
  | { status: "incomplete"; needed: number }
  | { status: "corrupt"; reason: string };

/** Validates a message and encodes its key, value and headers. Throws RangeError if it cannot be stored. */
export function prepareRecord(message: ProduceMessage): PreparedRecord {
  const key = Buffer.from(message.key, "utf8");
  const value = typeof message.value === "string" ? Buffer.from(message.value, "utf8") : message.value;
  const headers = Object.entries(message.headers ?? {}).map(([name, text]): [Buffer, Buffer] => [Buffer.from(name, "utf8"), Buffer.from(text, "utf8")]);
  if (headers.length > U16_MAX) throw new RangeError(`a record has at most ${U16_MAX} headers, got ${headers.length}`);
  let body = FIXED_BODY_BYTES + key.length + value.length;
  for (const [name, text] of headers) {
    if (name.length > U16_MAX) throw new RangeError(`header name longer than ${U16_MAX} bytes`);
    body += 2 + name.length + 4 + text.length;
  }
  if (body > MAX_RECORD_BODY_BYTES) throw new RangeError(`record of ${body} bytes is over the ${MAX_RECORD_BODY_BYTES}-byte limit (key ${JSON.stringify(message.key.slice(0, 64))})`);
  return { key, value, headers, keyText: message.key, headerMap: message.headers ?? {}, size: PREFIX_BYTES + body };
}

/** Writes the record at `at` in `target` (which must have `record.size` bytes free); returns the next position. */
export function writeRecord(target: Buffer, at: number, record: PreparedRecord, offset: number, timestamp: number): number {
  const bodyStart = at + PREFIX_BYTES;
  let p = bodyStart;
  p = target.writeUInt8(FORMAT_VERSION, p);
  p = writeUint64(target, p, offset);
  p = writeUint64(target, p, timestamp);
  p = writeBytes(target, p, record.key);
  p = writeBytes(target, p, record.value);
  p = target.writeUInt16BE(record.headers.length, p);
  for (const [name, text] of record.headers) {
    p = target.writeUInt16BE(name.length, p);
    p += name.copy(target, p);
    p = writeBytes(target, p, text);
  }
  target.writeUInt32BE(p - bodyStart, at);
  target.writeUInt32BE(crc32(target.subarray(bodyStart, p)), at + 4);
  return p;
}

/** Decodes the record starting at `at`; says how many bytes it needs if `buffer` ends too early. */
export function decodeRecord(buffer: Buffer, at: number): DecodeResult {
  if (buffer.length - at < PREFIX_BYTES) return { status: "incomplete", needed: PREFIX_BYTES };
  const bodyLength = buffer.readUInt32BE(at);
  if (bodyLength < FIXED_BODY_BYTES || bodyLength > MAX_RECORD_BODY_BYTES) return { status: "corrupt", reason: `impossible body length ${bodyLength}` };
  const bodyStart = at + PREFIX_BYTES;
  const end = bodyStart + bodyLength;
  if (buffer.length < end) return { status: "incomplete", needed: PREFIX_BYTES + bodyLength };
  if (crc32(buffer.subarray(bodyStart, end)) !== buffer.readUInt32BE(at + 4)) return { status: "corrupt", reason: "checksum mismatch" };
  const version = buffer.readUInt8(bodyStart);
  if (version !== FORMAT_VERSION) return { status: "corrupt", reason: `unknown format version ${version}` };
  const record = decodeBody(buffer, bodyStart + 1, end);
  if (!record) return { status: "corrupt", reason: "fields do not add up to the body length" };
  return { status: "ok", record, next: end };
}

function decodeBody(buffer: Buffer, start: number, end: number): StoredRecord | undefined {
  let p = start;
  const fits = (length: number) => p + length <= end;
  const offset = readUint64(buffer, p);
  const timestamp = readUint64(buffer, p + 8);
  const keyLength = buffer.readUInt32BE(p + 16);
  p += 20;
  if (!fits(keyLength + 4)) return undefined;
  const key = buffer.toString("utf8", p, p + keyLength);
  p += keyLength;
  const valueLength = buffer.readUInt32BE(p);
  p += 4;
  if (!fits(valueLength + 2)) return undefined;
  const value = buffer.subarray(p, p + valueLength);
  p += valueLength;
  const headerCount = buffer.readUInt16BE(p);
  p += 2;
  const headers: Array<[string, string]> = [];
  for (let i = 0; i < headerCount; i++) {
    if (!fits(2)) return undefined;
    const nameLength = buffer.readUInt16BE(p);
    p += 2;
    if (!fits(nameLength + 4)) return undefined;
    const name = buffer.toString("utf8", p, p + nameLength);
    const textLength = buffer.readUInt32BE(p + nameLength);
    p += nameLength + 4;
    if (!fits(textLength)) return undefined;
    headers.push([name, buffer.toString("utf8", p, p + textLength)]);
    p += textLength;
  }
  if (p !== end) return undefined;
  return { offset, timestamp, key, value, headers: Object.fromEntries(headers) };
}

function writeBytes(target: Buffer, at: number, bytes: Buffer): number {
  const p = target.writeUInt32BE(bytes.length, at);
  return p + bytes.copy(target, p);
}

function writeUint64(target: Buffer, at: number, n: number): number {
  target.writeUInt32BE(Math.floor(n / 2 ** 32), at);
  return target.writeUInt32BE(n >>> 0, at + 4);
}

function readUint64(buffer: Buffer, at: number): number {
  return buffer.readUInt32BE(at) * 2 ** 32 + buffer.readUInt32BE(at + 4);
}
