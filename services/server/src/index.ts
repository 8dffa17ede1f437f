export { loadDemoFleet, type DemoFleet } from './demo.js';
