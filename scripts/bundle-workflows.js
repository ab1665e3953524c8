// Bundles the compiled workflows once at build time, so workers start without running webpack.
const path = require('node:path');
const fs = require('node:fs');
const { bundleWorkflowCode } = require('@temporalio/worker');

async function main() {
  const workflowsPath = path.join(__dirname, '..', 'dist', 'workflows', 'index.js');
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger() });
  fs.writeFileSync(path.join(__dirname, '..', 'dist', 'workflow-bundle.js'), code);
}

function quietLogger() {
  const noop = () => undefined;
  return {
    trace: noop,
    debug: noop,
    info: noop,
    warn: console.warn,
    error: console.error,
    log: noop,
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
