// People and their roles per app. A person signs in with a token of their own (or a one-time link); an admin
// person may do everything, others what their role on each app allows (src/domain/authorize.ts).
import type { Role } from '../domain/authorize.js';
import { ConflictError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Db } from './open-database.js';

/** The person migration 8 made: tokens from before people existed (all admin tokens) are theirs. */
export const FIRST_ADMIN_ID = 'per_admin';

export interface PersonRecord {
  id: string;
  name: string;
  email: string | null;
  admin: boolean;
  createdAt: string;
}

export interface RoleRecord {
  personId: string;
  app: string;
  role: Role;
  grantedAt: string;
}

interface Row {
  id: string;
  name: string;
  email: string | null;
  admin: number;
  created_at: string;
}

const toRecord = (r: Row): PersonRecord => ({ id: r.id, name: r.name, email: r.email, admin: r.admin === 1, createdAt: r.created_at });

export interface PeopleStore {
  /** Throws ConflictError when the name is taken. */
  add(input: { name: string; email?: string | null; admin?: boolean }): PersonRecord;
  get(id: string): PersonRecord | undefined;
  byName(name: string): PersonRecord | undefined;
  list(): PersonRecord[];
  setAdmin(id: string, admin: boolean): boolean;
  remove(id: string): boolean;
  countAdmins(): number;
  /** Gives (or changes) the person's role on the app; returns the role it had before. */
  grant(personId: string, app: string, role: Role): Role | null;
  /** Takes the person's role on the app away; returns the role it was. */
  revoke(personId: string, app: string): Role | null;
  /** The person's role per app. */
  roles(personId: string): Record<string, Role>;
  rolesForApp(app: string): RoleRecord[];
  allRoles(): RoleRecord[];
}

export function createPeopleStore(db: Db): PeopleStore {
  const insert = db.prepare('INSERT INTO people (id, name, email, admin, created_at) VALUES (?, ?, ?, ?, ?)');
  const byId = db.prepare<[string], Row>('SELECT id, name, email, admin, created_at FROM people WHERE id = ?');
  const byName = db.prepare<[string], Row>('SELECT id, name, email, admin, created_at FROM people WHERE name = ?');
  const list = db.prepare<[], Row>('SELECT id, name, email, admin, created_at FROM people ORDER BY name');
  const setAdmin = db.prepare('UPDATE people SET admin = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM people WHERE id = ?');
  const admins = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM people WHERE admin = 1');
  const roleOf = db.prepare<[string, string], { role: Role }>('SELECT role FROM roles WHERE person_id = ? AND app = ?');
  const upsertRole = db.prepare(
    'INSERT INTO roles (person_id, app, role, granted_at) VALUES (?, ?, ?, ?) ON CONFLICT (person_id, app) DO UPDATE SET role = excluded.role, granted_at = excluded.granted_at',
  );
  const deleteRole = db.prepare('DELETE FROM roles WHERE person_id = ? AND app = ?');
  const rolesOf = db.prepare<[string], { app: string; role: Role }>('SELECT app, role FROM roles WHERE person_id = ?');
  type RoleRow = { person_id: string; app: string; role: Role; granted_at: string };
  const toRole = (r: RoleRow): RoleRecord => ({ personId: r.person_id, app: r.app, role: r.role, grantedAt: r.granted_at });
  const rolesForApp = db.prepare<[string], RoleRow>('SELECT person_id, app, role, granted_at FROM roles WHERE app = ? ORDER BY person_id');
  const allRoles = db.prepare<[], RoleRow>('SELECT person_id, app, role, granted_at FROM roles ORDER BY app, person_id');
  return {
    add({ name, email = null, admin = false }) {
      if (byName.get(name)) throw new ConflictError(`a person named ${name} already exists`);
      const record: PersonRecord = { id: newId('per'), name, email, admin, createdAt: new Date().toISOString() };
      insert.run(record.id, record.name, record.email, admin ? 1 : 0, record.createdAt);
      return record;
    },
    get: (id) => {
      const r = byId.get(id);
      return r ? toRecord(r) : undefined;
    },
    byName: (name) => {
      const r = byName.get(name);
      return r ? toRecord(r) : undefined;
    },
    list: () => list.all().map(toRecord),
    setAdmin: (id, admin) => setAdmin.run(admin ? 1 : 0, id).changes > 0,
    remove: (id) => remove.run(id).changes > 0,
    countAdmins: () => admins.get()?.n ?? 0,
    grant(personId, app, role) {
      const before = roleOf.get(personId, app)?.role ?? null;
      upsertRole.run(personId, app, role, new Date().toISOString());
      return before;
    },
    revoke(personId, app) {
      const before = roleOf.get(personId, app)?.role ?? null;
      deleteRole.run(personId, app);
      return before;
    },
    roles: (personId) => Object.fromEntries(rolesOf.all(personId).map((r) => [r.app, r.role])),
    rolesForApp: (app) => rolesForApp.all(app).map(toRole),
    allRoles: () => allRoles.all().map(toRole),
  };
}
