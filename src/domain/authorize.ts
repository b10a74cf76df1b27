// Who may do what: the one authorisation rule (pure). A grant (the person's admin flag and roles per app, narrowed
// by the token's scopes) and an action, with the app it concerns, give allow, forbidden (403) or not-found (404:
// an app a person cannot see answers as if it did not exist).

/** Roles on one app, each including the one before. */
export const ROLES = ['viewer', 'developer', 'releaser'] as const;
export type Role = (typeof ROLES)[number];

/** What a token may be narrowed to (besides one app): no scopes is everything its person may do. */
export const SCOPES = ['read', 'git:push', 'metrics'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ActionRule {
  /** The role on the app it needs; 'admin': only global admins; 'anyone': every signed-in principal. */
  needs: Role | 'admin' | 'anyone';
  /** Whether it concerns one app (then the app is part of the question, and hidden apps are 404). */
  app: boolean;
  /** Reading changes nothing: what a read-only token may do. */
  reads: boolean;
  /** Which narrowed tokens may do it besides `read` for reads ('git:push': git over HTTP; 'metrics'). */
  scope?: 'git:push' | 'metrics';
  /** Said in a 403. */
  what: string;
}

export const ACTIONS = {
  /** Everything of an app that is read: pages, API reads, logs, event streams, history. */
  'app:view': { needs: 'viewer', app: true, reads: true, what: 'see this app' },
  'git:fetch': { needs: 'viewer', app: true, reads: true, scope: 'git:push', what: 'clone or fetch this app' },
  /** Pushing branches (main and others): moves the preview. */
  'git:push': { needs: 'developer', app: true, reads: false, scope: 'git:push', what: 'push to this app' },
  /** Pushing release tags, moving production's branch, deleting branches. */
  'git:release': { needs: 'releaser', app: true, reads: false, scope: 'git:push', what: 'push release tags, move prod or delete branches of this app' },
  'app:generate': { needs: 'developer', app: true, reads: false, what: 'describe changes to this app or revert them' },
  'app:run-job': { needs: 'developer', app: true, reads: false, what: "run this app's scheduled job" },
  'app:preview-secrets': { needs: 'developer', app: true, reads: false, what: "set this app's preview secrets" },
  'app:release': { needs: 'releaser', app: true, reads: false, what: 'publish or roll back this app' },
  'app:production-secrets': { needs: 'releaser', app: true, reads: false, what: "set this app's production secrets" },
  'app:domains': { needs: 'releaser', app: true, reads: false, what: "change this app's custom domains" },
  'app:share': { needs: 'developer', app: true, reads: false, what: "make or revoke share links to this app's protected environments" },
  'app:access': { needs: 'releaser', app: true, reads: false, what: "choose who may open this app's environments" },
  'app:webhooks': { needs: 'releaser', app: true, reads: false, what: "manage this app's webhooks and read their deliveries" },
  'app:delete': { needs: 'admin', app: true, reads: false, what: 'delete this app' },
  'apps:create': { needs: 'admin', app: false, reads: false, what: 'create apps' },
  /** The app list (filtered to what the principal sees), the about page, who am I, one's own tokens. */
  'self:read': { needs: 'anyone', app: false, reads: true, what: 'read this' },
  /** Making and revoking one's own tokens. */
  'self:tokens': { needs: 'anyone', app: false, reads: false, what: 'manage your tokens' },
  'people:manage': { needs: 'admin', app: false, reads: false, what: 'manage people, roles and their tokens' },
  'people:read': { needs: 'admin', app: false, reads: true, what: 'list people and tokens' },
  'audit:read': { needs: 'admin', app: false, reads: true, what: 'read the audit log' },
  backups: { needs: 'admin', app: false, reads: false, what: 'make or download backups' },
  'webhooks:global': { needs: 'admin', app: false, reads: false, what: 'manage global webhooks' },
  'metrics:read': { needs: 'admin', app: false, reads: true, scope: 'metrics', what: 'read metrics' },
} as const satisfies Record<string, ActionRule>;

export type Action = keyof typeof ACTIONS;

/** What a principal holds: the person's rights, narrowed by the token it presented. */
export interface Grant {
  admin: boolean;
  /** Role per app name. */
  roles: Readonly<Record<string, Role>>;
  /** The token's app (null: every app its person has a role on). */
  onlyApp: string | null;
  /** The token's scopes (empty: all its person may do). */
  scopes: readonly Scope[];
}

export type Decision = { allowed: true } | { allowed: false; status: 403 | 404; reason: string };

const rank = (r: Role): number => ROLES.indexOf(r);

export function hasRole(role: Role | undefined, needs: Role): boolean {
  return role !== undefined && rank(role) >= rank(needs);
}

/** Whether the app exists for this principal at all (admin, or any role on it; within the token's app). */
export function seesApp(grant: Grant, app: string): boolean {
  if (grant.onlyApp !== null && grant.onlyApp !== app) return false;
  return grant.admin || grant.roles[app] !== undefined;
}

export function authorize(grant: Grant, action: Action, app?: string): Decision {
  const rule: ActionRule = ACTIONS[action];
  if (rule.app) {
    if (app === undefined) throw new Error(`authorize: ${action} needs an app`);
    if (!seesApp(grant, app)) return { allowed: false, status: 404, reason: `no app named ${app}` };
  }
  const scoped = grant.scopes.length > 0;
  const byScope = !scoped || grant.scopes.some((s) => (s === 'read' && rule.reads) || s === rule.scope);
  if (!byScope) return { allowed: false, status: 403, reason: `this token may only ${describeScopes(grant.scopes)}: it may not ${rule.what}` };
  // A token narrowed to one app speaks for that app alone: nothing installation-wide beyond reading the list.
  if (!rule.app && grant.onlyApp !== null && action !== 'self:read')
    return { allowed: false, status: 403, reason: `this token is for ${grant.onlyApp} only: it may not ${rule.what}` };
  if (grant.admin || rule.needs === 'anyone') return { allowed: true };
  if (rule.needs === 'admin') return { allowed: false, status: 403, reason: `only an admin may ${rule.what}` };
  const role = app === undefined ? undefined : grant.roles[app];
  if (hasRole(role, rule.needs)) return { allowed: true };
  return { allowed: false, status: 403, reason: `you are ${role ? `a ${role}` : 'not a member'} of ${app}: to ${rule.what} takes the ${rule.needs} role` };
}

/** The one question a proxy in front of a protected preview asks. */
export function mayViewApp(grant: Grant, app: string): boolean {
  return authorize(grant, 'app:view', app).allowed;
}

function describeScopes(scopes: readonly Scope[]): string {
  const words: Record<Scope, string> = { read: 'read', 'git:push': 'clone and push with git', metrics: 'read metrics' };
  return scopes.map((s) => words[s]).join(' and ');
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}
