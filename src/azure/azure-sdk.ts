// The Azure SDKs, bundled as their own file (dist/azure-sdk.js) and loaded on first use,
// so activation does not pay for them. Everything else imports them as types only.
export {
  AnonymousCredential,
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  newPipeline,
  SASProtocol,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
export { AzureCliCredential, DefaultAzureCredential } from '@azure/identity';
export { SubscriptionClient } from '@azure/arm-resources-subscriptions';
export { StorageManagementClient } from '@azure/arm-storage';
