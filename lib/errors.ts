/**
 * Configuration errors of the constructs and the plan: the same type the runner raises (one
 * error style across the library), defined with the other run-time contracts in runtime/.
 */
export { ConfigurationError, throwIfProblems } from '../runtime/errors';
