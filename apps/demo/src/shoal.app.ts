/**
 * What `shoal start` runs (the config's `app`): the module, and what a Nest
 * service's main.ts would do before listen().
 */
import { ValidationPipe } from '@nestjs/common';
import { defineApp } from '@shoal/core';
import { AppModule } from './app.module';

export default defineApp({
  module: AppModule,
  configure(app) {
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
  },
});
