// The Node.js runtime interface, run in the function's own process.
//
// Reads one event from stdin, calls the handler named by _HANDLER (CommonJS or ES module,
// async or callback style) and writes the outcome as JSON to GLUELINE_RESULT_FILE, so that
// stdout and stderr stay the function's log, as in AWS.
//
// Inside AWS every service endpoint is HTTPS on port 443. Locally the one endpoint is plain
// HTTP on GLUELINE_ENDPOINT_PORT, so HTTPS requests to the local host (such as a custom
// resource's response, which CDK's handlers always send with `https.request` and no port)
// go there over HTTP.
"use strict";

require("./localhost_dns");

const fs = require("fs");
const path = require("path");
const http = require("http");
const https = require("https");
const { pathToFileURL } = require("url");

const endpointPort = Number(process.env.GLUELINE_ENDPOINT_PORT);
const isLocalHost = (host) => host === "localhost" || (host || "").endsWith(".localhost");

const originalHttpsRequest = https.request;
https.request = function request(options, ...rest) {
  if (options && typeof options === "object" && !(options instanceof URL) && isLocalHost(options.hostname || options.host)) {
    const { agent, ...plain } = options;
    return http.request({ ...plain, protocol: "http:", port: plain.port || endpointPort }, ...rest);
  }
  return originalHttpsRequest.call(https, options, ...rest);
};

function errorOf(err, type) {
  return {
    errorType: type || (err && err.name) || "Error",
    errorMessage: err && err.message !== undefined ? err.message : String(err),
    trace: err && err.stack ? String(err.stack).split("\n") : [],
  };
}

async function loadHandler() {
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  const spec = process.env._HANDLER;
  const dot = spec.lastIndexOf(".");
  const modulePath = path.join(taskRoot, spec.slice(0, dot));
  const functionName = spec.slice(dot + 1);
  for (const extension of [".js", ".cjs", ".mjs"]) {
    const candidate = modulePath + extension;
    if (!fs.existsSync(candidate)) continue;
    const loaded = extension === ".mjs" ? await import(pathToFileURL(candidate).href) : require(candidate);
    const handler = loaded[functionName] || (loaded.default && loaded.default[functionName]);
    if (typeof handler !== "function") throw new Error(`${spec} is undefined or not exported`);
    return handler;
  }
  throw new Error(`Cannot find module '${spec.slice(0, dot)}'`);
}

function invoke(handler, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (err, result) => (err ? reject(err) : resolve(result));
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === "function") returned.then(resolve, reject);
    } catch (err) {
      reject(err);
    }
  });
}

function readStdin() {
  return new Promise((resolve) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

async function main() {
  const deadline = Date.now() + Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT) * 1000;
  const event = JSON.parse(await readStdin());
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: process.env.GLUELINE_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: process.env.GLUELINE_REQUEST_ID,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let outcome;
  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    console.error(`ERROR Runtime.ImportModuleError: ${err.message}`);
    outcome = { ok: false, error: errorOf(err, "Runtime.ImportModuleError") };
  }
  if (handler) {
    try {
      const result = await invoke(handler, event, context);
      outcome = { ok: true, payload: result === undefined ? "null" : JSON.stringify(result) };
    } catch (err) {
      console.error(`ERROR Invoke Error ${err && err.stack ? err.stack : err}`);
      outcome = { ok: false, error: errorOf(err) };
    }
  }
  fs.writeFileSync(process.env.GLUELINE_RESULT_FILE, JSON.stringify(outcome));
  process.exit(0);
}

main();
