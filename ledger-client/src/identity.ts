/**
 * Client identities: the certificate that the chaincode reads and the signer
 * that signs proposals and transactions, from an MSP folder as
 * fabric-ca-client writes it, or from given bytes.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { signers, type Identity, type Signer } from '@hyperledger/fabric-gateway';

/** An identity with its signer. */
export interface SigningIdentity {
  readonly identity: Identity;
  readonly signer: Signer;
}

/** What a signing identity is made from. */
export interface IdentityMaterial {
  readonly mspId: string;
  /** PEM certificate. */
  readonly certificate: Uint8Array;
  /** The private key, as a KeyObject or PEM bytes. */
  readonly privateKey: KeyObject | Uint8Array;
}

/** A signing identity from a certificate and a private key. */
export function newSigningIdentity(material: IdentityMaterial): SigningIdentity {
  const key = material.privateKey instanceof Uint8Array ? createPrivateKey(Buffer.from(material.privateKey)) : material.privateKey;
  return {
    identity: { mspId: material.mspId, credentials: material.certificate },
    signer: signers.newPrivateKeySigner(key),
  };
}

/** The certificate and key files of an MSP folder (`signcerts/cert.pem`, the one file in `keystore/`). */
export function mspFiles(mspDir: string): { certificate: string; privateKey: string } {
  const keystore = path.join(mspDir, 'keystore');
  const keys = readdirSync(keystore);
  if (keys.length !== 1 || keys[0] === undefined) {
    throw new Error(`expected exactly one private key in ${keystore}, found ${keys.length}: enroll the identity again`);
  }
  return { certificate: path.join(mspDir, 'signcerts', 'cert.pem'), privateKey: path.join(keystore, keys[0]) };
}

/** The signing identity enrolled in an MSP folder. */
export function loadSigningIdentity(mspId: string, mspDir: string): SigningIdentity {
  const files = mspFiles(mspDir);
  return newSigningIdentity({ mspId, certificate: readFileSync(files.certificate), privateKey: readFileSync(files.privateKey) });
}
