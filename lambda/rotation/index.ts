// Placeholder until the rotation Lambda lands (issue 3).
export async function handler(): Promise<void> {
  throw new Error('rotation handler not yet implemented');
}
