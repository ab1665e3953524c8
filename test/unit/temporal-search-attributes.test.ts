import {
  BATCH_FILES_DONE,
  BATCH_NETWORK,
  BATCH_STATUS,
  searchAttributeFlags,
  SHELBY_SEARCH_ATTRIBUTES,
} from '../../src/temporal/search-attributes';

describe('search attributes', () => {
  it('names and types the three batch attributes', () => {
    expect(SHELBY_SEARCH_ATTRIBUTES).toEqual([BATCH_STATUS, BATCH_NETWORK, BATCH_FILES_DONE]);
    expect([BATCH_STATUS, BATCH_NETWORK, BATCH_FILES_DONE].map((k) => [k.name, k.type])).toEqual([
      ['ShelbyBatchStatus', 'KEYWORD'],
      ['ShelbyNetwork', 'KEYWORD'],
      ['ShelbyFilesDone', 'INT'],
    ]);
  });

  it('renders the start-dev flags the Temporal CLI expects', () => {
    expect(searchAttributeFlags()).toEqual([
      '--search-attribute',
      'ShelbyBatchStatus=Keyword',
      '--search-attribute',
      'ShelbyNetwork=Keyword',
      '--search-attribute',
      'ShelbyFilesDone=Int',
    ]);
  });
});
