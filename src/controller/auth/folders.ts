// Folder permissions: who may create, configure, build and delete jobs in a folder, and whose
// jobs may bind the folder's credentials. The global roles (policy.ts) decide who may call a
// route at all; this narrows the job routes and credential binding per folder, like Jenkins'
// folder-based Matrix authorization.
//
// Grants: (folder, grantee, rights), set by admins (PUT /api/v1/folders/:folder). A grantee is
// a user ('user:alice') or every developer ('role:developer'). A grant on 'team' covers
// 'team/sub' too (rights add up along the path, as Jenkins inherits the parent's matrix).
//
// Who may do what in folder F (F = a job's name up to its last '/'; top-level jobs have none):
//   admins (and the configured admin token)  everything, always
//   viewers                                  nothing, whatever a grant says (they read only)
//   developers, F guarded (a grant on F or above it)   only the rights granted to them there
//   developers, F not guarded                          every right, as before folders had grants
// An admin guards a folder for admins only with `{ grantee: 'role:developer', rights: [] }`.
//
// The build's identity. A job's builds bind folder credentials with the rights of the user who
// last set its definition (created it, changed its Jenkinsfile or repository, or moved it into
// its folder: the "configurer", recorded in the store); changing only its description or
// disabled flag leaves it. A replay with a changed script needs both the configurer's and the
// replayer's right, and so does a commit a user names in an unsigned webhook push (the commit
// is a script that user chose: any commit the repository holds, a fork's pull request too). So binding a credential of a guarded folder needs `credentials.use` there,
// held by the configurer now, not when the job was saved: a job that is in the folder without
// the right (made before the grants, or its configurer lost the right) cannot bind it, and the
// error says who must save the job. A configurer is a person, not a name: a user deleted and
// made again with the same name is another one (made after the record) and inherits nothing. Who starts a build needs `job.build` (the route checks
// it); a build started by another job's `build job:` step needs the upstream job's configurer
// to hold `job.build` on the downstream job's folder. Reading (jobs, builds, logs) is not
// limited by folder.
import type { FolderGrant, FolderRight, Role, Store } from '../../store/types.ts';
import { AuthError } from './service.ts';

/** Who asks: a user (or the configured admin token, role admin). */
export interface Who { name: string; role: Role }

/**
 * Who chose the script a build runs, when it is not the job's own: a replay with a changed
 * script, or a commit named in a webhook push by a user (not signed). The build then binds
 * folder credentials and starts folder jobs only with that user's rights too.
 */
export interface ScriptChooser { user: string; via: 'replay' | 'webhook' }

/** The folder a job is in: its name up to the last '/'; '' for a top-level job. */
export function folderOf(jobName: string): string {
  const i = jobName.lastIndexOf('/');
  return i < 0 ? '' : jobName.slice(0, i);
}

/** 'a/b/c' → ['a', 'a/b', 'a/b/c']; '' → []. */
export function pathsOf(folder: string): string[] {
  if (folder === '') return [];
  const parts = folder.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** What someone may do in a folder. */
export interface FolderRights {
  folder: string;
  /** Whether grants on the folder (or above it) limit what developers may do there. */
  guarded: boolean;
  rights: FolderRight[];
  /** The folders whose grants apply (the folder and those above it that have grants). */
  guardedBy: string[];
}

const ALL: readonly FolderRight[] = ['job.create', 'job.configure', 'job.build', 'job.delete', 'credentials.use'];

export const grantee = { user: (name: string) => `user:${name}`, role: (role: Role) => `role:${role}` };

export class FolderAccess {
  readonly #store: Store;
  readonly #adminToken: boolean;

  constructor(o: { store: Store; adminTokenConfigured: boolean }) {
    this.#store = o.store;
    this.#adminToken = o.adminTokenConfigured;
  }

  /** The grants that apply to a folder: on it and above it. */
  grantsOver(folder: string): Promise<FolderGrant[]> {
    return this.#store.folders.grants(pathsOf(folder));
  }

  async rights(who: Who, folder: string): Promise<FolderRights> {
    if (who.role === 'admin') return { folder, guarded: false, rights: [...ALL], guardedBy: [] };
    const grants = await this.grantsOver(folder);
    const guardedBy = [...new Set(grants.map((g) => g.folder))];
    if (who.role !== 'developer') return { folder, guarded: grants.length > 0, rights: [], guardedBy };
    if (grants.length === 0) return { folder, guarded: false, rights: [...ALL], guardedBy };
    const mine = new Set([grantee.user(who.name), grantee.role(who.role)]);
    const rights = new Set<FolderRight>();
    for (const g of grants) if (mine.has(g.grantee)) for (const r of g.rights) rights.add(r);
    return { folder, guarded: true, rights: ALL.filter((r) => rights.has(r)), guardedBy };
  }

  /**
   * Refuses (403) unless `who` holds every right in `folder`. `doing` says what was asked, for
   * the message: "create job 'team/app'".
   */
  async require(who: Who, need: readonly FolderRight[], folder: string, doing: string): Promise<void> {
    const r = await this.rights(who, folder);
    const missing = need.filter((x) => !r.rights.includes(x));
    if (missing.length === 0) return;
    const has = r.rights.length > 0 ? `holds only ${r.rights.join(', ')} there` : 'holds no right there';
    throw new AuthError(403, 'forbidden',
      who.role === 'viewer'
        ? `${doing} needs the ${missing.join(' and ')} right in folder '${folder}'; ${who.name} is a viewer, and viewers never hold folder rights`
        : `${doing} needs the ${missing.join(' and ')} right in folder '${folder}', which has permissions set (on ${r.guardedBy.map((f) => `'${f}'`).join(', ')}); ${who.name} ${has}. Ask an admin to grant it (PUT /api/v1/folders/${encodeURIComponent(r.guardedBy[0] ?? folder)})`);
  }

  /**
   * The identity a job's builds act with: its configurer as a user now (null: none, or gone).
   * `replaced`: a user of that name exists, but was made after the record, so is another person
   * (the configurer was deleted since; names are reused, rights are not inherited).
   */
  async configurerOf(jobId: string): Promise<{ who: Who | null; recorded: string | null; replaced: boolean }> {
    const c = await this.#store.folders.configurer(jobId);
    if (!c) return { who: null, recorded: null, replaced: false };
    return { ...(await this.#identity(c.user, c.at)), recorded: c.user };
  }

  /** The active user `name` who existed at `asOf` (ms); null otherwise (`replaced`: the name now is a later user's). */
  async #identity(name: string, asOf: number | null = null): Promise<{ who: Who | null; replaced: boolean }> {
    if (name === 'admin-token') return { who: this.#adminToken ? { name, role: 'admin' } : null, replaced: false };
    const u = await this.#store.users.get(name);
    if (u && asOf !== null && u.createdAt > asOf) return { who: null, replaced: true };
    return { who: u && !u.disabled ? { name: u.name, role: u.role } : null, replaced: false };
  }

  /**
   * Whether a build of `job` may bind a credential of `folder`: null when it may, else why not
   * (a message naming who must do what). Folders without grants bind as they always did.
   */
  async bindProblem(credentialId: string, folder: string, job: { id: string; name: string; replayedBy?: ScriptChooser | null }): Promise<string | null> {
    const grants = await this.grantsOver(folder);
    if (grants.length === 0) return null;
    const { who, recorded, replaced } = await this.configurerOf(job.id);
    const base = `credential '${credentialId}' of folder '${folder}' may not be bound by job '${job.name}'`;
    const save = `someone who holds credentials.use on '${folder}' must save the job's definition (PUT /api/v1/jobs/${encodeURIComponent(job.name)} with its script or git), or an admin must grant it (PUT /api/v1/folders/${encodeURIComponent(folder)})`;
    if (!who) {
      const why = recorded === null ? 'nobody is recorded as having set the job\'s definition (it predates folder permissions)'
        : replaced ? `'${recorded}', who last set the job's definition, was deleted since (the user '${recorded}' now is another one)`
          : `'${recorded}', who last set the job's definition, is no longer an active user`;
      return `${base}: folder '${folder}' has permissions set, and ${why}; ${save}`;
    }
    if (!(await this.rights(who, folder)).rights.includes('credentials.use')) {
      return `${base}: folder '${folder}' has permissions set, and '${who.name}', who last set the job's definition, does not hold credentials.use there; ${save}`;
    }
    const by = job.replayedBy;
    if (by) {
      const chooser = (await this.#identity(by.user)).who;
      if (!chooser || !(await this.rights(chooser, folder)).rights.includes('credentials.use')) {
        return by.via === 'replay'
          ? `${base}: this build replays a changed script, and '${by.user}', who replayed it, does not hold credentials.use on folder '${folder}'`
          : `${base}: this build runs a script '${by.user}' chose (a commit named in a webhook push), and '${by.user}' does not hold credentials.use on folder '${folder}'; a push signed with the webhook secret, or sent by someone who holds credentials.use there, may name the commit`;
      }
    }
    return null;
  }

  /** Whether the builds of `upstream` may start `downstream` (the `build job:` step): null, or why not. */
  async triggerProblem(upstream: { id: string; name: string }, downstream: string, replayedBy: ScriptChooser | null = null): Promise<string | null> {
    const folder = folderOf(downstream);
    if ((await this.grantsOver(folder)).length === 0) return null;
    const base = `job '${upstream.name}' may not start '${downstream}': folder '${folder}' has permissions set, and`;
    const { who, recorded, replaced } = await this.configurerOf(upstream.id);
    if (!who || !(await this.rights(who, folder)).rights.includes('job.build')) {
      const whom = who ? `'${who.name}'` : recorded === null ? 'nobody recorded'
        : replaced ? `'${recorded}' (deleted since; the user '${recorded}' now is another one)` : `'${recorded}' (no longer an active user)`;
      return `${base} ${whom}, who last set '${upstream.name}''s definition, does not hold job.build there`;
    }
    if (replayedBy) {
      const chooser = (await this.#identity(replayedBy.user)).who;
      if (!chooser || !(await this.rights(chooser, folder)).rights.includes('job.build')) {
        return `${base} '${replayedBy.user}', who ${replayedBy.via === 'replay' ? 'replayed this build with a changed script' : "named this build's commit in a webhook push"}, does not hold job.build there`;
      }
    }
    return null;
  }
}
