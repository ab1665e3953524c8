import { readFile } from 'node:fs/promises';

import { CHUNK_SIZE, CHUNKSET_SIZE, DATA_CHUNKS, TOTAL_CHUNKS } from './constants';

/**
 * Helper chunks per repair (d) of the SDK's Clay code (ClayCode_16Total_10Data_13Helper). It
 * shapes the parity, so a different value would give other roots, which the start-up self-check
 * against the SDK would catch.
 */
export const HELPER_CHUNKS = 13;

/** clay_params_init's hash selector for SHA-256, as clay-codes passes it. */
const SHA256_HASH = 1;
/** Alignment and parameter block size of clay-codes' bump allocator. */
const ALIGN_MASK = 63;
const PARAMS_BYTES = 64;
const WASM_PAGE = 65536;

/** The exports of clay.wasm this encoder calls (the ABI clay-codes' own encoder uses). */
interface ClayExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  clay_params_init(
    params: number,
    n: number,
    k: number,
    d: number,
    chunk: number,
    hash: number,
  ): void;
  clay_encoder_footprint(params: number): number;
  clay_encoder_init(encoder: number, params: number): void;
  clay_encoder_set_data_chunk(encoder: number, index: number, source: number): void;
  clay_encoder_run(encoder: number): void;
  clay_encoder_get_chunk(encoder: number, index: number, target: number): void;
  clay_decoder_reset(encoder: number): void;
}

/**
 * Compiles the clay.wasm the SDK loads (see identifyClayWasm), once per process: worker threads
 * that instantiate this one module share its machine code, which grows to about 60 MiB once the
 * encoder has run, where a module compiled per thread would cost each thread that much again.
 */
export async function compileClayWasm(wasmPath: string): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await readFile(wasmPath));
}

/**
 * The Clay encoder of the SDK's code (n 16, k 10, d 13, 1 MiB chunks), driven through clay.wasm's
 * exports directly, as clay-codes' encoder drives them, but with no copies into JavaScript: input
 * goes straight into wasm memory and each output chunk is lent out as a view of it. One instance
 * is about 42 MiB of wasm memory and nothing else, where the SDK's provider (two instances, each
 * compiled anew, and 26 MiB of buffers copied per encode) and the SDK itself cost a thread about
 * 200 MiB.
 */
export class ClayEncoder {
  private constructor(
    private readonly wasm: ClayExports,
    private readonly encoder: number,
    private readonly staging: number,
  ) {}

  /** An encoder on a new instance of the compiled clay.wasm (see {@link compileClayWasm}). */
  static async load(module: WebAssembly.Module): Promise<ClayEncoder> {
    const instance = await WebAssembly.instantiate(module, {
      env: {
        abort: () => {
          throw new Error('The Clay wasm aborted.');
        },
      },
    });
    const wasm = instance.exports as unknown as ClayExports;
    for (const name of ['clay_params_init', 'clay_encoder_init', 'clay_encoder_get_chunk']) {
      if (typeof (wasm as unknown as Record<string, unknown>)[name] !== 'function') {
        throw new Error(`This clay.wasm has no ${name}; the hybrid path cannot use it.`);
      }
    }
    let heap = align(wasm.__heap_base.value as number);
    const allocate = (size: number): number => {
      const pointer = heap;
      heap = align(pointer + size);
      const missing = heap - wasm.memory.buffer.byteLength;
      if (missing > 0) wasm.memory.grow(Math.ceil(missing / WASM_PAGE));
      return pointer;
    };
    const params = allocate(PARAMS_BYTES);
    wasm.clay_params_init(
      params,
      TOTAL_CHUNKS,
      DATA_CHUNKS,
      HELPER_CHUNKS,
      CHUNK_SIZE,
      SHA256_HASH,
    );
    const encoder = allocate(wasm.clay_encoder_footprint(params));
    wasm.clay_encoder_init(encoder, params);
    return new ClayEncoder(wasm, encoder, allocate(CHUNK_SIZE));
  }

  /**
   * Encodes an unpadded chunkset (at most 10 MiB; the zero padding is added here) and lends
   * each of the 16 chunks, data first, to `visit` as a view of wasm memory that is valid only
   * during that call.
   */
  encodeInto(data: Uint8Array, visit: (index: number, chunk: Uint8Array) => void): void {
    if (data.byteLength > CHUNKSET_SIZE) {
      throw new RangeError(`A chunkset holds at most ${CHUNKSET_SIZE} bytes.`);
    }
    const { wasm, encoder, staging } = this;
    // clay-codes resets the encoder this way before every encode; so does this one.
    wasm.clay_decoder_reset(encoder);
    for (let index = 0; index < DATA_CHUNKS; index++) {
      const view = this.stagingView();
      const start = Math.min(index * CHUNK_SIZE, data.byteLength);
      const end = Math.min(start + CHUNK_SIZE, data.byteLength);
      view.set(data.subarray(start, end));
      view.fill(0, end - start);
      wasm.clay_encoder_set_data_chunk(encoder, index, staging);
    }
    wasm.clay_encoder_run(encoder);
    for (let index = 0; index < TOTAL_CHUNKS; index++) {
      wasm.clay_encoder_get_chunk(encoder, index, staging);
      visit(index, this.stagingView());
    }
  }

  /** Encodes a chunkset and returns copies of its 16 chunks (for deriving the response table). */
  encode(chunkset: Uint8Array): { chunks: Uint8Array[] } {
    const chunks: Uint8Array[] = [];
    this.encodeInto(chunkset, (_, chunk) => chunks.push(chunk.slice()));
    return { chunks };
  }

  private stagingView(): Uint8Array {
    // A fresh view each time: growing the memory would detach an older one.
    return new Uint8Array(this.wasm.memory.buffer, this.staging, CHUNK_SIZE);
  }
}

function align(value: number): number {
  return (value + ALIGN_MASK) & ~ALIGN_MASK;
}
