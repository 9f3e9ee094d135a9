// The guards of `grantConnect` on a database whose secret the rotation function rotates by password.
import { Token } from 'aws-cdk-lib';

/** The users a database's rotation logs in as by password, whom `grantConnect` must not make IAM users. */
export interface PasswordUsers {
  /** The user the secret holds and the function rotates (with alternating users, its `_clone` too). */
  readonly rotated: string[];
  /** With alternating users, the superuser the function logs in as, when its secret's template names it. */
  readonly superuser?: string;
}

/**
 * Why `dbUser` may not be granted `rds-db:connect`, or undefined: it must be given, and not empty (aws-cdk-lib's
 * `grantConnect` takes an empty `dbUser` for the master user), and not a user the rotation logs in as by password: "a
 * specific user can log in to a database using only one authentication method", and on PostgreSQL "if the rds_iam role
 * is added to the master user, IAM authentication takes precedence over password authentication", so that user would
 * no longer log in with the secret and rotation would fail
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/database-authentication.html).
 * `owner` names the construct in the message (`RotatedDatabase <path>`).
 */
export function iamConnectUserError(owner: string, dbUser: string | undefined, users: PasswordUsers): string | undefined {
  if (dbUser === undefined) {
    return `${owner}: grantConnect's \`dbUser\` is required: name a database user of your own that logs in with IAM.`;
  }
  if (dbUser === '') {
    return `${owner}: grantConnect's \`dbUser\` is empty, which aws-cdk-lib takes for the master user, who logs in `
      + 'with a password the rotation sets: name a database user of your own that logs in with IAM.';
  }
  if (Token.isUnresolved(dbUser)) return undefined;
  if (users.rotated.includes(dbUser)) {
    return `${owner}: grantConnect's \`dbUser\` "${dbUser}" is the user the secret rotates by password; `
      + 'a user logs in with one authentication method only, so making it an IAM user would lock the secret (and rotation) out. '
      + 'Create a separate database user for IAM authentication and name it here.';
  }
  // The superuser the function logs in as (and, with rotateSuperuser, rotates) by password: as an IAM user it "has to
  // log in as an IAM user" (see above), and every rotation fails. Known only when its secret's template names it.
  if (users.superuser !== undefined && dbUser === users.superuser) {
    return `${owner}: grantConnect's \`dbUser\` "${dbUser}" is the superuser \`superuserSecret\` holds, whom the rotation `
      + 'function logs in with by password; a user logs in with one authentication method only, so making it an IAM user would lock rotation out. '
      + 'Create a separate database user for IAM authentication and name it here.';
  }
  return undefined;
}
