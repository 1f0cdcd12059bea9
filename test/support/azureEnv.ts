/** A complete set of the settings the Azure entry requires (loadConfig(env, 'azure')), for the Azure tests. */
export const AZURE_ENV = {
  TIL_CHANNEL_ID: 'C0TIL',
  SLACK_SIGNING_SECRET: 'signing-secret',
  COSMOS_ENDPOINT: 'https://til.documents.azure.com:443/',
  COSMOS_DATABASE: 'til',
  COSMOS_CONTAINER: 'challenge',
  ServiceBusConnection__fullyQualifiedNamespace: 'til.servicebus.windows.net',
  SERVICEBUS_QUEUE: 'slack-events',
  AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
};
