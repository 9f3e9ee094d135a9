/**
 * Characters kept out of generated secret values and rotated passwords: those that break connection strings,
 * URLs and shell quoting, and those RDS refuses in master passwords (`/`, `"`, `@`, space).
 */
export const EXCLUDED_PASSWORD_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';
