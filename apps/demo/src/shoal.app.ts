/**
 * What `shoal start` runs (the config's `app`): the module, and what a Nest
 * service's main.ts would do before listen().
 */
import { ValidationPipe } from '@nestjs/common';
import { defineApp } from '@shoal/core';
import { AppModule } from './app.module';
import { WsAdapterAnsweringUnknownEvents } from './ws-adapter';

export default defineApp({
  module: AppModule,
  configure(app) {
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
    // The gateway's adapter (Nest's WsAdapter, answering unknown events); Shoal serves it on the http listener's port.
    app.useWebSocketAdapter(new WsAdapterAnsweringUnknownEvents(app));
  },
});
