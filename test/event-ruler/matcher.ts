// Matches EventBridge event patterns with AWS Event Ruler (https://github.com/aws/event-ruler), the open-source
// matcher EventBridge is built on, so the patterns are not checked by logic written here.
import { execFileSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
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

/** Whether each pattern matches its event, in order; one JVM for all cases. */
export function matchAll(cases: MatchCase[]): boolean[] {
  const out = execFileSync('java', ['-cp', classpath(), join(DIR, 'MatchEvents.java')], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const results = JSON.parse(out);
  if (!Array.isArray(results) || results.length !== cases.length) throw new Error(`Event Ruler answered ${out}`);
  return results;
}
