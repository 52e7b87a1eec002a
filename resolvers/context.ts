import type { ClientInfo } from '../src/services/auth.js';
import type { Services } from '../src/app.js';
import type { Loaders } from '../src/http/loaders.js';
import type { Links } from '../src/http/signed-urls.js';
import type { Viewer } from '../src/auth/viewer.js';

/** Sets and clears the browser's session cookies; absent for subscriptions (no HTTP response). */
export interface SessionCookies {
  set(token: string, csrfToken: string, expiresAt: string): void;
  clear(): void;
}

/** What every resolver receives. */
export interface Context {
  viewer: Viewer | null;
  services: Services;
  loaders: Loaders;
  client: ClientInfo;
  /** Absolute signed URLs of images, usable without a session until they expire. */
  links: Links;
  cookies?: SessionCookies;
}
