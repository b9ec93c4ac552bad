/** Why a bundle or trust anchor was refused. Each code is a distinct, tested case. */
export type RefusalCode =
  | 'malformed'
  | 'too_large'
  | 'wrong_type'
  | 'no_signature'
  | 'bad_signature'
  | 'unknown_key'
  | 'below_threshold'
  | 'other_tenant'
  | 'rollback'
  | 'fork'
  | 'expired'
  | 'client_too_old'
  | 'no_trust_anchor';

export class PolicyRefusal extends Error {
  readonly code: RefusalCode;
  constructor(code: RefusalCode, message: string) {
    super(message);
    this.name = 'PolicyRefusal';
    this.code = code;
  }
}
