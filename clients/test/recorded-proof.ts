/**
 * A real answer of the API and of the auditor's own peer, recorded on a demo
 * network (`npm start`): an inspection of AssemblyCoMSP:SEAT-2026-0001 by
 * AssemblyCo's inspector1, as `GET /transactions/{txId}/proof?key=qe/...&expect=<sha256>`
 * returned it through the Bank's API, and as `lotline verify --json` decoded
 * it from the Bank's own peer. Typed with the API's own response type, so a
 * change of the API's shape breaks the type check here.
 */
import type { TransactionProof } from '../src/api-types';
import type { LedgerTransaction } from '../src/verify/decode';

export const recordedProof = {
  txId: '2ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1',
  channel: 'lotline',
  blockNumber: 32,
  txIndex: 0,
  validationCode: 'VALID',
  valid: true,
  timestamp: '2026-12-01T21:39:07.990Z',
  creator: {
    mspId: 'AssemblyCoMSP',
    subject: 'C=US, ST=North Carolina, O=Hyperledger, OU=client, CN=inspector1',
  },
  endorsers: [
    {
      mspId: 'AssemblyCoMSP',
      subject: 'C=US, ST=North Carolina, O=Hyperledger, OU=peer, CN=peer0',
      signatureValid: true,
    },
    {
      mspId: 'CityMSP',
      subject: 'C=US, ST=North Carolina, O=Hyperledger, OU=peer, CN=peer0',
      signatureValid: true,
    },
    {
      mspId: 'BankMSP',
      subject: 'C=US, ST=North Carolina, O=Hyperledger, OU=peer, CN=peer0',
      signatureValid: true,
    },
  ],
  chaincode: 'lotline',
  writes: [
    {
      namespace: 'lotline',
      key: '\u0000lot\u0000AssemblyCoMSP:SEAT-2026-0001\u0000inspection\u0000',
      objectType: 'lot',
      attributes: ['AssemblyCoMSP:SEAT-2026-0001', 'inspection'],
      isDelete: false,
      sha256: 'e14f71f97d14123ac4e6a791bfac72db0e5b088e8e5ecf71347c81248835607a',
      value: {
        eventId: '2ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1',
        recordedAt: '2026-12-01T21:39:07.990Z',
        verdict: 'pass',
      },
      displayKey: 'lot/AssemblyCoMSP:SEAT-2026-0001/inspection',
    },
    {
      namespace: 'lotline',
      key: '\u0000qe\u0000AssemblyCoMSP:SEAT-2026-0001\u00002ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1\u0000',
      objectType: 'qe',
      attributes: ['AssemblyCoMSP:SEAT-2026-0001', '2ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1'],
      isDelete: false,
      sha256: '78d74187d668c22f14fa7dd2493a799a2dcbc1c09d6deff7450ea682a377ffb7',
      value: {
        certificate: {
          sha256: 'ddaa1c88de351b6c818a31559dedb82bee158b388e3f9c57304a8c403c8d7be1',
          uri: 'https://certificates.assemblyco-lab.example/WT-2026-0201.pdf',
        },
        docType: 'qualityEvent',
        eventId: '2ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1',
        lotId: 'AssemblyCoMSP:SEAT-2026-0001',
        measurements: [
          {
            characteristic: 'weld pull-out force',
            lower: 7.5,
            unit: 'kN',
            upper: 20,
            value: 8.7,
          },
        ],
        notes: 'Destructive weld test, 3 frames',
        recordedAt: '2026-12-01T21:39:07.990Z',
        recordedBy: {
          certId:
            'x509::/C=US/ST=North Carolina/O=Hyperledger/OU=client/CN=inspector1::/C=US/ST=North Carolina/O=Hyperledger/OU=Fabric/CN=ca.assemblyco',
          msp: 'AssemblyCoMSP',
          role: 'inspector',
        },
        type: 'inspection',
        verdict: 'pass',
      },
      displayKey: 'qe/AssemblyCoMSP:SEAT-2026-0001/2ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1',
    },
  ],
  event: {
    name: 'InspectionRecorded',
    payload: {
      confidential: false,
      eventId: '2ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1',
      lotId: 'AssemblyCoMSP:SEAT-2026-0001',
      txId: '2ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1',
      type: 'InspectionRecorded',
      verdict: 'pass',
    },
  },
  record: {
    key: 'qe/AssemblyCoMSP:SEAT-2026-0001/2ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1',
    found: true,
    sha256: '78d74187d668c22f14fa7dd2493a799a2dcbc1c09d6deff7450ea682a377ffb7',
    comparedWith: 'expect',
    expected: '78d74187d668c22f14fa7dd2493a799a2dcbc1c09d6deff7450ea682a377ffb7',
    matches: true,
  },
  verified: true,
} satisfies TransactionProof;

export const recordedOwnTransaction = {
  txId: '2ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1',
  channel: 'lotline',
  blockNumber: '32',
  validationCode: 'VALID',
  timestamp: '2026-12-01T21:39:07.990Z',
  creator: {
    mspId: 'AssemblyCoMSP',
    subject: 'C=US, ST=North Carolina, O=Hyperledger, OU=client, CN=inspector1',
  },
  endorsements: [
    {
      mspId: 'AssemblyCoMSP',
      subject: 'C=US, ST=North Carolina, O=Hyperledger, OU=peer, CN=peer0',
      signatureValid: true,
    },
    {
      mspId: 'CityMSP',
      subject: 'C=US, ST=North Carolina, O=Hyperledger, OU=peer, CN=peer0',
      signatureValid: true,
    },
    {
      mspId: 'BankMSP',
      subject: 'C=US, ST=North Carolina, O=Hyperledger, OU=peer, CN=peer0',
      signatureValid: true,
    },
  ],
  chaincode: 'lotline',
  writes: [
    {
      namespace: 'lotline',
      key: '\u0000lot\u0000AssemblyCoMSP:SEAT-2026-0001\u0000inspection\u0000',
      isDelete: false,
      value: {
        eventId: '2ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1',
        recordedAt: '2026-12-01T21:39:07.990Z',
        verdict: 'pass',
      },
    },
    {
      namespace: 'lotline',
      key: '\u0000qe\u0000AssemblyCoMSP:SEAT-2026-0001\u00002ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1\u0000',
      isDelete: false,
      value: {
        certificate: {
          sha256: 'ddaa1c88de351b6c818a31559dedb82bee158b388e3f9c57304a8c403c8d7be1',
          uri: 'https://certificates.assemblyco-lab.example/WT-2026-0201.pdf',
        },
        docType: 'qualityEvent',
        eventId: '2ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1',
        lotId: 'AssemblyCoMSP:SEAT-2026-0001',
        measurements: [
          {
            characteristic: 'weld pull-out force',
            lower: 7.5,
            unit: 'kN',
            upper: 20,
            value: 8.7,
          },
        ],
        notes: 'Destructive weld test, 3 frames',
        recordedAt: '2026-12-01T21:39:07.990Z',
        recordedBy: {
          certId:
            'x509::/C=US/ST=North Carolina/O=Hyperledger/OU=client/CN=inspector1::/C=US/ST=North Carolina/O=Hyperledger/OU=Fabric/CN=ca.assemblyco',
          msp: 'AssemblyCoMSP',
          role: 'inspector',
        },
        type: 'inspection',
        verdict: 'pass',
      },
    },
  ],
  event: {
    name: 'InspectionRecorded',
    payload: {
      confidential: false,
      eventId: '2ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1',
      lotId: 'AssemblyCoMSP:SEAT-2026-0001',
      txId: '2ec713306c25dd320ff24acffa349f90095e64b686ddb727bb15b112df94b4e1',
      type: 'InspectionRecorded',
      verdict: 'pass',
    },
  },
  inBlock: true,
} satisfies LedgerTransaction;
