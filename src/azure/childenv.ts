// What the app process sees of the account chosen for preview: only environment variables.
// No `vscode` import.
import { accountHostFor, connectionStringFor, type StorageTarget } from './connection';

/**
 * Variables that would win over the token endpoint earlier in DefaultAzureCredential's chain,
 * switch its managed-identity dialect, or point adlfs at other credentials. Removed from the
 * app's environment whenever an account is chosen for preview.
 */
export const SHADOWING_VARIABLES = [
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'AZURE_TENANT_ID',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_USERNAME',
  'AZURE_PASSWORD',
  'AZURE_AUTHORITY_HOST',
  'MSI_ENDPOINT',
  'MSI_SECRET',
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'IDENTITY_SERVER_THUMBPRINT',
  'IMDS_ENDPOINT',
  'AZURE_POD_IDENTITY_AUTHORITY_HOST',
  'AZURE_STORAGE_CONNECTION_STRING',
  'AZURE_STORAGE_ACCOUNT_KEY',
  'AZURE_STORAGE_KEY',
  'AZURE_STORAGE_SAS_TOKEN',
  'AZURE_STORAGE_CLIENT_ID',
  'AZURE_STORAGE_CLIENT_SECRET',
  'AZURE_STORAGE_TENANT_ID',
  'AZURE_STORAGE_ANON',
] as const;

export interface PreviewSelection {
  readonly target: StorageTarget;
  readonly container?: string | undefined;
}

export interface BrokerGrant {
  readonly endpoint: string;
  readonly secret: string;
}

/**
 * The run's environment overlay: scrubs the shadowing variables (null), then sets the
 * account, container and either the token endpoint or the key/SAS connection.
 */
export function previewEnvironment(sel: PreviewSelection, grant?: BrokerGrant, delegationSas?: string): Record<string, string | null> {
  const env: Record<string, string | null> = {};
  for (const k of SHADOWING_VARIABLES) env[k] = null;
  const { target } = sel;
  env.AZURE_STORAGE_ACCOUNT_NAME = target.accountName;
  env.AZURE_STORAGE_ACCOUNT_URL = target.blobEndpoint;
  env.AZURE_STORAGE_BLOB_ENDPOINT = target.blobEndpoint;
  const container = sel.container ?? target.container;
  env.AZURE_STORAGE_CONTAINER = container ?? null;
  const host = accountHostFor(target);
  env.FSSPEC_ABFS_ACCOUNT_HOST = host ?? null;
  if (target.auth.kind === 'token') {
    if (!grant) throw new Error('a signed-in account needs a token endpoint grant');
    env.IDENTITY_ENDPOINT = grant.endpoint;
    env.IDENTITY_HEADER = grant.secret;
    if (delegationSas) env.AZURE_STORAGE_SAS_TOKEN = delegationSas;
  } else {
    env.AZURE_STORAGE_CONNECTION_STRING = connectionStringFor(target) ?? null;
    if (target.auth.kind === 'sas') env.AZURE_STORAGE_SAS_TOKEN = target.auth.sasToken;
  }
  return env;
}
