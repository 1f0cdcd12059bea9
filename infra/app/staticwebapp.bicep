// The dashboard. Free tier: no linked backend, so the dashboard calls the Function App's URL directly (simple
// GETs, CORS answered for this site's origin). azd deploys the built files (web/dist), hence no repository here.

param name string
@description('Static Web Apps exists in fewer regions than Functions.')
param location string
param tags object

resource staticSite 'Microsoft.Web/staticSites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'web' })
  sku: {
    name: 'Free'
    tier: 'Free'
  }
  properties: {}
}

output name string = staticSite.name
output url string = 'https://${staticSite.properties.defaultHostname}'
