// The values a MaxMind DB stores, and their encoding in the data section (MaxMind DB format 2.0,
// "Output Data Section"). JavaScript values map to MaxMind types by default; the typed wrappers
// pick another type where a reader expects one (GeoLite2 files use uint16/uint32/uint64 fields).

export type MmdbScalarType = 'uint16' | 'uint32' | 'int32' | 'uint64' | 'uint128' | 'double' | 'float';

/** A number stored as a specific MaxMind type instead of the default one. */
export class MmdbTyped {
  constructor(
    readonly type: MmdbScalarType,
    readonly value: number | bigint,
  ) {}
}

/**
 * What a record may hold. Defaults: string → utf8_string, boolean → boolean, Uint8Array → bytes,
 * array → array, plain object → map, bigint → uint64 (uint128 above 2^64), number → uint32 when
 * it is an integer in 0..2^32-1, int32 when a negative integer in range, double otherwise.
 */
export type MmdbValue = string | number | bigint | boolean | Uint8Array | MmdbTyped | readonly MmdbValue[] | MmdbMap;
export interface MmdbMap {
  readonly [key: string]: MmdbValue;
}

export const mmdbType = {
  uint16: (value: number) => new MmdbTyped('uint16', value),
  uint32: (value: number) => new MmdbTyped('uint32', value),
  int32: (value: number) => new MmdbTyped('int32', value),
  uint64: (value: number | bigint) => new MmdbTyped('uint64', value),
  uint128: (value: number | bigint) => new MmdbTyped('uint128', value),
  double: (value: number) => new MmdbTyped('double', value),
  float: (value: number) => new MmdbTyped('float', value),
};

export class MmdbValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MmdbValueError';
  }
}

// Type numbers from the spec; 8 and above are "extended" types written as 0 plus a second byte.
const POINTER = 1;
const UTF8_STRING = 2;
const DOUBLE = 3;
const BYTES = 4;
const UINT16 = 5;
const UINT32 = 6;
const MAP = 7;
const INT32 = 8;
const UINT64 = 9;
const UINT128 = 10;
const ARRAY = 11;
const BOOLEAN = 14;
const FLOAT = 15;

type UintType = 'uint16' | 'uint32' | 'uint64' | 'uint128';
const UINT_BYTES: Record<UintType, number> = { uint16: 2, uint32: 4, uint64: 8, uint128: 16 };
const UINT_TYPES: Record<UintType, number> = { uint16: UINT16, uint32: UINT32, uint64: UINT64, uint128: UINT128 };

/**
 * A key that is equal for two values exactly when they encode to the same bytes, so identical
 * records can be stored once. Strings are length-prefixed so no two values share a key by accident.
 */
export function valueKey(value: MmdbValue): string {
  switch (typeof value) {
    case 'string':
      return `s${value.length}:${value}`;
    case 'boolean':
      return value ? 'T' : 'F';
    case 'number':
      return `n${value}`;
    case 'bigint':
      if (value < 0n || value >= 1n << 128n) throw new MmdbValueError(`${value} is outside 0..2^128-1: MaxMind DB has no signed 64- or 128-bit type`);
      return `b${value}`;
    default:
      break;
  }
  if (value instanceof MmdbTyped) {
    // Checked here, on insert, so that the error points at the record rather than at write().
    checkTyped(value);
    return `${value.type}:${value.value}`;
  }
  if (value instanceof Uint8Array) return `x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')};`;
  if (Array.isArray(value)) {
    let key = `a${value.length}[`;
    for (const item of value as readonly MmdbValue[]) key += `${valueKey(item)},`;
    return `${key}]`;
  }
  const map = value as MmdbMap;
  let key = '{';
  for (const name in map) {
    const item = map[name];
    if (item !== undefined) key += `${name.length}:${name}=${valueKey(item)},`;
  }
  return `${key}}`;
}

const RANGES: Record<MmdbScalarType, readonly [bigint, bigint] | null> = {
  uint16: [0n, 0xffffn],
  uint32: [0n, 0xffffffffn],
  int32: [-0x80000000n, 0x7fffffffn],
  uint64: [0n, (1n << 64n) - 1n],
  uint128: [0n, (1n << 128n) - 1n],
  double: null,
  float: null,
};

function checkTyped({ type, value }: MmdbTyped): void {
  const range = RANGES[type];
  if (range === null) return;
  const integer = typeof value === 'bigint' ? value : Number.isInteger(value) ? BigInt(value) : null;
  if (integer === null || integer < range[0] || integer > range[1]) throw new MmdbValueError(`${value} is not a ${type}`);
}

/** A growable byte buffer; the data section of the ASN database is a few megabytes. */
export class ByteSink {
  bytes: Buffer;
  length = 0;

  constructor(initialSize = 1 << 16) {
    this.bytes = Buffer.allocUnsafe(initialSize);
  }

  reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  contents(): Buffer {
    return this.bytes.subarray(0, this.length);
  }
}

export interface EncoderOptions {
  /**
   * Write a repeated string (map keys above all: every ASN record has the same two) as a pointer
   * to its first copy. Off for the metadata, which readers decode on its own, without the data
   * section that pointers refer to.
   */
  pointers: boolean;
}

/** Encodes values one after another into one section, remembering strings for pointers. */
export class DataEncoder {
  readonly sink = new ByteSink();
  private readonly strings = new Map<string, number>();

  constructor(private readonly options: EncoderOptions) {}

  /** Appends the value and returns its offset from the start of the section. */
  write(value: MmdbValue): number {
    const offset = this.sink.length;
    this.value(value);
    return offset;
  }

  private value(value: MmdbValue): void {
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'boolean':
        return this.control(BOOLEAN, value ? 1 : 0);
      case 'number':
        if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return this.unsigned(UINT32, BigInt(value), 4);
        if (Number.isInteger(value) && value < 0 && value >= -0x80000000) return this.int32(value);
        return this.double(value);
      case 'bigint':
        if (value < 0n || value >= 1n << 128n) throw new MmdbValueError(`${value} is outside 0..2^128-1: MaxMind DB has no signed 64- or 128-bit type`);
        return value < 1n << 64n ? this.unsigned(UINT64, value, 8) : this.unsigned(UINT128, value, 16);
      default:
        break;
    }
    if (value instanceof MmdbTyped) return this.typed(value);
    if (value instanceof Uint8Array) {
      this.control(BYTES, value.length);
      this.raw(value);
      return;
    }
    if (Array.isArray(value)) {
      const items = value as readonly MmdbValue[];
      this.control(ARRAY, items.length);
      for (const item of items) this.value(item);
      return;
    }
    const map = value as MmdbMap;
    const entries = Object.entries(map).filter((entry): entry is [string, MmdbValue] => entry[1] !== undefined);
    this.control(MAP, entries.length);
    for (const [key, item] of entries) {
      this.string(key);
      this.value(item);
    }
  }

  private typed(typed: MmdbTyped): void {
    checkTyped(typed);
    const { type, value } = typed;
    switch (type) {
      case 'double':
        return this.double(Number(value));
      case 'float': {
        this.control(FLOAT, 4);
        this.sink.reserve(4);
        this.sink.length = this.sink.bytes.writeFloatBE(Number(value), this.sink.length);
        return;
      }
      case 'int32':
        return this.int32(Number(value));
      default:
        return this.unsigned(UINT_TYPES[type], BigInt(value), UINT_BYTES[type]);
    }
  }

  private string(text: string): void {
    const known = this.options.pointers ? this.strings.get(text) : undefined;
    const byteLength = Buffer.byteLength(text, 'utf8');
    if (known !== undefined && pointerSize(known) < controlSize(byteLength) + byteLength) {
      this.pointer(known);
      return;
    }
    if (this.options.pointers && known === undefined) this.strings.set(text, this.sink.length);
    this.control(UTF8_STRING, byteLength);
    this.sink.reserve(byteLength);
    this.sink.length += this.sink.bytes.write(text, this.sink.length, 'utf8');
  }

  private double(value: number): void {
    this.control(DOUBLE, 8);
    this.sink.reserve(8);
    this.sink.length = this.sink.bytes.writeDoubleBE(value, this.sink.length);
  }

  private int32(value: number): void {
    // Readers take int32 as 1 to 4 big-endian bytes of two's complement; 4 keeps the sign.
    this.control(INT32, 4);
    this.sink.reserve(4);
    this.sink.length = this.sink.bytes.writeInt32BE(value, this.sink.length);
  }

  /** Unsigned integers drop their leading zero bytes, as the spec allows (0 is zero bytes). */
  private unsigned(type: number, value: bigint, maxBytes: number): void {
    const bytes: number[] = [];
    for (let rest = value; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
    if (bytes.length > maxBytes) throw new MmdbValueError(`${value} does not fit in ${maxBytes} bytes`);
    this.control(type, bytes.length);
    this.raw(bytes);
  }

  private raw(bytes: ArrayLike<number>): void {
    this.sink.reserve(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.sink.bytes[this.sink.length++] = bytes[i] ?? 0;
  }

  /** The control byte(s): type in the top three bits, then the size in 5 bits plus 0-3 bytes. */
  private control(type: number, size: number): void {
    const sink = this.sink;
    sink.reserve(5);
    const base = type > 7 ? 0 : type << 5;
    let sizeBits: number;
    let extra: number[];
    if (size < 29) {
      sizeBits = size;
      extra = [];
    } else if (size < 285) {
      sizeBits = 29;
      extra = [size - 29];
    } else if (size < 65_821) {
      sizeBits = 30;
      const rest = size - 285;
      extra = [rest >> 8, rest & 0xff];
    } else if (size < 16_843_036) {
      sizeBits = 31;
      const rest = size - 65_821;
      extra = [rest >> 16, (rest >> 8) & 0xff, rest & 0xff];
    } else {
      throw new MmdbValueError(`a value of ${size} bytes or entries is too large for a MaxMind DB`);
    }
    sink.bytes[sink.length++] = base | sizeBits;
    if (type > 7) sink.bytes[sink.length++] = type - 7;
    for (const byte of extra) sink.bytes[sink.length++] = byte;
  }

  private pointer(offset: number): void {
    const sink = this.sink;
    sink.reserve(5);
    const base = POINTER << 5;
    if (offset < 2048) {
      sink.bytes[sink.length++] = base | (offset >> 8);
      sink.bytes[sink.length++] = offset & 0xff;
    } else if (offset < 526_336) {
      const rest = offset - 2048;
      sink.bytes[sink.length++] = base | (1 << 3) | (rest >> 16);
      sink.bytes[sink.length++] = (rest >> 8) & 0xff;
      sink.bytes[sink.length++] = rest & 0xff;
    } else if (offset < 134_744_064) {
      const rest = offset - 526_336;
      sink.bytes[sink.length++] = base | (2 << 3) | (rest >>> 24);
      sink.bytes[sink.length++] = (rest >>> 16) & 0xff;
      sink.bytes[sink.length++] = (rest >>> 8) & 0xff;
      sink.bytes[sink.length++] = rest & 0xff;
    } else {
      sink.bytes[sink.length++] = base | (3 << 3);
      sink.length = sink.bytes.writeUInt32BE(offset, sink.length);
    }
  }
}

function pointerSize(offset: number): number {
  if (offset < 2048) return 2;
  if (offset < 526_336) return 3;
  if (offset < 134_744_064) return 4;
  return 5;
}

function controlSize(size: number): number {
  if (size < 29) return 1;
  if (size < 285) return 2;
  if (size < 65_821) return 3;
  return 4;
}
