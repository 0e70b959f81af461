import { expect } from 'chai';
import { FakeNetwork, type FakeClient } from './fake-network';

/** A lot creation payload with sensible defaults. */
export function lotInput(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    product: { code: 'BRK-100', name: 'Brake bracket' },
    quantity: { amount: 100, unit: 'KGM' },
    inputs: [],
    process: { site: 'Plant 1', line: 'L2' },
    ...overrides,
  };
}

/** JSON of a lot creation payload. */
export function lotJson(id: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify(lotInput(id, overrides));
}

/** An input reference. */
export function input(lotId: string, amount: number, unit = 'KGM'): Record<string, unknown> {
  return { lotId, quantity: { amount, unit } };
}

/** The clients of a default four-org network. */
export interface World {
  readonly net: FakeNetwork;
  readonly partsQm: FakeClient;
  readonly partsAdmin: FakeClient;
  readonly partsInspector: FakeClient;
  readonly partsAuditor: FakeClient;
  readonly partsNoRole: FakeClient;
  readonly assemblyQm: FakeClient;
  readonly assemblyAdmin: FakeClient;
  readonly assemblyInspector: FakeClient;
  readonly cityAdmin: FakeClient;
  readonly cityInspector: FakeClient;
  readonly cityQm: FakeClient;
  readonly bankAuditor: FakeClient;
  readonly bankAdmin: FakeClient;
}

/** A fresh network with a client per interesting identity. */
export function world(): World {
  const net = new FakeNetwork();
  return {
    net,
    partsQm: net.as('PartsCoMSP', 'quality_manager'),
    partsAdmin: net.as('PartsCoMSP', 'admin'),
    partsInspector: net.as('PartsCoMSP', 'inspector'),
    partsAuditor: net.as('PartsCoMSP', 'auditor'),
    partsNoRole: net.as('PartsCoMSP'),
    assemblyQm: net.as('AssemblyCoMSP', 'quality_manager'),
    assemblyAdmin: net.as('AssemblyCoMSP', 'admin'),
    assemblyInspector: net.as('AssemblyCoMSP', 'inspector'),
    cityAdmin: net.as('CityMSP', 'admin'),
    cityInspector: net.as('CityMSP', 'inspector'),
    cityQm: net.as('CityMSP', 'quality_manager'),
    bankAuditor: net.as('BankMSP', 'auditor'),
    bankAdmin: net.as('BankMSP', 'admin'),
  };
}

/** Assert that a promise rejects with a message starting with `CODE: `. Returns the message. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<string> {
  let message: string | undefined;
  try {
    await promise;
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message, `expected rejection with ${code}`).to.be.a('string');
  expect(message).to.match(new RegExp(`^${code}: `));
  return message as string;
}

/** Move a lot to another org: propose as `from`, accept as `to`. */
export async function transfer(from: FakeClient, to: FakeClient, lotId: string): Promise<void> {
  await from.submit('Lot:ProposeTransfer', lotId, to.identity.msp);
  await to.submit('Lot:AcceptTransfer', lotId);
}

/** Register GS1 company prefixes to an organisation (as City's admin), so that it may create lots and containers with them. */
export async function registerPrefixes(w: World, msp: string, ...gs1CompanyPrefixes: string[]): Promise<void> {
  await w.cityAdmin.submit(
    'Participant:UpsertParticipant',
    JSON.stringify({
      msp,
      name: `${msp} Ltd`,
      kind: 'supplier',
      location: { city: 'Rivertown', country: 'DE' },
      capabilities: [],
      certifications: [],
      gs1CompanyPrefixes,
    }),
  );
}
