// Matches EventBridge event patterns with AWS Event Ruler (https://github.com/aws/event-ruler), the open-source
// matcher EventBridge is built on, so the patterns are not checked by logic written here.
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'fs';
import { join } from 'path';

const DIR = __dirname;
const CLASSPATH_FILE = join(DIR, 'classpath.txt');

export interface MatchCase {
  readonly pattern: object;
  readonly event: object;
}

function classpath(): string {
  if (!existsSync(CLASSPATH_FILE)) {
    try {
      execFileSync('mvn', ['-q', '-B', '-f', join(DIR, 'pom.xml'), 'dependency:build-classpath', `-Dmdep.outputFile=${CLASSPATH_FILE}`], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`Could not fetch AWS Event Ruler with Maven (needs Java, Maven and Maven Central): run \`bash scripts/test-services.sh\`. ${error}`);
    }
  }
  return readFileSync(CLASSPATH_FILE, 'utf8').trim();
}

/**
 * The directory of MatchEvents compiled against this classpath, compiled once and kept under .classes/ by the hash of
 * the source and the classpath. Running the .java file in source mode compiled it again in every call (about 1.8 s
 * against 0.45 s for the compiled class, 32 calls in the monitoring's two test files). Two jest workers may compile at
 * once: each compiles into a directory of its own and the first rename wins. Without javac (a JRE that runs source
 * files is still a JDK's java, so this is unlikely), undefined: source mode as before.
 */
function compiledClasses(cp: string): string | undefined {
  const source = join(DIR, 'MatchEvents.java');
  const root = join(DIR, '.classes');
  const dir = join(root, createHash('sha256').update(readFileSync(source)).update(cp).digest('hex').slice(0, 16));
  if (existsSync(join(dir, 'MatchEvents.class'))) return dir;
  mkdirSync(root, { recursive: true });
  const scratch = mkdtempSync(join(root, 'build-'));
  try {
    execFileSync('javac', ['-nowarn', '-cp', cp, '-d', scratch, source], { stdio: 'pipe' });
  } catch {
    rmSync(scratch, { recursive: true, force: true });
    return undefined;
  }
  try {
    renameSync(scratch, dir);
  } catch {
    // Another worker's rename came first: its classes are the same.
    rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
}

/** Whether each pattern matches its event, in order; one JVM for all cases. */
export function matchAll(cases: MatchCase[]): boolean[] {
  const cp = classpath();
  const classes = compiledClasses(cp);
  const args = classes ? ['-cp', `${cp}:${classes}`, 'MatchEvents'] : ['-cp', cp, join(DIR, 'MatchEvents.java')];
  const out = execFileSync('java', args, {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const results = JSON.parse(out);
  if (!Array.isArray(results) || results.length !== cases.length) throw new Error(`Event Ruler answered ${out}`);
  return results;
}
