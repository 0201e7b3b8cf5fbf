// The Nest app (app.js) for `shoal start`: its main.ts turned into an app
// definition, as README.md's "Coming from PM2 or node:cluster" describes.
const { defineApp } = require('@shoal/core');
const { AppModule, configure } = require('./app');

module.exports.default = defineApp({ module: AppModule, configure });
