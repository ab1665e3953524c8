/**
 * What a finished crash trial must show, read from the outside: the batch report in the state
 * folder, the localnet's ledger (transactions, blobs, balances) and `shelby-batch verify`.
 *
 * - lost: a file of the tree that is not `uploaded` in the report, or not registered and written
 *   on the localnet;
 * - duplicates: a blob name registered successfully more than once (by any account);
 * - double payments: storage paid beyond one charge per distinct blob, counted in blobs;
 * - failed transactions: transactions that reached the ledger and aborted (gas paid for nothing).
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const MIB = 1024 * 1024;

/** What the localnet charges for storing one blob (src/localnet/pricing.ts). */
function storageCost(pricing, size) {
  return (
    BigInt(pricing.storagePerBlob) + BigInt(pricing.storagePerMiB) * BigInt(Math.ceil(size / MIB))
  );
}

/** The ledger figures a trial is measured against, read before it starts. */
async function ledgerMark(env) {
  const [{ transactions }, { accounts }] = await Promise.all([
    env.localnetGet('/localnet/transactions'),
    env.localnetGet('/localnet/accounts'),
  ]);
  return {
    transactions: transactions.length,
    balances: new Map(
      accounts.map((a) => [a.address, { apt: BigInt(a.apt), shelbyusd: BigInt(a.shelbyusd) }]),
    ),
  };
}

/**
 * Checks a completed batch against the tree it uploaded.
 * @returns {Promise<{ lost: number, duplicates: number, doublePayments: number, failedTransactions: number, problems: string[], notes: string[], transactions: number }>}
 */
async function checkTrial({ env, batchId, prefix, tree, mark }) {
  const problems = [];
  const notes = [];
  const expected = new Map(tree.files.map((f) => [(prefix + f.name).normalize('NFC'), f.size]));
  const skippedNames = new Set(tree.skipped.map((s) => (prefix + s).normalize('NFC')));
  const addressOf = new Map(env.accounts.map((a) => [a.id, a.address]));
  const lostNames = new Set();

  // The report: one line per file, every tree file uploaded, the link skipped.
  const reportPath = path.join(env.home, 'batches', batchId, 'report.json');
  const report = fs.existsSync(reportPath)
    ? JSON.parse(fs.readFileSync(reportPath, 'utf8'))
    : undefined;
  const reported = new Map((report?.files ?? []).map((f) => [f.name, f]));
  if (!report) problems.push('the batch wrote no report');
  for (const name of expected.keys()) {
    const row = reported.get(name);
    if (report && (!row || row.status !== 'uploaded')) {
      lostNames.add(name);
      problems.push(
        `${name}: ${row ? `${row.status}${row.error ? ` (${row.error.type}: ${row.error.message})` : ''}` : 'missing from the report'}`,
      );
    }
  }
  for (const row of report?.files ?? []) {
    if (!expected.has(row.name) && !skippedNames.has(row.name)) {
      problems.push(`${row.name}: in the report but not in the tree`);
    }
    if (skippedNames.has(row.name) && row.status !== 'skipped') {
      problems.push(`${row.name}: a symbolic link, reported ${row.status}`);
    }
  }
  if (report && report.counts.files !== tree.entries) {
    problems.push(`the report counts ${report.counts.files} files, the tree has ${tree.entries}`);
  }

  // The ledger: what this trial's transactions registered and paid.
  const [{ transactions }, { blobs }, { accounts }, pricing] = await Promise.all([
    env.localnetGet('/localnet/transactions'),
    env.localnetGet('/localnet/blobs'),
    env.localnetGet('/localnet/accounts'),
    env.localnetGet('/localnet/pricing'),
  ]);
  const ours = transactions.slice(mark.transactions);
  const registrations = new Map();
  let storagePaid = 0n;
  let gasPaid = 0n;
  let failedTransactions = 0;
  for (const txn of ours) {
    gasPaid += BigInt(txn.fee);
    const names = txn.blobNames ?? [];
    if (names.some((n) => !n.startsWith(prefix)))
      problems.push(`transaction ${txn.hash} touches names outside ${prefix}`);
    if (!txn.success) {
      failedTransactions++;
      problems.push(
        `transaction ${txn.hash} (${names.length} blob(s)) failed on chain: ${txn.vmStatus}`,
      );
      continue;
    }
    storagePaid += BigInt(txn.storageFee);
    for (const name of names)
      registrations.set(name, [...(registrations.get(name) ?? []), txn.hash]);
  }
  let duplicates = 0;
  for (const [name, hashes] of registrations) {
    if (hashes.length > 1) {
      duplicates += hashes.length - 1;
      problems.push(`${name}: registered ${hashes.length} times (${hashes.join(', ')})`);
    }
    if (!expected.has(name)) problems.push(`${name}: registered but not in the tree`);
  }
  const expectedStorage = [...expected.values()].reduce(
    (sum, size) => sum + storageCost(pricing, size),
    0n,
  );
  let doublePayments = duplicates;
  if (storagePaid !== expectedStorage) {
    problems.push(`storage paid ${storagePaid}, one charge per blob is ${expectedStorage}`);
    if (storagePaid > expectedStorage && duplicates === 0) doublePayments += 1;
  }

  // Balances: every unit that left the accounts is accounted for by the trial's transactions.
  let shelbyusdSpent = 0n;
  let aptSpent = 0n;
  for (const account of accounts) {
    const before = mark.balances.get(account.address) ?? { apt: 0n, shelbyusd: 0n };
    shelbyusdSpent += before.shelbyusd - BigInt(account.shelbyusd);
    aptSpent += before.apt - BigInt(account.apt);
  }
  if (shelbyusdSpent !== storagePaid)
    problems.push(`accounts spent ${shelbyusdSpent} ShelbyUSD, transactions paid ${storagePaid}`);
  if (aptSpent !== gasPaid)
    problems.push(`accounts spent ${aptSpent} octas, transactions paid ${gasPaid} in gas`);

  // The blobs: each name once, written, with the size, root, owner and transaction the report gives.
  const blobsByName = new Map();
  for (const blob of blobs.filter((b) => b.name.startsWith(prefix))) {
    blobsByName.set(blob.name, [...(blobsByName.get(blob.name) ?? []), blob]);
  }
  for (const [name, size] of expected) {
    const found = blobsByName.get(name) ?? [];
    if (found.length === 0) {
      lostNames.add(name);
      problems.push(`${name}: no blob on the localnet`);
      continue;
    }
    if (found.length > 1) {
      // Already counted when each owner's registration is on this trial's ledger.
      if ((registrations.get(name) ?? []).length < found.length) duplicates += found.length - 1;
      problems.push(`${name}: stored under ${found.length} accounts`);
    }
    const blob = found[0];
    if (!blob.isWritten) {
      lostNames.add(name);
      problems.push(`${name}: registered but its data never arrived`);
    }
    if (blob.size !== size) problems.push(`${name}: blob of ${blob.size} bytes, file of ${size}`);
    const row = reported.get(name);
    if (row && row.status === 'uploaded') {
      if (addressOf.get(row.account) !== blob.owner)
        problems.push(`${name}: report says account ${row.account}, owner is ${blob.owner}`);
      if (row.merkleRoot !== blob.root)
        problems.push(`${name}: report root ${row.merkleRoot}, chain root ${blob.root}`);
      if (!row.registered)
        notes.push(
          `${name}: the report says the batch did not pay for it (\`registered: false\`), yet the batch's own transaction registered it`,
        );
      if (row.txHash && row.txHash !== blob.txHash)
        problems.push(`${name}: report transaction ${row.txHash}, chain ${blob.txHash}`);
    }
  }

  // Reading every blob back through the product.
  let verified = false;
  if (report) {
    const verify = await env.cli(['verify', batchId, '--json'], 300_000);
    let answer;
    try {
      answer = JSON.parse(verify.stdout);
    } catch {
      problems.push(`verify exited ${verify.code}: ${verify.stderr.trim()}`);
    }
    if (answer) {
      if (answer.checked !== expected.size) {
        problems.push(`verify checked ${answer.checked} blobs, expected ${expected.size}`);
      }
      for (const m of answer.mismatches) problems.push(`verify: ${m.name}: ${m.problem}`);
      verified =
        answer.checked === expected.size && answer.mismatches.length === 0 && verify.code === 0;
    }
  }

  return {
    lost: lostNames.size,
    duplicates,
    doublePayments,
    failedTransactions,
    verified,
    transactions: ours.length,
    problems,
    notes,
  };
}

/**
 * Problems grouped by what went wrong, for a readable line: per-file problems (`<name>: what`)
 * with the same `what` become one entry with a count and an example.
 * @param {string[]} problems
 * @param {string} prefix the trial's blob-name prefix
 * @returns {string[]}
 */
function groupProblems(problems, prefix) {
  const groups = new Map();
  for (const problem of problems) {
    const match = problem.startsWith(prefix) ? /^(.*?): (.*)$/s.exec(problem) : null;
    const key = match ? match[2] : problem;
    const group = groups.get(key) ?? { count: 0, example: match?.[1] };
    group.count++;
    groups.set(key, group);
  }
  return [...groups].map(([what, { count, example }]) =>
    example === undefined
      ? what
      : count === 1
        ? `${example}: ${what}`
        : `${count} files: ${what} (e.g. ${example})`,
  );
}

module.exports = { checkTrial, groupProblems, ledgerMark, storageCost };
