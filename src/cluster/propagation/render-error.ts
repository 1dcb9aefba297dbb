import { TerminalError } from '../../runtime/result.ts';

/**
 * A FederatedWorkload (or the decision for it) that cannot be turned into a
 * member object. Terminal: it does not fix itself, so the controller reports
 * it in a condition instead of retrying.
 */
export class RenderError extends TerminalError {
  /** The path of the offending field, from the FederatedWorkload (e.g. `spec.overrides[0].images[1].container`). */
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'RenderError';
    this.field = field;
  }
}
