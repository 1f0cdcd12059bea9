// Cosmos DB for NoSQL, serverless, Entra-only (disableLocalAuth): one database and one container partitioned on
// /pk (<channel>:<YYYY-MM>). With keys off the SDK cannot create them, so they are created here. Data-plane
// access is a Cosmos DB SQL role assignment (not Azure RBAC): the built-in Data Contributor.

param name string
param location string
param tags object
param databaseName string
param containerName string
@description('Principal id of the Function App identity.')
param identityPrincipalId string
@description('Optional: the operator who deploys (AZURE_PRINCIPAL_ID), so `npm run import:til-bot` can write to the store.')
param operatorPrincipalId string = ''

var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-04-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }

  resource database 'sqlDatabases' = {
    name: databaseName
    properties: {
      resource: {
        id: databaseName
      }
    }

    // Serverless: no throughput options.
    resource container 'containers' = {
      name: containerName
      properties: {
        resource: {
          id: containerName
          partitionKey: {
            paths: [
              '/pk'
            ]
            kind: 'Hash'
            version: 2
          }
        }
      }
    }
  }
}

resource appDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = {
  parent: account
  name: guid(account.id, identityPrincipalId, dataContributorRoleId)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
    principalId: identityPrincipalId
    scope: account.id
  }
}

resource operatorDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-04-15' = if (!empty(operatorPrincipalId)) {
  parent: account
  name: guid(account.id, operatorPrincipalId, dataContributorRoleId)
  // Cosmos DB applies one role assignment write at a time per account.
  dependsOn: [
    appDataContributor
  ]
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
    principalId: operatorPrincipalId
    scope: account.id
  }
}

output name string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = account::database.name
output containerName string = account::database::container.name
