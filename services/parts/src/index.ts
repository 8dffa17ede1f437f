export { createPartsService, type PartsService, type PartsServiceDeps, type PartsRepos, type FitCheck } from './service.js';
export { partsRoutes, type PartsRouteDeps } from './routes.js';
export { editDistance, closestPartNumbers, type Suggestion } from './core/edit-distance.js';
export { haversineKm, planSourcing, replenishmentSuggestions, type GeoPoint, type Location, type ReplenishmentSuggestion } from './core/sourcing.js';
