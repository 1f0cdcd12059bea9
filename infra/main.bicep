// TIL Challenge on Azure: `azd up` provisions this, then deploys the api (Functions bundle) and web (dashboard).
// Everything the code expects of it is in docs/deploy.md; test/infra checks these files offline.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment: the resource group is rg-<name>, resource names derive from it.')
param environmentName string

@minLength(1)
@description('Region of every resource except the Static Web App: one that offers Flex Consumption.')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Region of the Static Web App (the service exists in these regions only).')
@allowed([
  'centralus'
  'eastasia'
  'eastus2'
  'westeurope'
  'westus2'
])
param staticWebAppLocation string = 'eastasia'

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID): gets Cosmos DB data access for the importer. Empty: none.')
param principalId string = ''

@secure()
@minLength(1)
@description('Slack app → Basic Information → App Credentials → Signing Secret. Stored in Key Vault only.')
param slackSigningSecret string

@secure()
@description('Slack app → OAuth & Permissions → Bot User OAuth Token (xoxb-…). Stored in Key Vault only. Empty: dry run.')
param slackBotToken string = ''

@secure()
@description('Optional (at least 16 characters): enables POST /api/ops/tick. Stored in Key Vault only.')
param adminToken string = ''

@minLength(1)
@description('The TIL channel id (C…): Slack → channel → About → Channel ID.')
param tilChannelId string

@description('Always-ready instances for the HTTP functions: 1 answers Slack within 3 s at all times (≈ $21 a month); 0 scales to zero (cold starts can miss Slack\'s deadline, and Slack then retries).')
@minValue(0)
@maxValue(10)
param alwaysReadyHttpInstances int = 1

@description('Flex Consumption scale-out limit.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

// The rule settings, with the code's defaults (README: Settings).
@description('IANA time zone of every calendar rule.')
param timeZone string = 'Asia/Seoul'
@description('Local time (HH:mm) of the Monday post.')
param postTime string = '09:00'
@description('Accepted blog hosts, comma-separated; *. = any subdomain.')
param allowedBlogHosts string = 'velog.io,*.github.io,github.com,blog.naver.com,m.blog.naver.com'
@allowed([
  'ko'
  'en'
])
param locale string = 'ko'
@allowed([
  'batched'
  'each'
  'off'
])
param likeDm string = 'batched'
@description('With LIKE_DM=batched: at most one like DM per submission per this many minutes.')
@minValue(1)
@maxValue(1440)
param likeDmMinutes int = 15
@description('Tell a member, ephemerally, why their reply did not count.')
param replyFeedback bool = true
@description('Passes a member may take in a month (0 = passes off).')
@minValue(0)
@maxValue(5)
param passesPerMonth int = 0
@description('Weekly reminder, a weekday and local time such as SUN 18:00; empty = off.')
param reminderAt string = ''
@description('Minutes between re-syncs of an open week\'s thread from Slack.')
@minValue(5)
@maxValue(1440)
param resyncMinutes int = 60
@description('Count a member\'s 👍 on their own post.')
param countSelfLikes bool = false
@description('Comma-separated Slack user ids that may run /til admin and get failure alerts.')
param adminUserIds string = ''
@description('Extra line under the weekly post (e.g. required hashtags).')
param weeklyFooter string = ''
@allowed([
  'debug'
  'info'
  'warn'
  'error'
])
param logLevel string = 'info'
@description('Slack Web API base URL.')
param slackApiUrl string = 'https://slack.com/api/'

@description('Queue name; the triggers read it from the SERVICEBUS_QUEUE app setting.')
param serviceBusQueueName string = 'slack-events'
param cosmosDatabaseName string = 'til'
param cosmosContainerName string = 'challenge'

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'
var secretNames = {
  signing: 'slack-signing-secret'
  bot: 'slack-bot-token'
  admin: 'admin-token'
}

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity './app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring './app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
  }
}

module storage './app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    identityPrincipalId: identity.outputs.principalId
  }
}

module serviceBus './app/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: '${abbrs.serviceBusNamespaces}${resourceToken}'
    location: location
    tags: tags
    queueName: serviceBusQueueName
    identityPrincipalId: identity.outputs.principalId
  }
}

module cosmos './app/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
    containerName: cosmosContainerName
    identityPrincipalId: identity.outputs.principalId
    operatorPrincipalId: principalId
  }
}

module keyVault './app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
    secretNames: secretNames
    slackSigningSecret: slackSigningSecret
    slackBotToken: slackBotToken
    adminToken: adminToken
  }
}

module web './app/staticwebapp.bicep' = {
  name: 'staticwebapp'
  scope: rg
  params: {
    name: '${abbrs.webStaticSites}${resourceToken}'
    location: staticWebAppLocation
    tags: tags
  }
}

module api './app/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    serviceBusQueueName: serviceBus.outputs.queueName
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    cosmosContainerName: cosmos.outputs.containerName
    keyVaultUri: keyVault.outputs.vaultUri
    secretNames: secretNames
    hasBotToken: !empty(slackBotToken)
    hasAdminToken: !empty(adminToken)
    dashboardUrl: web.outputs.url
    tilChannelId: tilChannelId
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    maximumInstanceCount: maximumInstanceCount
    rules: {
      TIME_ZONE: timeZone
      POST_TIME: postTime
      ALLOWED_BLOG_HOSTS: allowedBlogHosts
      LOCALE: locale
      LIKE_DM: likeDm
      LIKE_DM_MINUTES: '${likeDmMinutes}'
      REPLY_FEEDBACK: replyFeedback ? 'on' : 'off'
      PASSES_PER_MONTH: '${passesPerMonth}'
      REMINDER_AT: reminderAt
      RESYNC_MINUTES: '${resyncMinutes}'
      COUNT_SELF_LIKES: countSelfLikes ? 'true' : 'false'
      ADMIN_USER_IDS: adminUserIds
      WEEKLY_FOOTER: weeklyFooter
      LOG_LEVEL: logLevel
      SLACK_API_URL: slackApiUrl
    }
  }
}

var apiOrigin = 'https://${api.outputs.defaultHostName}'
var apiBaseUrl = '${apiOrigin}/api'

// Saved by azd into the environment (.azure/<env>/.env). No secret is ever an output.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_WEB_NAME string = web.outputs.name
@description('Paste into Slack: Event Subscriptions → Request URL.')
output SLACK_REQUEST_URL string = '${apiBaseUrl}/slack/events'
output DASHBOARD_URL string = web.outputs.url
output API_BASE_URL string = apiBaseUrl
@description('The API origin for the dashboard\'s Vite build (web/src/api.ts appends /api/…); azd passes its environment to the build.')
output VITE_API_BASE_URL string = apiOrigin
// For the operator's tools (npm run import:til-bot), under the app settings' own names.
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output COSMOS_CONTAINER string = cosmos.outputs.containerName
output ServiceBusConnection__fullyQualifiedNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output SERVICEBUS_QUEUE string = serviceBus.outputs.queueName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
