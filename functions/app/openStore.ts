import { join, resolve } from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { type FileStoreOptions, openFileStore } from '../adapters/store/fileStore.js';
import type { Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';

/**
 * The store of a deployment: Cosmos DB through the managed identity when COSMOS_ENDPOINT is configured, otherwise
 * the embedded file store under DATA_DIR. Both hosts and the tools open it here, so a tool writes where the app
 * reads. `credential` lets the Azure host share one identity between Cosmos DB and Service Bus. The Cosmos and
 * identity SDKs are imported only when used, so the file store starts without loading them.
 */
export async function openStoreFor(
  config: AppConfig,
  credential?: TokenCredential,
  fileStoreOptions?: FileStoreOptions,
): Promise<Store> {
  const { azure } = config;
  if (!azure) return openFileStore(fileStoreDir(config), fileStoreOptions);
  const [{ createCosmosStore }, identity] = await Promise.all([
    import('../adapters/store/cosmosStore.js'),
    credential ? undefined : import('@azure/identity'),
  ]);
  return createCosmosStore({
    endpoint: azure.cosmosEndpoint,
    database: azure.cosmosDatabase,
    container: azure.cosmosContainer,
    credential:
      credential ??
      new identity!.DefaultAzureCredential({ managedIdentityClientId: azure.managedIdentityClientId }),
  });
}

/** Where openStoreFor keeps the data, for banners and tool summaries. */
export function storeLocation(config: AppConfig): string {
  const { azure } = config;
  return azure
    ? `Cosmos DB ${azure.cosmosEndpoint} ${azure.cosmosDatabase}/${azure.cosmosContainer}`
    : fileStoreDir(config);
}

const fileStoreDir = (config: AppConfig) => join(resolve(config.local.dataDir), 'store');
