// Service Bus Standard (Basic has neither sessions nor duplicate detection) with the one session queue that
// carries Slack's events: session = routing month (order per month), messageId = Slack's event_id (duplicate
// detection drops Slack's retries). requiresSession and requiresDuplicateDetection are fixed when the queue is
// created: changing them later means deleting the queue.

param name string
param location string
param tags object
param queueName string
@description('Principal id of the Function App identity: it sends (slack-events) and receives (process-event, dead-letter).')
param identityPrincipalId string

var serviceBusDataSender = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
var serviceBusDataReceiver = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'

resource serviceBusNamespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }

  resource queue 'queues' = {
    name: queueName
    properties: {
      requiresSession: true
      requiresDuplicateDetection: true
      // Slack retries an event for about six minutes (at once, after 1 and after 5 minutes).
      duplicateDetectionHistoryTimeWindow: 'PT10M'
      // The session lock; the Functions host renews it up to host.json's maxAutoLockRenewalDuration (5 min).
      lockDuration: 'PT1M'
      // A thrown handler abandons the message; the fifth failed delivery dead-letters it.
      maxDeliveryCount: 5
      defaultMessageTimeToLive: 'P14D'
      deadLetteringOnMessageExpiration: true
      maxSizeInMegabytes: 1024
    }
  }
}

resource dataSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBusNamespace.id, identityPrincipalId, serviceBusDataSender)
  scope: serviceBusNamespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataSender)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource dataReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBusNamespace.id, identityPrincipalId, serviceBusDataReceiver)
  scope: serviceBusNamespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataReceiver)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = serviceBusNamespace.name
output fullyQualifiedNamespace string = '${serviceBusNamespace.name}.servicebus.windows.net'
output queueName string = serviceBusNamespace::queue.name
