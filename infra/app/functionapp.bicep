// The Function App on Flex Consumption (FC1): Node 22, deployed by azd from a blob container, every connection
// made with the one user-assigned identity. Flex rejects or ignores the classic settings, so none of
// linuxFxVersion, alwaysOn, FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE,
// WEBSITE_CONTENT*, WEBSITE_TIME_ZONE or TZ is set here (timers run in UTC; the jobs use TIME_ZONE).

param name string
param planName string
param location string
param tags object

@description('Resource id of the user-assigned identity.')
param identityId string
@description('Client id of the user-assigned identity (every <connection>__clientId, AZURE_CLIENT_ID).')
param identityClientId string

param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string
param serviceBusFullyQualifiedNamespace string
param serviceBusQueueName string
param cosmosEndpoint string
param cosmosDatabaseName string
param cosmosContainerName string

@description('Key Vault URI (https://<vault>.vault.azure.net/) holding the Slack secrets.')
param keyVaultUri string
@description('Secret names in the vault: { signing, bot, admin }.')
param secretNames object
@description('Whether the bot token secret exists (without it the bot runs in dry-run mode).')
param hasBotToken bool
@description('Whether the admin token secret exists (it enables POST /api/ops/tick).')
param hasAdminToken bool

@description('The dashboard (Static Web App) URL: linked from the weekly post, and the CORS origin.')
param dashboardUrl string
param tilChannelId string

@description('Always-ready instances for the HTTP functions (Slack needs an answer within 3 s; 0 allows cold starts).')
@minValue(0)
param alwaysReadyHttpInstances int
@minValue(40)
param maximumInstanceCount int

@description('The challenge rules and bot behaviour: the app settings of the same names (see the README).')
param rules {
  TIME_ZONE: string
  POST_TIME: string
  ALLOWED_BLOG_HOSTS: string
  LOCALE: string
  LIKE_DM: string
  LIKE_DM_MINUTES: string
  REPLY_FEEDBACK: string
  PASSES_PER_MONTH: string
  REMINDER_AT: string
  RESYNC_MINUTES: string
  COUNT_SELF_LIKES: string
  ADMIN_USER_IDS: string
  WEEKLY_FOOTER: string
  LOG_LEVEL: string
  SLACK_API_URL: string
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

var keyVaultReference = 'SecretUri=${keyVaultUri}secrets'

var identitySettings = [
  // Host storage (timer locks, host id): blob only, with the identity.
  {
    name: 'AzureWebJobsStorage__blobServiceUri'
    value: storage.properties.primaryEndpoints.blob
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identityClientId
  }
  // The queue triggers' connection (connection: 'ServiceBusConnection'); the sender reads the same namespace.
  {
    name: 'ServiceBusConnection__fullyQualifiedNamespace'
    value: serviceBusFullyQualifiedNamespace
  }
  {
    name: 'ServiceBusConnection__credential'
    value: 'managedidentity'
  }
  {
    name: 'ServiceBusConnection__clientId'
    value: identityClientId
  }
  // The triggers' queueName is %SERVICEBUS_QUEUE%.
  {
    name: 'SERVICEBUS_QUEUE'
    value: serviceBusQueueName
  }
  {
    name: 'COSMOS_ENDPOINT'
    value: cosmosEndpoint
  }
  {
    name: 'COSMOS_DATABASE'
    value: cosmosDatabaseName
  }
  {
    name: 'COSMOS_CONTAINER'
    value: cosmosContainerName
  }
  // DefaultAzureCredential in the app's own SDK clients (Cosmos DB, Service Bus sender).
  {
    name: 'AZURE_CLIENT_ID'
    value: identityClientId
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: applicationInsights.properties.ConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identityClientId};Authorization=AAD'
  }
]

var secretSettings = concat(
  [
    {
      name: 'SLACK_SIGNING_SECRET'
      value: '@Microsoft.KeyVault(${keyVaultReference}/${secretNames.signing}/)'
    }
  ],
  hasBotToken
    ? [
        {
          name: 'SLACK_BOT_TOKEN'
          value: '@Microsoft.KeyVault(${keyVaultReference}/${secretNames.bot}/)'
        }
      ]
    : [],
  hasAdminToken
    ? [
        {
          name: 'ADMIN_TOKEN'
          value: '@Microsoft.KeyVault(${keyVaultReference}/${secretNames.admin}/)'
        }
      ]
    : []
)

// Blank values are passed as they are: the code treats a blank setting as unset (its default applies).
var ruleSettings = [
  {
    name: 'TIL_CHANNEL_ID'
    value: tilChannelId
  }
  {
    name: 'DASHBOARD_URL'
    value: dashboardUrl
  }
  {
    name: 'TIME_ZONE'
    value: rules.TIME_ZONE
  }
  {
    name: 'POST_TIME'
    value: rules.POST_TIME
  }
  {
    name: 'ALLOWED_BLOG_HOSTS'
    value: rules.ALLOWED_BLOG_HOSTS
  }
  {
    name: 'LOCALE'
    value: rules.LOCALE
  }
  {
    name: 'LIKE_DM'
    value: rules.LIKE_DM
  }
  {
    name: 'LIKE_DM_MINUTES'
    value: rules.LIKE_DM_MINUTES
  }
  {
    name: 'REPLY_FEEDBACK'
    value: rules.REPLY_FEEDBACK
  }
  {
    name: 'PASSES_PER_MONTH'
    value: rules.PASSES_PER_MONTH
  }
  {
    name: 'REMINDER_AT'
    value: rules.REMINDER_AT
  }
  {
    name: 'RESYNC_MINUTES'
    value: rules.RESYNC_MINUTES
  }
  {
    name: 'COUNT_SELF_LIKES'
    value: rules.COUNT_SELF_LIKES
  }
  {
    name: 'ADMIN_USER_IDS'
    value: rules.ADMIN_USER_IDS
  }
  {
    name: 'WEEKLY_FOOTER'
    value: rules.WEEKLY_FOOTER
  }
  {
    name: 'LOG_LEVEL'
    value: rules.LOG_LEVEL
  }
  {
    name: 'SLACK_API_URL'
    value: rules.SLACK_API_URL
  }
]

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references are resolved with the user-assigned identity (a site has no system identity here).
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'node'
        version: '22'
      }
      scaleAndConcurrency: {
        instanceMemoryMB: 2048
        maximumInstanceCount: maximumInstanceCount
        // 'http' is the group of every HTTP function: slack-events, stats, months, history, ops-tick.
        alwaysReady: alwaysReadyHttpInstances > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyHttpInstances
              }
            ]
          : []
      }
    }
    siteConfig: {
      // The app also answers CORS itself for DASHBOARD_URL's origin (npm start has no platform CORS).
      cors: {
        allowedOrigins: [
          dashboardUrl
        ]
        supportCredentials: false
      }
      appSettings: concat(identitySettings, secretSettings, ruleSettings)
    }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
