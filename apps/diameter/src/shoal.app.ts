/** What `shoal start` runs (the config's `app`): the Diameter node's module. */
import { defineApp } from '@shoal/core';
import { DiameterModule } from './app';

export default defineApp({ module: DiameterModule });
