/**
 * The device's Ed25519 key that signs audit checkpoints. Kept in the OS keychain when core has one; otherwise
 * (no keychain, or the keychain refused) in DATA_DIR/audit-device.key with mode 0600.
 */
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SecretStore } from '../secrets/secret-store.ts';

export const DEVICE_KEY_ACCOUNT = 'airlock:audit-device-key';
export const DEVICE_KEY_FILE = 'audit-device.key';

const newPem = () => crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

/** Loads (creating on first use) the file-based device key. */
export function fileDeviceKey(dataDir: string): KeyObject {
  const file = path.join(dataDir, DEVICE_KEY_FILE);
  try {
    return crypto.createPrivateKey(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`audit device key ${file} is unreadable: ${(err as Error).message}`);
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pem = newPem();
  try {
    fs.writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return crypto.createPrivateKey(fs.readFileSync(file, 'utf8'));
    throw err;
  }
  return crypto.createPrivateKey(pem);
}

/** The keychain-held device key, created on first use; falls back to the file key when the keychain fails. */
export async function loadDeviceKey(dataDir: string, secrets: SecretStore | null): Promise<{ key: KeyObject; where: 'keychain' | 'file' }> {
  if (secrets) {
    try {
      let pem = await secrets.get(DEVICE_KEY_ACCOUNT);
      if (!pem) {
        pem = newPem();
        await secrets.set(DEVICE_KEY_ACCOUNT, pem);
      }
      return { key: crypto.createPrivateKey(pem), where: 'keychain' };
    } catch {
      // Locked or missing keychain: checkpoints still get signed, with the 0600 file key.
    }
  }
  return { key: fileDeviceKey(dataDir), where: 'file' };
}
