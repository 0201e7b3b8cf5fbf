import { Module } from '@nestjs/common';
import { DiameterHandlers, DIAMETER_NODE } from './diameter.handlers';
import { DiameterObserver } from './diameter-observer';
import { diameterSettings } from './settings';

/** The Diameter node: its handlers on the SCTP listener, its metrics and logs, its options from the environment (settings.ts). */
@Module({
  providers: [{ provide: DIAMETER_NODE, useFactory: () => diameterSettings().node }, DiameterObserver, DiameterHandlers],
})
export class DiameterModule {}
