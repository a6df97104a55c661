// Resolves every `*.localhost` name to the loopback address (RFC 6761), as browsers do.
//
// The AWS SDK for JavaScript addresses S3 buckets as `<bucket>.<endpoint host>`; with the
// local endpoint that is `<bucket>.localhost`, which the system resolver may not know.
// Preloaded with `node --require` into the CDK CLI and into Node.js Lambda functions.
"use strict";

const dns = require("dns");

const originalLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  const name = typeof hostname === "string" && hostname.endsWith(".localhost") ? "localhost" : hostname;
  return originalLookup.call(dns, name, options, callback);
};
