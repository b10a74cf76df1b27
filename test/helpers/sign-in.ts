// Signs in to the UI with a token, as the sign-in form does, and gives the session cookie to send back.
import { expect } from 'vitest';

export async function signInCookie(base: string, origin: string, token: string): Promise<string> {
  const signIn = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, next: '/' }).toString(),
  });
  expect(signIn.status).toBe(303);
  return signIn.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}
