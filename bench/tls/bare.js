// Baseline: one bare Node process, https.createServer (HTTP2=1:
// http2.createSecureServer, h2 by ALPN with allowHTTP1, as Shoal's listener
// is configured) with the certificate of TLS_CERT and TLS_KEY, answering the
// Nest benchmarks' request (nest/app.js's PATH) with the same JSON,
// serialised per request as a handler would; 404 otherwise. Node's defaults
// otherwise. Says 'ready' to its parent.
const fs = require('node:fs');
const http2 = require('node:http2');
const https = require('node:https');
const { PATH } = require('../nest/app');

const tls = { cert: fs.readFileSync(process.env.TLS_CERT), key: fs.readFileSync(process.env.TLS_KEY) };
const handler = (req, res) => {
  if (req.method !== 'GET' || req.url !== PATH) {
    res.statusCode = 404;
    res.end();
    return;
  }
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ id: 1, name: 'anchor', stock: 3 }));
};
const server = process.env.HTTP2 === '1' ? http2.createSecureServer({ ...tls, allowHTTP1: true }, handler) : https.createServer(tls, handler);
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
