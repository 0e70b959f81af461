/**
 * The enrolled identities of the test network: every organisation, and in
 * each the users registered by its Fabric CA with a `role` attribute, plus
 * the organisation's admin identity, which has no role attribute.
 */
import type { Contract } from '@hyperledger/fabric-gateway';
import type { Role as DomainRole } from '@lotline/domain';
import { submit, type SubmitOptions, type Submitted } from './ledger';
import { ledgerOf } from '../../../network/src/peer-access';
import { closeAll, config, connect, contract } from './network';

/** A role as issued by the organisations' CAs; `null` for an identity without one. */
export type Role = DomainRole | null;

/** An organisation of the test network. */
export interface TestOrg {
  readonly ref: 'City' | 'PartsCo' | 'AssemblyCo' | 'Bank';
  readonly msp: string;
}

export const CITY: TestOrg = { ref: 'City', msp: 'CityMSP' };
export const PARTSCO: TestOrg = { ref: 'PartsCo', msp: 'PartsCoMSP' };
export const ASSEMBLYCO: TestOrg = { ref: 'AssemblyCo', msp: 'AssemblyCoMSP' };
export const BANK: TestOrg = { ref: 'Bank', msp: 'BankMSP' };

export const ORGS: readonly TestOrg[] = [CITY, PARTSCO, ASSEMBLYCO, BANK];

/** The enrolled users of every organisation, with the role their certificate carries. */
export const USERS: readonly { readonly user: string; readonly role: Role }[] = [
  { user: 'admin1', role: 'admin' },
  { user: 'qm1', role: 'quality_manager' },
  { user: 'inspector1', role: 'inspector' },
  { user: 'auditor1', role: 'auditor' },
  { user: 'orgadmin', role: null },
];

/** One enrolled identity. */
export interface Identity {
  readonly org: TestOrg;
  readonly user: string;
  readonly role: Role;
}

/** Every identity of every organisation (4 × 5). */
export const EVERYONE: readonly Identity[] = ORGS.flatMap((org) => USERS.map(({ user, role }) => ({ org, user, role })));

/** "qm1 (quality_manager) of PartsCo". */
export function describeIdentity(who: Identity): string {
  return `${who.user} (${who.role ?? 'no role'}) of ${who.org.ref}`;
}

const contracts = new Map<string, Contract>();

/** A contract for `user` of `org`, through that organisation's own peer; one connection per identity. */
export function contractFor(org: TestOrg, user: string, name?: string): Contract {
  const key = `${org.ref}/${user}/${name ?? ''}`;
  let found = contracts.get(key);
  if (found === undefined) {
    const connKey = `${org.ref}/${user}/`;
    found = contract(connectionFor(connKey, org, user), name);
    contracts.set(key, found);
  }
  return found;
}

const connections = new Map<string, ReturnType<typeof connect>>();

function connectionFor(key: string, org: TestOrg, user: string): ReturnType<typeof connect> {
  let conn = connections.get(key);
  if (conn === undefined) {
    conn = connect(org.ref, user);
    connections.set(key, conn);
  }
  return conn;
}

/** Close every connection (also those opened through `connect`) and forget the cached contracts. */
export function closeConnections(): void {
  closeAll();
  contracts.clear();
  connections.clear();
}

/**
 * Wait until every organisation's peer has committed block `blockNumber`, so
 * that a read through any peer sees a transaction committed through another.
 * Listens for block events from that block as each organisation's auditor.
 */
export async function syncPeers(blockNumber: number | bigint, withinMs = 30_000): Promise<void> {
  await Promise.all(
    ORGS.map((org) => ledgerOf(config, connectionFor(`${org.ref}/auditor1/`, org, 'auditor1')).waitForBlock(blockNumber, withinMs)),
  );
}

/** {@link submit}, then wait until every organisation's peer has the block it committed in. */
export async function submitSynced<T = any>(
  contract: Contract,
  name: string,
  args: string[],
  options?: SubmitOptions,
): Promise<Submitted<T>> {
  const submitted = await submit<T>(contract, name, args, options);
  await syncPeers(submitted.blockNumber);
  return submitted;
}
