/** Arguments every command accepts. */
export const commonArgs = {
  config: {
    type: 'string',
    description: 'Config file (default: $SHELBY_BATCH_CONFIG, then ./config/accounts.yaml)',
  },
} as const;
