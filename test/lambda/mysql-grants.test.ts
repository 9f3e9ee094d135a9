// How the rotation function turns the original user's SHOW GRANTS lines into the other user's grants
// (lambda/rotation/engines/mysql.ts grantStatements): only the grantee clause is rewritten, all lines or none.
// The formats are MariaDB's (run against a real server in rotation.test.ts) and MySQL 8's as its manual shows them.
import { grantStatements } from '../../lambda/rotation/engines/mysql';

const target = "'app_clone'@'%'";

test('the grantee clause at the end is rewritten, with the password hash and TLS requirement after it dropped', () => {
  expect(grantStatements([
    "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*0123456789ABCDEF0123456789ABCDEF01234567' REQUIRE SSL",
    'GRANT SELECT, INSERT ON `app_db`.* TO `app`@`%` WITH GRANT OPTION',
    "GRANT SELECT ON 'legacy'.* TO 'app'@'%'",
  ], 'app', target)).toEqual([
    `GRANT USAGE ON *.* TO ${target}`,
    `GRANT SELECT, INSERT ON \`app_db\`.* TO ${target} WITH GRANT OPTION`,
    `GRANT SELECT ON 'legacy'.* TO ${target}`,
  ]);
});

test('an object named like a grantee clause is kept as it is: only the last clause naming the user is the grantee', () => {
  expect(grantStatements(["GRANT SELECT (`z TO 'q'@'r`, `x TO `` app``@``%`` `) ON `db`.`t` TO `app`@`%`"], 'app', target))
    .toEqual([`GRANT SELECT (\`z TO 'q'@'r\`, \`x TO \`\` app\`\`@\`\`%\`\` \`) ON \`db\`.\`t\` TO ${target}`]);
});

test('every authentication plugin of the user is dropped, joined by OR (MariaDB)', () => {
  expect(grantStatements(["GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED VIA unix_socket OR mysql_native_password USING '*0123456789ABCDEF0123456789ABCDEF01234567'"], 'app', target))
    .toEqual([`GRANT USAGE ON *.* TO ${target}`]);
});

test('MariaDB\'s default role line names the other user', () => {
  expect(grantStatements(['SET DEFAULT ROLE `reporting` FOR `app`@`%`'], 'app', target)).toEqual([`SET DEFAULT ROLE \`reporting\` FOR ${target}`]);
});

test('MySQL 8\'s partial revokes are refused before any statement, naming them (https://dev.mysql.com/doc/refman/8.0/en/partial-revokes.html)', () => {
  expect(() => grantStatements(['GRANT SELECT, INSERT ON *.* TO `app`@`%`', 'REVOKE INSERT ON `mysql`.* FROM `app`@`%`'], 'app', target))
    .toThrow(/partial revoke \(REVOKE \.\.\. FROM\).*Nothing was copied; the other user is unchanged/);
});

test('a line that names no grantee is refused without quoting it (it may hold a hash)', () => {
  const line = "GRANT USAGE ON *.* TO `someone`@`%` IDENTIFIED BY PASSWORD '*0123456789ABCDEF0123456789ABCDEF01234567'";
  expect(() => grantStatements([line], 'app', target)).toThrow(/names no grantee app@%.*Nothing was copied/);
  expect(() => grantStatements([line], 'app', target)).not.toThrow(/0123456789ABCDEF/);
});

// Review DN: SHOW GRANTS doubles a backtick inside a name, so the grantee was never found for such a user.
test('a user name holding a backtick is found as SHOW GRANTS writes it (doubled)', () => {
  expect(grantStatements(['GRANT USAGE ON *.* TO `a``b`@`%`'], 'a`b', target)).toEqual([`GRANT USAGE ON *.* TO ${target}`]);
});
