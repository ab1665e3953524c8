/**
 * citty, loaded through its CommonJS build; its type declarations are ES modules, so the types
 * come by `resolution-mode` while the value comes from `require`.
 */
type Citty = typeof import('citty', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const citty = require('citty') as Citty;

export type CommandDef = Parameters<Citty['runCommand']>[0];
export const defineCommand: Citty['defineCommand'] = citty.defineCommand;
export const runCommand: Citty['runCommand'] = citty.runCommand;
export const renderUsage: Citty['renderUsage'] = citty.renderUsage;
