/** Shows enough of a license to recognise it (first and last 4) without giving it away. */
export function maskLicense(value: string): string {
  return value.length >= 12 ? `${value.slice(0, 4)}…${value.slice(-4)}` : '••••';
}
