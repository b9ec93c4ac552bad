export default `
-- Provider key METADATA. The key bytes live only in the OS keychain (service 'Airlock', account
-- '<provider_id>:<label>'); this table never holds them, only the last-4 hint shown in listings.
CREATE TABLE provider_keys (
  provider_id TEXT NOT NULL,
  label TEXT NOT NULL,
  hint TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (provider_id, label)
);
-- At most one active key per provider.
CREATE UNIQUE INDEX provider_keys_one_active ON provider_keys (provider_id) WHERE active = 1;
`;
