/**
 * The title of a suite that needs a server or a package: it carries the hint
 * "(skipped: <how to get it>)" only when the suite is skipped, so a suite that
 * runs does not claim to have been skipped.
 */
export function suiteTitle(title: string, skipped: boolean, howToGetIt: string): string {
  return skipped ? `${title} (skipped: ${howToGetIt})` : title;
}
