// The Slack secrets live here, not in app settings: the app settings hold Key Vault references, resolved by the
// platform with the Function App identity (Key Vault Secrets User, RBAC-authorized vault, no access policies).
// An optional secret that is not supplied is not created (and the app setting is left out).

param name string
param location string
param tags object
@description('Principal id of the Function App identity.')
param identityPrincipalId string
@description('Secret names (the Function App settings reference the same names): { signing, bot, admin }.')
param secretNames object

@secure()
@description('Slack app → Basic Information → Signing Secret.')
param slackSigningSecret string
@secure()
@description('Bot User OAuth Token (xoxb-…); empty leaves the bot in dry-run mode.')
param slackBotToken string = ''
@secure()
@description('Enables POST /api/ops/tick when set (at least 16 characters).')
param adminToken string = ''

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    // The shortest retention, so an environment deleted with `azd down` can be created again soon.
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }

  resource signingSecret 'secrets' = {
    name: secretNames.signing
    properties: {
      value: slackSigningSecret
      contentType: 'text/plain'
    }
  }

  resource botToken 'secrets' = if (!empty(slackBotToken)) {
    name: secretNames.bot
    properties: {
      value: slackBotToken
      contentType: 'text/plain'
    }
  }

  resource adminTokenSecret 'secrets' = if (!empty(adminToken)) {
    name: secretNames.admin
    properties: {
      value: adminToken
      contentType: 'text/plain'
    }
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
output vaultUri string = vault.properties.vaultUri
