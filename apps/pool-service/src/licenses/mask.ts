/** Enough of a license for a merchant to recognise it, never enough to use it. */
export function maskLicense(value: string): string {
  const chars = [...value];
  if (chars.length < 12) return '••••';
  return `${chars.slice(0, 4).join('')}…${chars.slice(-4).join('')}`;
}
