/**
 * Fabric's policy evaluation over a configuration group, for identities that
 * already validated and whose signatures verified: ImplicitMeta policies
 * (ANY, ALL or MAJORITY of the sub-groups' policy of that name) and signature
 * policies (n-out-of over MSP role principals), each identity used at most
 * once per rule as in Fabric's `cauthdsl`.
 */
import { common, msp } from '@hyperledger/fabric-protos';
import { subGroups, type Role, type ValidIdentity } from './config';

const ROLES: Record<number, Role> = {
  [msp.MSPRole.MSPRoleType.MEMBER]: 'member',
  [msp.MSPRole.MSPRoleType.ADMIN]: 'admin',
  [msp.MSPRole.MSPRoleType.CLIENT]: 'client',
  [msp.MSPRole.MSPRoleType.PEER]: 'peer',
  [msp.MSPRole.MSPRoleType.ORDERER]: 'orderer',
};

type Principal = (identity: ValidIdentity) => boolean;

function principalOf(p: msp.MSPPrincipal): Principal {
  if (p.getPrincipalClassification() !== msp.MSPPrincipal.Classification.ROLE) return () => false;
  const role = msp.MSPRole.deserializeBinary(p.getPrincipal_asU8());
  const wanted = ROLES[role.getRole()];
  return (identity) => identity.mspId === role.getMspIdentifier() && wanted !== undefined && identity.roles.has(wanted);
}

function signatureRule(rule: common.SignaturePolicy, principals: Principal[], signers: readonly ValidIdentity[], used: boolean[]): boolean {
  if (rule.hasSignedBy()) {
    const principal = principals[rule.getSignedBy()];
    const index = signers.findIndex((s, i) => !used[i] && principal !== undefined && principal(s));
    if (index < 0) return false;
    used[index] = true;
    return true;
  }
  const nOutOf = rule.getNOutOf();
  if (nOutOf === undefined) return false;
  let satisfied = 0;
  for (const sub of nOutOf.getRulesList()) {
    const trial = [...used];
    if (signatureRule(sub, principals, signers, trial)) {
      satisfied++;
      trial.forEach((u, i) => (used[i] = u));
    }
  }
  return satisfied >= nOutOf.getN();
}

/** The outcome of a policy evaluation, with what was counted. */
export interface PolicyOutcome {
  readonly satisfied: boolean;
  readonly explanation: string;
}

/**
 * Evaluate the policy `name` of `group` for `signers`.
 * @param path the group's path, for the explanation (`/Channel/Orderer`).
 */
export function evaluatePolicy(group: common.ConfigGroup, path: string, name: string, signers: readonly ValidIdentity[]): PolicyOutcome {
  const policy = group.getPoliciesMap().get(name)?.getPolicy();
  if (policy === undefined) return { satisfied: false, explanation: `${path} has no policy ${name}` };
  if (policy.getType() === common.Policy.PolicyType.SIGNATURE) {
    const envelope = common.SignaturePolicyEnvelope.deserializeBinary(policy.getValue_asU8());
    const rule = envelope.getRule();
    const principals = envelope.getIdentitiesList().map(principalOf);
    const satisfied =
      rule !== undefined &&
      signatureRule(
        rule,
        principals,
        signers,
        signers.map(() => false),
      );
    return { satisfied, explanation: `${path}/${name} (signature policy) ${satisfied ? 'satisfied' : 'not satisfied'}` };
  }
  if (policy.getType() === common.Policy.PolicyType.IMPLICIT_META) {
    const meta = common.ImplicitMetaPolicy.deserializeBinary(policy.getValue_asU8());
    const groups = subGroups(group);
    const met = groups
      .filter(([key, sub]) => evaluatePolicy(sub, `${path}/${key}`, meta.getSubPolicy(), signers).satisfied)
      .map(([key]) => key);
    const total = groups.length;
    const rule = meta.getRule();
    const needed =
      rule === common.ImplicitMetaPolicy.Rule.ANY ? 1 : rule === common.ImplicitMetaPolicy.Rule.ALL ? total : Math.floor(total / 2) + 1;
    const ruleName = rule === common.ImplicitMetaPolicy.Rule.ANY ? 'ANY' : rule === common.ImplicitMetaPolicy.Rule.ALL ? 'ALL' : 'MAJORITY';
    const satisfied = met.length >= needed;
    return {
      satisfied,
      explanation: `${path}/${name} is ${ruleName} ${meta.getSubPolicy()}: ${met.length} of ${total} organisations (${met.join(', ') || 'none'}), ${needed} needed`,
    };
  }
  return { satisfied: false, explanation: `${path}/${name} has policy type ${policy.getType()}, which this verifier does not evaluate` };
}
