// Loads the Azure SDK bundle on first use. In the extension this is dist/azure-sdk.js next to
// dist/extension.js (kept external by esbuild); in the tests, out/src/azure/azure-sdk.js.
import type * as AzureSdk from './azure-sdk';

export type Sdk = typeof AzureSdk;
let loaded: Sdk | undefined;

export function sdk(): Sdk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('./azure-sdk.js') as Sdk;
  return loaded;
}
