// Snapshot serializer: replaces 64-hex asset hashes (in S3 keys, image tags, parameter names)
// so snapshots change with behaviour, not with every byte of a bundled handler.
const HASH = /[0-9a-f]{64}/g;

module.exports = {
  test: (value: unknown) => typeof value === 'string' && /[0-9a-f]{64}/.test(value),
  serialize: (value: string) => JSON.stringify(value.replace(HASH, '[ASSET-HASH]')),
};
