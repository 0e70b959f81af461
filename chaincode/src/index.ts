/**
 * Lotline chaincode entry point. `fabric-chaincode-node` loads `contracts`
 * from this module; `Lot` comes first and is the default contract.
 */
import { EpcisContract } from './contracts/epcis-contract';
import { LotContract } from './contracts/lot-contract';
import { ParticipantContract } from './contracts/participant-contract';
import { QualityContract } from './contracts/quality-contract';

export { LotContract, ParticipantContract, QualityContract };
export { CITY_MSP } from './access';
export { detailsHash } from './contracts/quality-contract';
export { MAX_TRACE_DEPTH, MAX_TRACE_NODES } from './lineage';

/** The contracts this chaincode serves. */
export const contracts = [LotContract, QualityContract, ParticipantContract, EpcisContract];
