// Release tags: `v1`, `v2`, … (or `v1.2.3`); the next one is planned from the existing ones.

const RELEASE = /^v(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)){0,2}$/;

export function isReleaseName(tag: string): boolean {
  return RELEASE.test(tag);
}

function parts(tag: string): number[] {
  return tag.slice(1).split('.').map(Number);
}

export function compareReleases(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The next `vN` after the highest existing release (its major number plus one). */
export function nextReleaseName(existing: readonly string[]): string {
  const majors = existing.filter(isReleaseName).map((t) => parts(t)[0] ?? 0);
  return `v${majors.length === 0 ? 1 : Math.max(...majors) + 1}`;
}

/** A glob of the form `v*` as environment files write it. */
export function matchesTagGlob(tag: string, glob: string): boolean {
  const re = new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(tag);
}
