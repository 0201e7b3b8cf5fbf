/** The Nest side of the example: the module, its handlers on Shoal's SCTP listener, and its settings. */
export { DiameterModule } from './app.module';
export { DiameterHandlers, DIAMETER_NODE } from './diameter.handlers';
export { DiameterObserver } from './diameter-observer';
export { diameterSettings, DIAMETER_LISTENER, MAX_DIAMETER_MESSAGE_BYTES, type DiameterSettings } from './settings';
