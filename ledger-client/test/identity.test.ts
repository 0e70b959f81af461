import { generateKeyPairSync, verify } from 'node:crypto';
import { hash, signers } from '@hyperledger/fabric-gateway';
import { p256, p384 } from '@noble/curves/nist';
import { expect } from 'chai';
import { nativeEcdsaSigner, newSigningIdentity } from '../src';

const certificate = new TextEncoder().encode('client cert');

describe('signing identities', () => {
  describe('with a P-256 key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signing = newSigningIdentity({ mspId: 'PartsCoMSP', certificate, privateKey });

    it('signs whole messages natively (hash.none), not digests', () => {
      expect(signing.hash).to.equal(hash.none);
      const message = new TextEncoder().encode('proposal bytes');
      expect(signing.hash(message)).to.equal(message);
    });

    it('gives DER ECDSA-SHA256 signatures that verify against the public key, always with a low S', async () => {
      for (let i = 0; i < 64; i++) {
        const message = new TextEncoder().encode(`message ${i}`);
        const der = await signing.signer(signing.hash(message));
        expect(verify('sha256', message, publicKey, der), `signature ${i} verifies`).to.equal(true);
        const signature = p256.Signature.fromBytes(der, 'der');
        expect(signature.hasHighS(), `signature ${i} has a low S`).to.equal(false);
      }
    });

    it("is accepted wherever fabric-gateway's own signer's is: both verify as the same curve's DER signatures", async () => {
      const message = new TextEncoder().encode('the same message');
      const ours = await signing.signer(message);
      const theirs = await signers.newPrivateKeySigner(privateKey)(hash.sha256(message));
      for (const der of [ours, theirs]) expect(verify('sha256', message, publicKey, der)).to.equal(true);
    });
  });

  it('signs with SHA-384 for a P-384 key, with a low S', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const signer = nativeEcdsaSigner(privateKey);
    expect(signer).to.not.equal(undefined);
    const message = new TextEncoder().encode('message');
    for (let i = 0; i < 16; i++) {
      const der = await (signer as NonNullable<typeof signer>)(message);
      expect(verify('sha384', message, publicKey, der)).to.equal(true);
      expect(p384.Signature.fromBytes(der, 'der').hasHighS()).to.equal(false);
    }
  });

  it("falls back to fabric-gateway's signer over SHA-256 digests for a key it cannot sign natively", () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(nativeEcdsaSigner(privateKey)).to.equal(undefined);
    expect(newSigningIdentity({ mspId: 'PartsCoMSP', certificate, privateKey }).hash).to.equal(hash.sha256);
  });
});
