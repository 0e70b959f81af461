/** Membership governance: admitting and removing member firms by majority vote, and revoking users. */
export * from './admission';
export * from './channel-config';
export * from './proposal';
export * from './revocation';
