#!/usr/bin/env node
// s3-fake.js: start a local fake S3 server that really verifies SigV4.
//
//   NODE_PATH=tests/node/node_modules node --openssl-legacy-provider s3-fake.js --dir /tmp/x --port 5550 \
//       [--address 127.0.0.1] [--bucket NAME]... [--key AK --secret SK]
//
// Needs @20minutes/s3rver@4.0.4 (tests/node/package.json; node >= 20; 5.x
// needs node 24).  --openssl-legacy-provider: its continuation tokens are
// DES-encrypted, which node 20 refuses otherwise (HTTP 500 on every
// truncated listing).
// The plain `s3rver@3.7.1` package does NOT check SigV4 signatures (any
// secret is accepted; only an unknown access key id gets 403), and the
// 4.0.4 tarball ships without its bin/ file, hence this starter.
// Default credentials: S3RVER / S3RVER (always present). Prints
// "READY <address>:<port>" on stdout once listening. Stops on SIGTERM/SIGINT.
'use strict';

const S3rver = require('@20minutes/s3rver');
const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account');

const args = process.argv.slice(2);
const opts = { address: '127.0.0.1', port: 0, silent: true, configureBuckets: [] };
let key, secret;
for (let i = 0; i < args.length; i++) {
  const a = args[i], v = args[i + 1];
  switch (a) {
    case '--dir': opts.directory = v; i++; break;
    case '--port': opts.port = Number(v); i++; break;
    case '--address': opts.address = v; i++; break;
    case '--bucket': opts.configureBuckets.push({ name: v, configs: [] }); i++; break;
    case '--key': key = v; i++; break;
    case '--secret': secret = v; i++; break;
    case '--verbose': opts.silent = false; break;
    default:
      console.error(`s3-fake: unknown argument ${a}`);
      process.exit(2);
  }
}
if (!opts.directory) { console.error('s3-fake: --dir is required'); process.exit(2); }
if (key && secret) DUMMY_ACCOUNT.createKeyPair(key, secret);

const server = new S3rver(opts);
server.run().then(({ address, port }) => {
  console.log(`READY ${address}:${port}`);
}, (err) => { console.error(err); process.exit(1); });

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => { server.close().then(() => process.exit(0)); });
}
