// Declares the module scripts/bundle.mjs generates when it bundles host/inline.ts:
// build/kernel.wasm, base64-encoded. There is no source file; only the bundle has it.

/** The release kernel.wasm, base64-encoded. */
export declare const KERNEL_WASM_BASE64: string;
